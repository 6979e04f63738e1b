require "fileinto";
if address :domain :is ["reply-to", "sender"] "lists.example.org" { fileinto "Sender"; }
