require ["subaddress", "fileinto"];
if address :detail ["to", "cc", "from"] "urgent" { fileinto "Urgent"; } elsif address :user "from" "martin" { fileinto "Martin"; }
