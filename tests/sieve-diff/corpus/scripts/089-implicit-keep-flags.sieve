require "imap4flags";
addflag "\\Flagged";
if false { keep; }
