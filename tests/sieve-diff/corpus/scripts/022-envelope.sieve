require ["envelope", "fileinto"];
if envelope :domain :is "from" "example.org" { fileinto "EnvOrg"; }
if envelope :localpart :is "to" "alice" { keep; }
