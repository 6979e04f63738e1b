redirect "a@b.c";
redirect "d@e.f";
redirect "g@h.i";
redirect "j@k.l";
redirect "m@n.o";
