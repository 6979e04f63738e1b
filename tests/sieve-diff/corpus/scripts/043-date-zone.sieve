require ["date", "fileinto"];
if date :zone "+0000" :is "date" "weekday" "2" { fileinto "Mardi"; }
