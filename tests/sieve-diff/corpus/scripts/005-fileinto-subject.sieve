require "fileinto";
if header :contains "subject" "lundi" { fileinto "Reunions"; }
