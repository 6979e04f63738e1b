require ["body", "fileinto"];
if body :contains "" { fileinto "BodyAny"; }
