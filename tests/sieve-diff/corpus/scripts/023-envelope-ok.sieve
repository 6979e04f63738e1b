require ["envelope", "fileinto"];
if envelope :is "to" "alice@example.com" { fileinto "ToAlice"; }
if envelope :localpart :is "from" "mailer-daemon" { discard; }
