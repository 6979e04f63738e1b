/* SPDX-License-Identifier: ISC */
/* The managed rules of a BAL (balisectl vacation set, forward set): the
 * checks of what the operator gives (vacation message file, subject) and
 * the Sieve script generated from the settings (storage/balstore.h struct
 * store_sieve_managed), which sieve_upload_compile then compiles under the
 * forwarding rule:
 *
 *   require ["vacation", "date", "relational", "copy"];  (those needed)
 *   if allof (currentdate :value "ge" "date" "FROM",
 *             currentdate :value "le" "date" "UNTIL") {
 *       vacation :days N :subject "SUBJECT" "MESSAGE";
 *   }
 *   redirect [:copy] "TARGET";
 *
 * The dates are compared in the zone delivery runs the script with. */
#ifndef BALISE_SIEVE_MANAGED_H
#define BALISE_SIEVE_MANAGED_H

#include <stddef.h>

#include "balstore.h"
#include "buf.h"

/* The subject of the reply when the operator gives none. */
#define SIEVE_MANAGED_DEFAULT_SUBJECT "Réponse automatique : absence"
#define SIEVE_MANAGED_DEFAULT_DAYS 7

/* The vacation message read from a file (len bytes): UTF-8 (a leading BOM
 * dropped), lines ended by LF or CRLF (kept as LF), no control character
 * but TAB, spaces at line ends and blank lines at the end dropped; not
 * empty, at most STORE_VACATION_MESSAGE_MAX bytes. 0 with the text in out
 * (NUL-terminated), or -1 with *why_r and *line_r (1-based; 0 when the
 * problem is not on one line). */
int sieve_managed_message(const void *data, size_t len, struct buf *out, const char **why_r,
                          unsigned *line_r);

/* A subject given by the operator: UTF-8 without control characters, 1 to
 * STORE_VACATION_SUBJECT_MAX bytes. 0, or -1 with *why_r. */
int sieve_managed_subject_check(const char *s, const char **why_r);

/* The script of m's settings (vacation and forward; text and compiled
 * ignored) appended to out; an empty subject is the default one. 0, or -1
 * past out's limit. */
int sieve_managed_script(const struct store_sieve_managed *m, struct buf *out);

#endif
