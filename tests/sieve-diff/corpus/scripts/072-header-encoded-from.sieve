require "fileinto";
if header :contains "from" "Hélène" { fileinto "Helene"; }
