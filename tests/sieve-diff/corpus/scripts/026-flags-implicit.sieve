require "imap4flags";
setflag ["\\Seen", "$A"];
removeflag "$A";
