require ["imap4flags", "fileinto"];
addflag "a";
fileinto "A";
addflag "b";
removeflag "a";
keep;
