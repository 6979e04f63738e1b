require ["date", "relational", "fileinto"];
if date :value "lt" "date" "date" "2026-12-02" { fileinto "Avant"; } else { fileinto "Apres"; }
