require "fileinto";
if header :contains "subject" "Réunion" { fileinto "Decoded"; }
