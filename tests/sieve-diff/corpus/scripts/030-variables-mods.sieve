require ["variables", "fileinto"];
set :upperfirst "a" "dossier";
set :length "b" "${a}";
fileinto "${a}-${b}";
