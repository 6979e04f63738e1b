require "fileinto";
if header :is "x-spam-score" "3" { fileinto "Trois"; } elsif header :is "x-spam-score" "7" { fileinto "Sept"; } elsif header :is "x-spam-score" "12" { fileinto "Douze"; } else { discard; }
