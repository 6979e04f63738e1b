/* SPDX-License-Identifier: ISC */
/* RFC 5260 (date, index): the date test (§4), :zone and :originalzone
 * (§4.1), every date part (§4.2), currentdate (§5), :index and :last
 * (§6). The message's Date is Tue, 01 Dec 2026 10:30:00 +0100 and "now"
 * is 2026-12-01 09:30:00 UTC. */
#include "config.h"

#include "sieve_check_util.h"

#define D "require [\"date\", \"relational\"]; "
#define I "require [\"index\", \"date\"]; "

static const struct sc_env paris = {"sender@example.org", "alice@example.com", 1796117400, 60, 0,
                                    0, 1, NULL};

static const char two_dates[] =
    "From: a@b.c\r\nDate: Tue, 01 Dec 2026 10:30:00 +0100\r\nDate: Wed, 02 Dec 2027 10:30:00 +0100\r\n"
    "X-D: garbage\r\nX-D: Thu, 03 Dec 2026 10:30:00 +0000\r\n\r\nx\r\n";

static const struct sc_vec vecs[] = {
    {"5260 4 first occurrence", D "if date :is \"date\" \"year\" \"2027\" { discard; }", "keep",
     two_dates},
    {"5260 4 first occurrence bad", D "if date :is \"x-d\" \"day\" \"03\" { discard; }", "keep",
     two_dates},
    {"5260 6 :index reaches the second", "require [\"date\", \"index\"]; "
     "if date :index 2 :is \"x-d\" \"day\" \"03\" { discard; }", "discard", two_dates},
    {"5260 4.2 year", D "if date :is \"date\" \"year\" \"2026\" { discard; }", "discard"},
    {"5260 4.2 month day", D "if allof (date :is \"date\" \"month\" \"12\", date :is \"date\" \"day\" \"01\") "
     "{ discard; }", "discard"},
    {"5260 4.2 date", D "if date :is \"date\" \"date\" \"2026-12-01\" { discard; }", "discard"},
    {"5260 4.2 julian", D "if date :is \"date\" \"julian\" \"61375\" { discard; }", "discard"},
    {"5260 4.2 hour UTC", D "if date :is \"date\" \"hour\" \"09\" { discard; }", "discard"},
    {"5260 4.2 minute second", D "if date :is \"date\" \"time\" \"09:30:00\" { discard; }", "discard"},
    {"5260 4.2 iso8601", D "if date :is \"date\" \"iso8601\" \"2026-12-01T09:30:00Z\" { discard; }",
     "discard"},
    {"5260 4.2 iso8601 offset", D "if date :originalzone :is \"date\" \"iso8601\" "
     "\"2026-12-01T10:30:00+01:00\" { discard; }", "discard"},
    {"5260 4.2 std11", D "if date :is \"date\" \"std11\" \"Tue, 01 Dec 2026 09:30:00 +0000\" { discard; }",
     "discard"},
    {"5260 4.2 weekday", D "if date :is \"date\" \"weekday\" \"2\" { discard; }", "discard"},
    {"5260 4.2 zone", D "if date :is \"date\" \"zone\" \"+0000\" { discard; }", "discard"},
    {"5260 4.1 :originalzone", D "if date :originalzone :is \"date\" \"hour\" \"10\" { discard; }",
     "discard"},
    {"5260 4.1 :originalzone zone", D "if date :originalzone :is \"date\" \"zone\" \"+0100\" { discard; }",
     "discard"},
    {"5260 4.1 :zone", D "if date :zone \"-0830\" :is \"date\" \"time\" \"01:00:00\" { discard; }",
     "discard"},
    {"5260 4.1 local zone", D "if date :is \"date\" \"hour\" \"10\" { discard; }", "discard", NULL,
     &paris},
    {"5260 4 relational", D "if date :value \"ge\" \"date\" \"date\" \"2026-11-30\" { discard; }",
     "discard"},
    {"5260 4 no such header", D "if date :is \"x-none\" \"year\" \"2026\" { discard; }", "keep"},
    {"5260 4 not a date", D "if date :matches \"subject\" \"year\" \"*\" { discard; }", "keep"},
    {"5260 4.2 bad part", D "if date :is \"date\" \"century\" \"21\" { keep; }", "compile"},
    {"5260 4.1 bad zone", D "if date :zone \"CET\" :is \"date\" \"hour\" \"1\" { keep; }", "compile"},
    {"5260 4.1 both zones", D "if date :zone \"+0100\" :originalzone \"date\" \"hour\" \"1\" { keep; }",
     "compile"},
    {"5260 5 currentdate", D "if currentdate :is \"date\" \"2026-12-01\" { discard; }", "discard"},
    {"5260 5 currentdate :zone", D "if currentdate :zone \"-1000\" :is \"date\" \"2026-11-30\" { discard; }",
     "discard"},
    {"5260 5 currentdate weekday", D "if currentdate :value \"lt\" \"weekday\" \"3\" { discard; }",
     "discard"},
    {"5260 needs require", "if currentdate :is \"year\" \"2026\" { keep; }", "compile"},
    /* §6 index */
    {"5260 6 :index", I "if header :index 2 :is \"x-multi\" \"two\" { discard; }", "discard"},
    {"5260 6 :index only that one", I "if header :index 2 :is \"x-multi\" \"one\" { discard; }", "keep"},
    {"5260 6 :last", I "if header :index 1 :last :is \"x-multi\" \"three\" { discard; }", "discard"},
    {"5260 6 beyond", I "if header :index 4 :matches \"x-multi\" \"*\" { discard; }", "keep"},
    {"5260 6 address :index", I "if address :index 1 :domain :is \"to\" \"example.com\" { discard; }",
     "discard"},
    {"5260 6 date :index", I "if date :index 1 :is \"date\" \"year\" \"2026\" { discard; }", "discard"},
    {"5260 6 :last alone", I "if header :last :is \"x-multi\" \"three\" { keep; }", "compile"},
    {"5260 6 :index 0", I "if header :index 0 :is \"x-multi\" \"three\" { keep; }", "compile"},
    {"5260 6 needs require", "if header :index 1 :is \"a\" \"b\" { keep; }", "compile"},
};

static void extra(TCase *tc)
{
	(void)tc;
}

SC_SUITE("sieve_5260", vecs, NULL, NULL, extra)
