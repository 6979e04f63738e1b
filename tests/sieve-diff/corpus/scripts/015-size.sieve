require "fileinto";
if size :over 500 { fileinto "Gros"; } elsif size :under 300 { fileinto "Petit"; }
