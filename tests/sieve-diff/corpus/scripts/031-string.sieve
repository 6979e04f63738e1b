require ["variables", "fileinto"];
set "x" "abc";
if string :matches "${x}" "a*" { fileinto "S-${1}"; }
