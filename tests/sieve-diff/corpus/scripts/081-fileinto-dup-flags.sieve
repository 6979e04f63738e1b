require ["imap4flags", "fileinto"];
fileinto :flags "x" "Box";
fileinto :flags "y" "Box";
