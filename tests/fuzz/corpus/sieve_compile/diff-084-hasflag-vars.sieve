require ["imap4flags", "variables", "fileinto", "relational", "comparator-i;ascii-numeric"];
set "v" "x y";
addflag "w" "z";
if hasflag ["v", "w"] "z" { fileinto "Z"; }
if hasflag :count "eq" :comparator "i;ascii-numeric" ["v", "w"] "3" { fileinto "Three"; }
