/* SPDX-License-Identifier: ISC */
/* THREAD (RFC 5256 §3): the ORDEREDSUBJECT and REFERENCES algorithms of
 * §4 over the messages of imap_sort.h, rendered as the thread-list
 * sequence of the "* THREAD" response (§5). */
#ifndef BALISE_IMAP_THREAD_H
#define BALISE_IMAP_THREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "imap_arg.h"
#include "imap_sort.h"

enum imap_thread_algo {
	IMAP_THREAD_ORDEREDSUBJECT,
	IMAP_THREAD_REFERENCES,
};

/* The thread algorithm atom, the first argument of THREAD / UID THREAD
 * (the charset and the search program follow: imap_search_parse(args + 1,
 * IMAP_SEARCH_PARSE_CHARSET_FIRST, ...)). 0, or -1 with *error_r a short
 * reason for "tag BAD". */
int imap_thread_parse(const struct imap_arg *arg, enum imap_thread_algo *algo_r,
                      const char **error_r);

/* Threads msgs[0..n) (the messages the search matched, in any order) and
 * appends the threads to out, "(1 2)(3 (4)(5))", UIDs when uid is set;
 * nothing when n is 0. The response is "* THREAD", then a space and this
 * text when it is not empty. Time O(n log n) plus the length of the
 * References fields; a hash table holds the Message-IDs. -1 past out's
 * limit (out is then left as it was). */
int imap_thread_run(enum imap_thread_algo algo, const struct imap_sort_msg *msgs, size_t n,
                    bool uid, struct buf *out);

/* The next msg-id ("<" ... "@" ... ">", RFC 5322 §3.6.4, white space and
 * comments around it skipped, folding white space inside removed) of a
 * Message-ID, In-Reply-To or References value from *pos on; appended to
 * id (without the brackets) and 1, or 0 when there is none left.
 * Invalid ones are skipped. */
int imap_thread_next_msgid(struct slice field, size_t *pos, struct buf *id);

#endif
