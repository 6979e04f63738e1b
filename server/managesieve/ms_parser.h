/* SPDX-License-Identifier: ISC */
/* The ManageSieve command reader (RFC 5804 section 4), without I/O: bytes
 * in, one command out at a time. A command is a name (letters) and up to
 * MS_ARGS_MAX arguments, each a quoted string, a literal ("{n+}" or "{n}"
 * CRLF and n octets: the client never waits, RFC 5804 has no continuation
 * for literals) or a number, ended by CRLF (a bare LF is accepted too).
 *
 * A bad command is read to its end, literals included, so that the next
 * one starts in step: the caller answers NO and goes on. Only a literal
 * size that cannot be a 32-bit number leaves the stream unreadable
 * (MS_PARSE_FATAL: answer BYE). */
#ifndef BALISE_MS_PARSER_H
#define BALISE_MS_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ms_limits.h"

enum ms_parse_status {
	MS_PARSE_MORE,  /* every byte used, the command is not complete yet */
	MS_PARSE_CMD,   /* a command is ready in *cmd_r */
	MS_PARSE_ERR,   /* a bad command was read to its end: *err_r */
	MS_PARSE_FATAL, /* the stream cannot be followed any more: *err_r */
};

enum ms_perr {
	MS_PERR_NONE = 0,
	MS_PERR_SYNTAX,         /* not the RFC 5804 grammar */
	MS_PERR_NAME,           /* command name not letters, or too long */
	MS_PERR_LINE_TOO_LONG,  /* more than MS_LINE_MAX non-literal bytes */
	MS_PERR_QUOTED_TOO_LONG, /* a quoted string above MS_QUOTED_MAX */
	MS_PERR_LITERAL_TOO_BIG, /* a literal above MS_LITERAL_MAX (read, dropped) */
	MS_PERR_TOO_MANY_ARGS,  /* more than MS_ARGS_MAX arguments */
	MS_PERR_NUMBER,         /* a number above 2^32 - 1 */
	MS_PERR_UTF8,           /* a quoted string that is not UTF-8 */
	MS_PERR_NUL,            /* a NUL octet in a quoted string */
};

enum ms_arg_type {
	MS_ARG_STRING,
	MS_ARG_NUMBER,
};

struct ms_arg {
	enum ms_arg_type type;
	bool literal;     /* a string sent as a literal */
	struct slice str; /* strings: the value (escapes removed) */
	uint32_t num;     /* numbers */
};

/* A command. The slices point into the parser: valid until its next
 * ms_parser_feed() call. */
struct ms_cmd {
	struct slice name; /* empty for a SASL response line */
	unsigned argc;
	struct ms_arg arg[MS_ARGS_MAX];
};

struct ms_parser {
	int st;
	bool response;     /* the next line is a bare string (AUTHENTICATE) */
	bool in_response;  /* this line is one */
	bool done;         /* a command or error was returned: reset first */
	struct buf data;   /* the name and argument bytes of this command */
	size_t line_bytes; /* non-literal bytes of this command */
	size_t name_len;
	unsigned argc;
	struct {
		enum ms_arg_type type;
		bool literal;
		size_t off, len;
		uint32_t num;
	} a[MS_ARGS_MAX];
	uint64_t num;      /* the number or literal size being read */
	unsigned digits;
	uint64_t lit_left; /* literal octets still to come (kept or dropped) */
	uint64_t lit_total; /* literal octets of this command */
	enum ms_perr err;  /* the first error of this command */
	uint8_t tail[24];  /* the last bytes of the line: a literal header? */
	size_t tail_len;
	bool tail_lost;    /* bytes before the tail were dropped */
};

void ms_parser_init(struct ms_parser *p);
/* Wipes what the parser holds (a password may be among it) and frees it. */
void ms_parser_free(struct ms_parser *p);
/* The next line is a SASL client response (RFC 5804 section 2.1): one
 * string, no command name; it comes back as a command with an empty name
 * and argc 0 or 1 (or more: the caller refuses that). */
void ms_parser_expect_response(struct ms_parser *p);

/* Reads from data (len bytes). *used_r says how many bytes were taken;
 * call again with the rest after MS_PARSE_CMD or MS_PARSE_ERR. The
 * previous command's bytes are wiped at the start of each call. */
enum ms_parse_status ms_parser_feed(struct ms_parser *p, const uint8_t *data, size_t len,
                                    size_t *used_r, struct ms_cmd *cmd_r, enum ms_perr *err_r);

/* True while part of a command has been read (the command timer runs). */
bool ms_parser_pending(const struct ms_parser *p);

/* A short English text for an error. */
const char *ms_perr_text(enum ms_perr e);

/* Whether an argument is a string / a number (helpers for the commands). */
bool ms_arg_is_string(const struct ms_cmd *c, unsigned i);
bool ms_arg_is_number(const struct ms_cmd *c, unsigned i);

#endif
