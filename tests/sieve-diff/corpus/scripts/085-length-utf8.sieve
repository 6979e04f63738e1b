require ["variables", "fileinto"];
set :length "l" "éèà";
fileinto "L${l}";
