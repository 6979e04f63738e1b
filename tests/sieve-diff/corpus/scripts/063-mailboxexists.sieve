require ["mailbox", "fileinto"];
if mailboxexists "INBOX" { fileinto "Oui"; }
if mailboxexists ["INBOX", "Nope"] { fileinto "Non"; }
