require ["copy", "fileinto"];
fileinto :copy "Archive";
redirect :copy "bob@example.net";
