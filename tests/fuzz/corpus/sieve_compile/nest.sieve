if true { if true { if true { keep; } } } elsif false { stop; }
