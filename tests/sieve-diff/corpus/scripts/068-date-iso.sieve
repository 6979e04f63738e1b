require ["date", "variables", "fileinto"];
if date :matches :originalzone "date" "iso8601" "*" { fileinto "${0}"; }
