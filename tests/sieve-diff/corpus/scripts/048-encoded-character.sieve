require ["encoded-character", "fileinto"];
fileinto "${hex:42 6F 78}";
