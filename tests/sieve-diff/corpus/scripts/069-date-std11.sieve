require ["date", "variables", "fileinto"];
if date :matches :zone "-0330" "date" "std11" "*" { fileinto "${0}"; }
