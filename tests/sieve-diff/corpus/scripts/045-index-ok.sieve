require ["index", "fileinto"];
if header :index 1 :last :is "x-multi" "three" { fileinto "Last"; }
