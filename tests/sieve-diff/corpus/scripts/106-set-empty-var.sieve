require ["variables", "relational", "comparator-i;ascii-numeric", "fileinto"];
set "a" "";
if string :is "${a}" "" { fileinto "EmptyVar"; }
if string :count "eq" :comparator "i;ascii-numeric" "${a}" "0" { fileinto "Count0"; }
