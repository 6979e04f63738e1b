require "fileinto";
keep;
fileinto "INBOX";
