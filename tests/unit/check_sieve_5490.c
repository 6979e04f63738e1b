/* SPDX-License-Identifier: ISC */
/* RFC 5490 (mailbox): mailboxexists (§3.1) through the caller's callback,
 * fileinto :create (§3.2); and RFC 7352 (duplicate) through the caller's
 * "seen" callback, with the id to remember returned as an action. */
#include "config.h"

#include "sieve_check_util.h"

#define MB "require [\"mailbox\", \"fileinto\"]; "
#define DU "require [\"duplicate\", \"variables\"]; "

static const struct sc_env boxes = {"sender@example.org", "alice@example.com", 0, 0, 0, 0, 1,
                                    " INBOX Work Archives/2026 "};
static const struct sc_env seen = {"sender@example.org", "alice@example.com", 0, 0, 1, 0, 1, NULL};

static const struct sc_vec vecs[] = {
    {"5490 3.1 exists", MB "if mailboxexists \"Work\" { fileinto \"Work\"; }", "fileinto:Work", NULL,
     &boxes},
    {"5490 3.1 all must exist", MB "if mailboxexists [\"Work\", \"Nope\"] { discard; }", "keep", NULL,
     &boxes},
    {"5490 3.1 hierarchy", MB "if mailboxexists \"Archives/2026\" { discard; }", "discard", NULL,
     &boxes},
    {"5490 3.1 absent", MB "if mailboxexists \"Work\" { discard; }", "keep"},
    {"5490 3.2 :create", MB "fileinto :create \"New\";", "fileinto:New+create"},
    {"5490 needs require", "require \"fileinto\"; fileinto :create \"New\";", "compile"},
    /* RFC 7352 */
    {"7352 3 new id", DU "if duplicate { discard; }", "duplicate:<m1@example.org> keep"},
    {"7352 3 seen id", DU "if duplicate { discard; }", "discard", NULL, &seen},
    {"7352 3.2 :last refreshes", DU "if duplicate :last { discard; }",
     "duplicate:<m1@example.org> discard", NULL, &seen},
    {"7352 3.1 :header", DU "if duplicate :header \"x-spam-score\" { discard; }", "duplicate:12 keep"},
    {"7352 3.1 missing header", DU "if duplicate :header \"x-none\" { discard; }", "keep"},
    {"7352 3.1 :uniqueid", DU "set \"id\" \"abc\"; if duplicate :uniqueid \"${id}\" { discard; }",
     "duplicate:abc keep"},
    {"7352 3.1 both", DU "if duplicate :header \"a\" :uniqueid \"b\" { discard; }", "compile"},
    {"7352 needs require", "if duplicate { discard; }", "compile"},
};

static void extra(TCase *tc)
{
	(void)tc;
}

SC_SUITE("sieve_5490", vecs, NULL, NULL, extra)
