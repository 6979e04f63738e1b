require ["variables", "fileinto"];
set :quotewildcard "q" "a*b";
if string :matches "a*b" "${q}" { fileinto "Quoted"; }
if string :matches "axxb" "${q}" { fileinto "Wild"; }
