require "fileinto";
if header :matches "subject" "\\[medecins\\]*" { fileinto "Listes"; }
