require "vacation";
vacation :from "alice@example.com" :subject "Re: absence" "Absente";
