require ["imap4flags","fileinto","copy","variables"]; setflag "\\Seen"; addflag "v" "a"; fileinto :copy :flags "x" "B"; if hasflag :is "\\seen" { stop; }
