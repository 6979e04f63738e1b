require "reject";
redirect "bob@example.net";
reject "Non";
