require ["variables", "encoded-character", "fileinto"];
set "a" "${unicode:48 e9}";
fileinto "${a}";
