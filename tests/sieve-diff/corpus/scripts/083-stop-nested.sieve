require "fileinto";
if true { fileinto "A"; if true { stop; } fileinto "B"; }
fileinto "C";
