require ["body", "relational", "comparator-i;ascii-numeric", "fileinto"];
if body :text :count "ge" :comparator "i;ascii-numeric" "2" { fileinto "TwoTexts"; }
