require ["imap4flags", "variables", "fileinto"];
set "f" "";
addflag "f" "\\Seen";
addflag "f" "$X";
fileinto :flags "${f}" "VarFlags";
