require ["index", "fileinto"];
if header :index 2 :is "x-multi" "two" { fileinto "Second"; }
if header :index 1 :last :is "x-multi" "three" { keep; }
