/* SPDX-License-Identifier: ISC */
/* Pieces of the SMTP client that do no I/O, so that they can be tested and
 * fuzzed alone: the multi-line reply reader (RFC 5321 section 4.2) with
 * enhanced status codes (RFC 2034, RFC 3463), the EHLO keywords the client
 * cares about, xtext (RFC 3461 section 4) and the retry schedule. */
#ifndef BALISE_SMTPC_REPLY_H
#define BALISE_SMTPC_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SMTPC_REPLY_TEXT_MAX 512  /* text kept from a reply (lines joined by ' ') */
#define SMTPC_REPLY_LINES_MAX 100 /* lines in one reply before it is malformed */
#define SMTPC_ENH_MAX 15

struct smtpc_reply {
	unsigned code;                    /* 200..599 once complete */
	char enhanced[SMTPC_ENH_MAX + 1]; /* "5.1.1" or "" */
	char text[SMTPC_REPLY_TEXT_MAX + 1];
	unsigned lines;
	size_t text_len;
};

void smtpc_reply_reset(struct smtpc_reply *r);
/* Feeds one line (without CRLF). 0: more lines follow; 1: the reply is
 * complete; -1: malformed (no 3-digit code, code changed between lines,
 * bad separator, too many lines). */
int smtpc_reply_feed(struct smtpc_reply *r, const char *line, size_t len);
/* "550 5.1.1 text", bounded, for logs, DSN diagnostics and the queue. */
void smtpc_reply_format(const struct smtpc_reply *r, char *out, size_t outsz);

/* EHLO extensions the client uses. */
enum smtpc_ext {
	SMTPC_EXT_STARTTLS = 1 << 0,
	SMTPC_EXT_SIZE = 1 << 1,
	SMTPC_EXT_8BITMIME = 1 << 2,
	SMTPC_EXT_SMTPUTF8 = 1 << 3,
	SMTPC_EXT_DSN = 1 << 4,
	SMTPC_EXT_PIPELINING = 1 << 5,
	SMTPC_EXT_CHUNKING = 1 << 6,
	SMTPC_EXT_ENHANCED = 1 << 7,
};

struct smtpc_ehlo {
	unsigned ext;      /* enum smtpc_ext */
	uint64_t size_max; /* SIZE parameter, 0 when none */
};

/* Reads one line of a 250 EHLO reply (the first line, the greeting, is
 * skipped by the caller: pass first=true). */
void smtpc_ehlo_line(struct smtpc_ehlo *e, const char *line, size_t len, bool first);

/* Appends the C string s as xtext (RFC 3461 section 4): smtp_xtext_encode. */
int smtpc_xtext_encode(const char *s, struct buf *out);

/* The wait before the next attempt after attempts failed ones (1 = the
 * first failure): first * factor^(attempts-1), at most max. */
uint64_t smtpc_retry_delay(uint32_t attempts, uint64_t first, uint64_t factor, uint64_t max);

#endif
