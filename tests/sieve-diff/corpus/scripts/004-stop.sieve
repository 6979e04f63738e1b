discard;
stop;
keep;
