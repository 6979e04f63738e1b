require ["imap4flags", "fileinto"];
addflag "a b";
if hasflag :is "b" { fileinto "HasB"; }
