require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :value "eq" :comparator "i;ascii-numeric" "x-none" "" { fileinto "Never"; }
if header :value "gt" :comparator "i;ascii-numeric" "subject" "5" { fileinto "SubjInf"; }
