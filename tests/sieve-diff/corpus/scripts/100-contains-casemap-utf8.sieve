require "fileinto";
if header :contains "subject" "RÉUNION" { fileinto "UpperUtf8"; }
