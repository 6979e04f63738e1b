require "fileinto";
if header :comparator "i;octet" :contains "subject" "dossier" { fileinto "Octet"; } elsif header :contains "subject" "dossier" { fileinto "Casemap"; }
