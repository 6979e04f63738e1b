require ["body", "fileinto"];
if body :matches "*lundi*10h*" { fileinto "Body"; }
