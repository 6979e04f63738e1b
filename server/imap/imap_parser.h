/* SPDX-License-Identifier: ISC */
/* Incremental IMAP command parser (RFC 3501 / RFC 9051 section 9): fed
 * arbitrary chunks, it keeps its state between reads and yields whole
 * commands as an argument tree, asks before accepting each literal, and
 * says after an error whether the session can resynchronise. */
#ifndef BALISE_IMAP_PARSER_H
#define BALISE_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_arg.h"
#include "imap_limits.h"

/* A session's read path, in outline:
 *
 *	while (input left) {
 *		r = imap_parser_feed(p, in, len, &used); in += used; len -= used;
 *		LITERAL: li = imap_parser_literal(p);
 *			 APPEND message (li->name, li->depth == 0, li->argc >= 1),
 *			 authenticated: size above APPENDLIMIT -> _reject(p, ...,
 *			 "TOOBIG"), else _stream(p, sink, ctx); anything else:
 *			 _accept(p). On MORE send "+ Ready" if li->sync; on ERR
 *			 handle it as below.
 *		OK:	 run the command (imap_parser_command()); after IDLE or
 *			 an AUTHENTICATE challenge call imap_parser_expect_line().
 *		ERR:	 e = imap_parser_error(p); e->close ? "* BYE" and close
 *			 : "<tag or *> BAD [code] reason" and go on.
 *	}
 */
struct imap_parser;

enum imap_parse_result {
	IMAP_PARSE_OK,      /* a whole command (or line) is ready */
	IMAP_PARSE_MORE,    /* all input consumed, need more */
	IMAP_PARSE_LITERAL, /* a literal header was read: decide, see below */
	IMAP_PARSE_ERR,     /* malformed: see imap_parser_error() */
};

/* A parsed command; valid until the parser is fed again, reset or freed. */
struct imap_cmd {
	struct slice tag;
	struct slice name; /* as sent; "UID FETCH" gives name FETCH, uid true */
	bool uid;
	const struct imap_arg *args; /* args[argc] is IMAP_ARG_EOL */
	unsigned argc;
};

struct imap_parse_error {
	const char *reason; /* short, static, fit for "tag BAD reason" */
	const char *code;   /* NULL or a response code such as "TOOBIG" */
	/* The rest of the stream cannot be parsed (the client is sending data
	 * we refused, e.g. an oversized non-synchronising literal): send
	 * "* BYE" and close. Otherwise send "tag BAD" (tag "*" when
	 * imap_parser_tag() is empty) and keep feeding: the parser skips what
	 * is left of the bad command by itself. */
	bool close;
};

/* The literal waiting for a decision after IMAP_PARSE_LITERAL. */
struct imap_literal_info {
	uint64_t size;
	bool sync;         /* {n}: the client waits for "+" before sending it */
	bool literal8;     /* ~{n} */
	unsigned depth;    /* 0 when it is a top-level argument */
	unsigned argc;     /* top-level arguments before this one */
	struct slice name; /* command name so far ("APPEND"); uid as in imap_cmd */
	bool uid;
};

/* Receives a streamed literal's bytes in order, in chunks of any size. An
 * empty literal calls it never. The sink keeps its own error state: the
 * parser consumes the literal to the end whatever happens. */
typedef void imap_literal_sink_fn(void *ctx, const uint8_t *data, size_t len);

struct imap_parser *imap_parser_new(void);
/* Frees the parser and sets *pp to NULL; NULL is fine. */
void imap_parser_free(struct imap_parser **pp);

/* Before authentication literals and buffered data are limited to the
 * _PREAUTH_ values of imap_limits.h; authenticated raises them. */
void imap_parser_set_authenticated(struct imap_parser *p, bool authenticated);
/* UTF8=ACCEPT enabled (RFC 6855 section 3): UTF-8 allowed in quoted strings. */
void imap_parser_set_utf8(struct imap_parser *p, bool utf8);
/* The server advertises LITERAL- rather than LITERAL+ (RFC 7888 section 5). */
void imap_parser_set_literal_minus(struct imap_parser *p, bool literal_minus);

/* Parses up to len bytes; *consumed_r says how many were used (the caller
 * keeps the rest for the next call).
 * - OK: imap_parser_command() (or imap_parser_line() in line mode) is ready.
 * - MORE: everything was consumed.
 * - LITERAL: a literal header "{n}", "{n+}" or "~{n}" and its CRLF were read.
 *   Call imap_parser_literal_accept(), _stream() or _reject() before feeding
 *   again (feeding first is a programming error and aborts).
 * - ERR: imap_parser_error() and imap_parser_tag() tell what to answer.
 * Empty lines between commands are ignored. */
enum imap_parse_result imap_parser_feed(struct imap_parser *p, const uint8_t *data, size_t len,
                                        size_t *consumed_r);

const struct imap_literal_info *imap_parser_literal(const struct imap_parser *p);
/* Accepts the pending literal into the argument tree if it fits the current
 * limits. MORE: accepted; for a synchronising literal the caller now sends
 * "+ Ready" and feeds on. ERR: refused, see imap_parser_error(); a refused
 * synchronising literal ends the command ("tag BAD" and go on, no "+"), a
 * refused non-synchronising one closes the connection. */
enum imap_parse_result imap_parser_literal_accept(struct imap_parser *p);
/* Accepts the pending literal, handing its bytes to sink instead of
 * buffering them (APPEND opts in for the message); the caller has checked
 * the size against its own limit. The argument gets IMAP_ARGF_STREAMED.
 * Always MORE. */
enum imap_parse_result imap_parser_literal_stream(struct imap_parser *p, imap_literal_sink_fn *sink,
                                                  void *ctx);
/* Refuses the pending literal with reason (static) and code (NULL or a
 * response code); always ERR, with the same consequences as for accept. */
enum imap_parse_result imap_parser_literal_reject(struct imap_parser *p, const char *reason,
                                                  const char *code);

/* After OK in command mode. */
const struct imap_cmd *imap_parser_command(const struct imap_parser *p);
/* After ERR; also valid after OK (reason NULL). */
const struct imap_parse_error *imap_parser_error(const struct imap_parser *p);
/* The tag of the command being parsed or just parsed; empty when none was
 * read yet or it was invalid. Valid until the next feed. */
struct slice imap_parser_tag(const struct imap_parser *p);

/* Line mode, for continuation requests (IDLE's DONE, AUTHENTICATE's
 * responses): the next OK returns one raw line, without its CRLF, then the
 * parser goes back to commands. A line above IMAP_LINE_MAX gives ERR and is
 * skipped. */
void imap_parser_expect_line(struct imap_parser *p);
struct slice imap_parser_line(const struct imap_parser *p);

/* True between commands with nothing half-parsed. */
bool imap_parser_idle(const struct imap_parser *p);
/* Frees the buffers kept for reuse if the parser is idle (idle sessions
 * should hold as little memory as possible). */
void imap_parser_release(struct imap_parser *p);

#endif
