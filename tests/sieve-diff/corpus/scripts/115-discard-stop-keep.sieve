if header :contains "subject" "lundi" { discard; stop; }
keep;
