require ["body", "fileinto"];
if body :content "text/html" :contains "<b>" { fileinto "Html"; }
