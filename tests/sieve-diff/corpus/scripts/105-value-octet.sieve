require ["relational", "fileinto"];
if header :value "lt" :comparator "i;octet" "subject" "a" { fileinto "LtA"; }
