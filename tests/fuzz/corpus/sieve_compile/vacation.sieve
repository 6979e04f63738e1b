require ["vacation","vacation-seconds"];
vacation :seconds 60 :subject "S" :addresses ["a@b.c"] text:
Bonjour
..
.
;
