require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :count "eq" :comparator "i;ascii-numeric" "x-multi" "3" { fileinto "Trois"; }
if header :count "lt" :comparator "i;ascii-numeric" "received" "1" { fileinto "NoReceived"; }
