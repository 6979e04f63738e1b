require ["variables", "fileinto"];
if header :matches "subject" "*s*" { fileinto "[${1}][${2}]"; }
