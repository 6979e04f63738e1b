require "fileinto";
if header :matches "subject" "*\\?*" { fileinto "Question"; }
if header :matches "subject" "*[*]*" { fileinto "Bracket"; }
