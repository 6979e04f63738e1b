require ["body", "fileinto"];
if body :text :contains "normaux" { fileinto "Normaux"; }
