require ["date", "relational", "fileinto"];
if date :value "ge" :originalzone "date" "hour" "12" { fileinto "Apres-midi"; } else { fileinto "Matin"; }
