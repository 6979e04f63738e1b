require ["body", "fileinto"];
if body :raw :contains "R=E9sultats" { fileinto "RawQP"; }
