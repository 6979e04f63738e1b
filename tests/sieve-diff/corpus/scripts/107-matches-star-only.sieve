require ["variables", "fileinto"];
if header :matches "subject" "**" { fileinto "Stars-${1}-${2}"; }
