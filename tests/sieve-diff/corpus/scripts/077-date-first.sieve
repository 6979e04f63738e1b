require ["date", "fileinto"];
if date :is "date" "year" "2027" { fileinto "Y2027"; }
if date :is "x-d" "day" "03" { fileinto "D03"; }
