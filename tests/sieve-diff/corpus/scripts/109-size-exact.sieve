require "fileinto";
if size :over 0 { fileinto "NonEmpty"; }
if size :under 100000000 { keep; }
