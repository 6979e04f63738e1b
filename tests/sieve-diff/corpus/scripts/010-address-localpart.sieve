require "fileinto";
if address :localpart :matches ["to", "cc"] "eve*" { fileinto "Eve"; }
