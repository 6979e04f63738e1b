/* SPDX-License-Identifier: ISC */
/* RFC 5231 (relational) with i;ascii-numeric (RFC 4790 §9.1), and RFC 5233
 * (subaddress). */
#include "config.h"

#include "sieve_check_util.h"

#define R "require [\"relational\", \"comparator-i;ascii-numeric\"]; "
#define NUM ":comparator \"i;ascii-numeric\" "
#define SUB "require [\"subaddress\", \"envelope\"]; "

static const struct sc_env plus_rcpt = {"sender@example.org", "alice+sieve@example.com", 0, 0, 0,
                                        0, 1, NULL};

static const struct sc_vec vecs[] = {
    {"5231 4.1 :value gt", R "if header :value \"gt\" " NUM "\"x-spam-score\" \"10\" { discard; }",
     "discard"},
    {"5231 4.1 :value lt", R "if header :value \"lt\" " NUM "\"x-spam-score\" \"10\" { discard; }",
     "keep"},
    {"5231 4.1 numeric not lexical", R "if header :value \"gt\" " NUM "\"x-spam-score\" \"9\" { discard; }",
     "discard"},
    {"5231 4.1 gt strict", R "if header :value \"gt\" " NUM "\"x-spam-score\" \"12\" { discard; }",
     "keep"},
    {"5231 4.1 ge equal", R "if header :value \"ge\" " NUM "\"x-spam-score\" \"12\" { discard; }",
     "discard"},
    {"5231 4.1 le strict", R "if header :value \"le\" " NUM "\"x-spam-score\" \"11\" { discard; }",
     "keep"},
    {"5231 4.1 eq", R "if header :value \"eq\" " NUM "\"x-spam-score\" \"12\" { discard; }",
     "discard"},
    {"5231 4.1 lexical", R "if header :value \"gt\" \"x-spam-score\" \"9\" { discard; }", "keep"},
    {"5231 4.1 :value ne", R "if header :value \"ne\" \"x-multi\" \"one\" { discard; }", "discard"},
    {"5231 4.1 :value le casemap", R "if header :value \"le\" \"x-multi\" \"ONE\" { discard; }",
     "discard"},
    {"5231 4.2 :count", R "if header :count \"eq\" " NUM "\"x-multi\" \"3\" { discard; }", "discard"},
    {"5231 4.2 :count addresses", R "if address :count \"ge\" " NUM "[\"to\", \"cc\"] \"3\" { discard; }",
     "discard"},
    {"5231 4.2 :count none", R "if header :count \"eq\" " NUM "\"x-none\" \"0\" { discard; }",
     "discard"},
    {"5231 bad operator", R "if header :value \"xx\" \"a\" \"b\" { keep; }", "compile"},
    {"5231 needs require", "if header :value \"gt\" \"a\" \"b\" { keep; }", "compile"},
    {"4790 9.1 :is leading zeros", R "if header :is " NUM "\"x-spam-score\" \"012\" { discard; }",
     "discard"},
    {"4790 9.1 non-digit is infinity",
     R "if header :value \"gt\" " NUM "\"subject\" \"99999999999999999999\" { discard; }", "discard"},
    {"4790 9.1 both infinite equal", R "if header :is " NUM "\"subject\" \"abc\" { discard; }",
     "discard"},
    {"4790 9.1 no substring", R "if header :contains " NUM "\"a\" \"1\" { keep; }", "compile"},
    {"4790 numeric needs require", "if header :is :comparator \"i;ascii-numeric\" \"a\" \"1\" { keep; }",
     "compile"},
    /* RFC 5233 */
    {"5233 4 :user", SUB "if address :user \"from\" \"jean.dupont\" { discard; }", "discard"},
    {"5233 4 :detail", SUB "if address :detail \"from\" \"news\" { discard; }", "discard"},
    {"5233 4 :detail none", SUB "if address :detail :matches \"cc\" \"*\" { discard; }", "keep"},
    {"5233 4 :user no separator", SUB "if address :user \"cc\" \"carol\" { discard; }", "discard"},
    {"5233 4 envelope :detail", SUB "if envelope :detail \"to\" \"sieve\" { discard; }", "discard",
     NULL, &plus_rcpt},
    {"5233 4 envelope :user", SUB "if envelope :user \"to\" \"alice\" { discard; }", "discard",
     NULL, &plus_rcpt},
    {"5233 needs require", "if address :user \"from\" \"a\" { keep; }", "compile"},
};

static void extra(TCase *tc)
{
	(void)tc;
}

SC_SUITE("sieve_5231", vecs, NULL, NULL, extra)
