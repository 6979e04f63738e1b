require "vacation";
vacation :days 5 :subject "Absent" "Je suis absente.";
