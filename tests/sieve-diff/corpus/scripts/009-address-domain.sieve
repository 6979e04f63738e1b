require "fileinto";
if address :domain :is "from" "example.org" { fileinto "Org"; } elsif address :domain :is "from" "example.com" { fileinto "Com"; } else { fileinto "Other"; }
