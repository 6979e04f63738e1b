require ["imap4flags", "fileinto"];
fileinto :flags "\\Seen $B" "FP";
keep :flags "\\Answered";
