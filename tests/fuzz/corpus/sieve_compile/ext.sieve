require ["body","relational","comparator-i;ascii-numeric","date","index","encoded-character"];
if anyof (body :raw :contains "x", header :count "ge" :comparator "i;ascii-numeric" "to" "2", date :index 1 :last :zone "+0100" :value "gt" "date" "year" "2020") { discard; }
redirect "${hex:61}@b.c";
