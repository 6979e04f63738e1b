require "reject";
if header :contains "subject" "Undelivered" { reject "Pas de rebonds."; }
