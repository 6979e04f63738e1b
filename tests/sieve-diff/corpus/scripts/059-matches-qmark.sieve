require "fileinto";
if header :matches "x-spam-score" "?" { fileinto "OneDigit"; } elsif header :matches "x-spam-score" "??" { fileinto "TwoDigits"; }
