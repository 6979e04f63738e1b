require "fileinto";
if address :is "from" "Jean Dupont" { fileinto "Display"; }
if address :contains "from" "dupont" { fileinto "Contains"; }
