require "fileinto";
if address :localpart :is "to" "undisclosed-recipients" { fileinto "Group"; }
if address :all :is "cc" "alice@example.com" { fileinto "CcAlice"; }
