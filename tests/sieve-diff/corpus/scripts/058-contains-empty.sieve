require "fileinto";
if header :contains "x-spam-score" "" { fileinto "HasScore"; }
