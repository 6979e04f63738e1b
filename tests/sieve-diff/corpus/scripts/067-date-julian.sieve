require ["date", "variables", "fileinto"];
if date :matches :zone "+0000" "date" "julian" "*" { fileinto "J${0}"; }
