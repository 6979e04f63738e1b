require ["imap4flags", "fileinto"];
addflag "\\Flagged";
if header :contains "subject" "lundi" { addflag "$Reunion"; }
fileinto "Flag";
