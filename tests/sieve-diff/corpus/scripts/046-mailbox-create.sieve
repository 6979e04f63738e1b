require ["mailbox", "fileinto"];
fileinto :create "Nouveau";
