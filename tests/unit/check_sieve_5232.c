/* SPDX-License-Identifier: ISC */
/* RFC 5232 (imap4flags): setflag/addflag/removeflag (§3), hasflag (§4),
 * :flags on fileinto and keep (§5), flags on the implicit keep (§3), and
 * variable-based flags; and RFC 3894 (copy). */
#include "config.h"

#include "sieve_check_util.h"

#define F "require [\"imap4flags\", \"fileinto\"]; "
#define FV "require [\"imap4flags\", \"fileinto\", \"variables\"]; "

static const struct sc_vec vecs[] = {
    {"5232 3 implicit keep", F "setflag \"\\\\Seen\";", "keep[\\Seen]"},
    {"5232 3 addflag", F "addflag \"\\\\Seen\"; addflag [\"$Work\", \"\\\\seen\"];",
     "keep[\\Seen,$Work]"},
    {"5232 3 space separated", F "addflag \"a b  c\"; removeflag \"B\";", "keep[a,c]"},
    {"5232 3 setflag replaces", F "addflag \"a\"; setflag \"b\"; keep;", "keep[b]"},
    {"5232 5 :flags", F "addflag \"a\"; fileinto :flags \"x y\" \"Box\";", "fileinto:Box[x,y]"},
    {"5232 5 current flags", F "addflag \"a\"; fileinto \"Box\"; keep :flags \"\";",
     "fileinto:Box[a] keep"},
    {"5232 5 keep then fileinto INBOX", F "addflag \"a\"; keep; setflag \"b\"; fileinto \"INBOX\";",
     "keep[b]"},
    {"5232 4 hasflag", F "addflag \"a b\"; if hasflag :is \"B\" { discard; }", "discard"},
    {"5232 4 hasflag none", F "if hasflag :contains \"a\" { discard; }", "keep"},
    {"5232 4 hasflag :matches", F "addflag \"\\\\Flagged\"; if hasflag :matches \"\\\\\\\\F*\" { discard; }",
     "discard"},
    {"5232 4 hasflag :matches escape", F "addflag \"\\\\Flagged\"; if hasflag :matches \"\\\\F*\" { discard; }",
     "keep[\\Flagged]"},
    {"5232 3 variable flags", FV "addflag \"v\" \"a\"; addflag \"v\" \"b\"; "
     "if hasflag :is \"v\" \"b\" { fileinto :flags \"${v}\" \"X\"; }", "fileinto:X[a,b]"},
    {"5232 3 variable not internal", FV "addflag \"v\" \"a\";", "keep"},
    {"5232 3 variable without require", F "addflag \"v\" \"a\";", "compile"},
    {"5232 5 :flags without require", "require \"fileinto\"; fileinto :flags \"a\" \"b\";", "compile"},
    {"5232 3 variable name checked", FV "addflag \"${x}\" \"a\";", "compile"},
    {"5232 5 duplicate fileinto: last flags", F "fileinto :flags \"x\" \"Box\"; fileinto :flags \"y\" \"Box\";",
     "fileinto:Box[y]"},
    {"5232 two setflag", F "setflag \"a\"; setflag \"b\";", "keep[b]"},
    /* RFC 3894 copy */
    {"3894 3 fileinto :copy", "require [\"copy\", \"fileinto\"]; fileinto :copy \"A\";",
     "fileinto:A+copy keep"},
    {"3894 3 redirect :copy", "require \"copy\"; redirect :copy \"a@b.c\";",
     "redirect:a@b.c+copy keep"},
    {"3894 3 :copy needs require", "redirect :copy \"a@b.c\";", "compile"},
    {"3894 3 copy then plain", "require \"copy\"; redirect :copy \"a@b.c\"; redirect \"a@b.c\";",
     "redirect:a@b.c"},
};

static void extra(TCase *tc)
{
	(void)tc;
}

SC_SUITE("sieve_5232", vecs, NULL, NULL, extra)
