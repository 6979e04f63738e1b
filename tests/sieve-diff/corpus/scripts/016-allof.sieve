require "fileinto";
if allof (exists "to", header :contains "from" "martin") { fileinto "Martin"; }
