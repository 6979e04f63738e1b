/* SPDX-License-Identifier: ISC */
/* Every limit of the Sieve engine, in one place. A script that passes a
 * compile-time limit is refused with its line and column; a run that passes
 * a run-time limit stops, keeps the message and says why. */
#ifndef BALISE_SIEVE_LIMITS_H
#define BALISE_SIEVE_LIMITS_H

/* compile time */
#define SIEVE_MAX_SCRIPT_SIZE (256 * 1024) /* bytes of script text */
#define SIEVE_MAX_NESTING 32               /* blocks and tests inside each other */
#define SIEVE_MAX_STRING 65536             /* one string, after escapes */
#define SIEVE_MAX_LIST 1024                /* strings in one string list */
#define SIEVE_MAX_ARGS 16                  /* arguments of one command or test */
#define SIEVE_MAX_TESTS 256                /* tests in one test list */
#define SIEVE_MAX_NODES 20000              /* commands and tests in a script */
#define SIEVE_MAX_COMPILED (4 * 1024 * 1024) /* bytes of compiled form */
#define SIEVE_MAX_ERROR 200                /* bytes of an error message */

/* run time */
#define SIEVE_MAX_ACTIONS 32          /* actions in one result */
#define SIEVE_MAX_REDIRECTS 4         /* redirect actions per message */
#define SIEVE_MAX_BODY (1024 * 1024)  /* body bytes scanned by body tests */
#define SIEVE_MAX_STEPS 2000000       /* instruction budget of one run */
#define SIEVE_MAX_VARIABLES 128       /* variables set by one run (RFC 5229) */
#define SIEVE_MAX_MATCH_VARS 10       /* ${0} .. ${9} */
#define SIEVE_MAX_HEADER_VALUES 2000  /* header fields looked at per test */
#define SIEVE_MAX_FLAGS 64            /* IMAP flags in one flag set */

/* vacation (RFC 5230 §4.1, RFC 6131) */
#define SIEVE_VACATION_DEFAULT_DAYS 7
#define SIEVE_VACATION_MIN_DAYS 1
#define SIEVE_VACATION_MAX_DAYS 30
#define SIEVE_VACATION_MAX_SECONDS (30 * 86400)

/* duplicate (RFC 7352 §3.3) */
#define SIEVE_DUPLICATE_DEFAULT_SECONDS 86400
#define SIEVE_DUPLICATE_MAX_SECONDS (30 * 86400)

#endif
