/* SPDX-License-Identifier: ISC */
/* RFC 5429 (reject, ereject): the action (§2.1, §2.2), what it cancels
 * and what it cannot be combined with (§2.1 "MUST NOT"). */
#include "config.h"

#include "sieve_check_util.h"

#define RJ "require [\"reject\", \"ereject\", \"fileinto\", \"vacation\"]; "

static const struct sc_vec vecs[] = {
    {"5429 2.2 reject", RJ "reject \"Non.\";", "reject:Non."},
    {"5429 2.1 ereject", RJ "ereject \"Refusé\";", "ereject:Refusé"},
    {"5429 2.2 cancels implicit keep", RJ "if true { reject \"x\"; }", "reject:x"},
    {"5429 2.2 with keep", RJ "keep; reject \"x\";", "keep error(reject cannot be combined with keep)"},
    {"5429 2.2 keep after", RJ "reject \"x\"; keep;", "keep error(keep cannot be combined with reject)"},
    {"5429 2.2 with fileinto", RJ "fileinto \"A\"; reject \"x\";",
     "keep error(reject cannot be combined with fileinto)"},
    {"5429 2.2 with vacation", RJ "vacation \"v\"; reject \"x\";",
     "keep error(reject cannot be combined with vacation)"},
    {"5429 2.2 twice", RJ "reject \"x\"; ereject \"y\";",
     "keep error(ereject cannot be combined with reject)"},
    {"5429 2.2 with redirect", RJ "redirect \"a@b.c\"; reject \"x\";",
     "keep error(reject cannot be combined with redirect)"},
    {"5429 2.2 redirect after", RJ "ereject \"x\"; redirect :copy \"a@b.c\";",
     "compile"},
    {"5429 2.2 redirect after (copy)", "require [\"reject\", \"copy\"]; reject \"x\"; redirect :copy \"a@b.c\";",
     "keep error(redirect cannot be combined with reject)"},
    {"5429 2.2 with discard", RJ "discard; reject \"x\";", "discard reject:x"},
    {"5429 needs require", "reject \"x\";", "compile"},
    {"5429 needs a reason", RJ "reject;", "compile"},
};

static void extra(TCase *tc)
{
	(void)tc;
}

SC_SUITE("sieve_5429", vecs, NULL, NULL, extra)
