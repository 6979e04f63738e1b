/* SPDX-License-Identifier: ISC */
/* SMTP command lines (RFC 5321 section 4.1 and the extensions balise
 * announces): a line reader that cuts the input into CRLF-terminated lines,
 * and a parser that turns one line into a struct smtp_cmd or a refusal
 * (enum smtp_reply_id, see smtp_reply.h). No I/O, no allocation. */
#ifndef BALISE_SMTP_CMD_H
#define BALISE_SMTP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "smtp_limits.h"
#include "smtp_reply.h"

/* A session's read path, in outline:
 *
 *	while (input left) {
 *		r = smtp_line_next(&lr, in, len, &line, &used); in += used; ...
 *		OK:	 smtp_cmd_parse(line, flags, &cmd, &err) and run cmd, or
 *			 answer smtp_reply_append(out, err); after a BDAT error
 *			 the chunk size is unknown: answer and close.
 *			 DATA accepted: feed the bytes that follow to an
 *			 smtp_data_reader (smtp_data.h) until it says END, then
 *			 go back to lines; BDAT n: hand n bytes to smtp_bdat_*.
 *		TOO_LONG, BAD_EOL: answer the reply the result names.
 *		MORE:	 read more.
 *	}
 *
 * Pipelining (RFC 2920) needs nothing here: the reader leaves what follows
 * a line in the input, the session answers each command in order. */

/* ------------------------------------------------------------ line reader */

enum smtp_line_result {
	SMTP_LINE_OK,   /* *line_r is a whole line, CRLF excluded */
	SMTP_LINE_MORE, /* everything usable was consumed: read more */
	/* A line longer than max ended (it was skipped as it came): answer
	 * SMTP_R_LINE_TOO_LONG (SMTP_R_AUTH_LINE_TOO_LONG in an AUTH
	 * exchange) and go on. */
	SMTP_LINE_TOO_LONG,
	/* A line ended with a bare LF. It was consumed; answer SMTP_R_BAD_EOL
	 * and close: a client whose line ends disagree with ours is either
	 * broken or trying to smuggle commands past a relay. */
	SMTP_LINE_BAD_EOL,
};

struct smtp_line_reader {
	size_t max;    /* longest line, CRLF included */
	bool skipping; /* inside an overlong line */
};

/* max is the longest line accepted, CRLF included; SMTP_LINE_MAX_AUTH is
 * what a session needs (the parser applies each verb's own limit). */
void smtp_line_init(struct smtp_line_reader *lr, size_t max);
/* Looks for the next line in in[0..len). The caller drops *consumed_r
 * bytes from its input (possibly fewer than len: a partial line stays
 * there until its end arrives, so the caller's buffer needs max bytes).
 * A CR inside a line is left in it (the parser refuses it). */
enum smtp_line_result smtp_line_next(struct smtp_line_reader *lr, const uint8_t *in, size_t len,
                                     struct slice *line_r, size_t *consumed_r);

/* ------------------------------------------------------------ commands */

enum smtp_verb {
	SMTP_VERB_UNKNOWN,
	SMTP_VERB_EHLO,
	SMTP_VERB_HELO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
};

/* Extensions the session announced (parse flags): a parameter of an
 * extension that is off is unknown (555 5.5.4). HELO sessions pass none. */
#define SMTP_EXT_SIZE 0x01u
#define SMTP_EXT_8BITMIME 0x02u
#define SMTP_EXT_BINARYMIME 0x04u /* BODY=BINARYMIME (needs CHUNKING) */
#define SMTP_EXT_SMTPUTF8 0x08u
#define SMTP_EXT_DSN 0x10u
#define SMTP_EXT_AUTH 0x20u /* the AUTH= parameter of MAIL */
#define SMTP_EXT_ALL 0x3fu
/* For RCPT: the transaction's MAIL had SMTPUTF8, so UTF-8 addresses and
 * unitext ORCPT values are allowed. */
#define SMTP_PARSE_TX_UTF8 0x100u

/* A reverse or forward path. addr is the mailbox in a canonical form:
 * source route dropped, a quoted local part unquoted when it is a valid
 * dot-string and otherwise re-quoted with the fewest backslashes, domain as
 * sent (A-labels are not decoded; U-labels only with SMTPUTF8), case kept.
 * "" for the null path "<>"; "Postmaster" alone for RCPT TO:<Postmaster>
 * (RFC 5321 section 4.1.1.3, any case). */
struct smtp_path {
	char addr[SMTP_PATH_MAX + 1];
	size_t local_len; /* bytes of addr before "@" (all of it without "@") */
	bool null;        /* "<>" */
	bool postmaster;  /* bare "<Postmaster>" */
	bool utf8;        /* a byte above 0x7f in local part or domain */
	bool quoted;      /* the local part needs quotes (addr has them) */
	bool literal;     /* the domain is an address literal "[...]" */
};

enum smtp_body { SMTP_BODY_NONE, SMTP_BODY_7BIT, SMTP_BODY_8BITMIME, SMTP_BODY_BINARYMIME };
enum smtp_ret { SMTP_RET_NONE, SMTP_RET_FULL, SMTP_RET_HDRS };

/* NOTIFY (RFC 3461 section 4.1); 0 when absent. */
#define SMTP_NOTIFY_NEVER 0x1u
#define SMTP_NOTIFY_SUCCESS 0x2u
#define SMTP_NOTIFY_FAILURE 0x4u
#define SMTP_NOTIFY_DELAY 0x8u

struct smtp_mail_params {
	bool has_size;
	uint64_t size; /* SIZE=; saturates at UINT64_MAX (surely too big) */
	enum smtp_body body;
	bool smtputf8;
	enum smtp_ret ret;
	bool has_envid;
	size_t envid_len; /* decoded, printable ASCII */
	char envid[SMTP_ENVID_MAX + 1];
	bool has_auth;
	bool auth_null;  /* AUTH=<> */
	size_t auth_len; /* decoded mailbox, printable ASCII */
	char auth[SMTP_AUTH_PARAM_MAX + 1];
};

struct smtp_rcpt_params {
	unsigned notify; /* SMTP_NOTIFY_* bits, 0 when absent */
	bool has_orcpt;
	bool orcpt_utf8_type;                    /* addr-type "utf-8" (RFC 6533) */
	char orcpt_type[SMTP_ADDR_TYPE_MAX + 1]; /* as sent */
	size_t orcpt_len;
	/* Decoded address: xtext undone for "rfc822" and other types
	 * (printable ASCII), RFC 6533 escapes undone for "utf-8" (UTF-8). */
	char orcpt[SMTP_ORCPT_MAX + 1];
};

/* A parsed command. Slices point into the line given to smtp_cmd_parse(). */
struct smtp_cmd {
	enum smtp_verb verb;
	/* EHLO/HELO: the domain or address literal, checked strictly (RFC
	 * 5321 Domain: no underscore, no final dot). VRFY, EXPN: the string
	 * (required). NOOP, HELP: the string or empty. AUTH: the mechanism. */
	struct slice arg;
	/* AUTH: the initial response as sent ("=" is an empty one, RFC 4954
	 * section 4), has_ir false when absent. */
	struct slice ir;
	bool has_ir;
	bool helo_literal;     /* EHLO/HELO argument is an address literal */
	struct smtp_path path; /* MAIL, RCPT */
	struct smtp_mail_params mail;
	struct smtp_rcpt_params rcpt;
	uint64_t bdat_size;
	bool bdat_last;
};

/* Parses one command line (CRLF excluded, as smtp_line_next() gives it).
 * flags: SMTP_EXT_* and SMTP_PARSE_TX_UTF8. Verbs and keywords are
 * case-insensitive; trailing spaces and tabs are ignored (as Postfix does);
 * one space is tolerated after "FROM:" and "TO:". Returns 0 and fills *cmd,
 * or -1 with *err_r set; cmd->verb is set in both cases (SMTP_VERB_UNKNOWN
 * for an unknown verb), so that a refused BDAT can be told apart. The line
 * limits: SMTP_LINE_MAX, SMTP_LINE_MAX_PARAMS for MAIL and RCPT,
 * SMTP_LINE_MAX_AUTH for AUTH (CRLF counted). */
int smtp_cmd_parse(struct slice line, unsigned flags, struct smtp_cmd *cmd,
                   enum smtp_reply_id *err_r);

/* The verb's name in upper case ("MAIL"), "?" for SMTP_VERB_UNKNOWN. */
const char *smtp_verb_name(enum smtp_verb verb);

/* Parses a path "<...>" (the whole of s). is_mail selects the error texts
 * (sender or recipient) and allows "<>"; RCPT allows "<Postmaster>". utf8:
 * UTF-8 allowed in local part and domain. 0 or -1 with *err_r. */
int smtp_path_parse(struct slice s, bool is_mail, bool utf8, struct smtp_path *path,
                    enum smtp_reply_id *err_r);
/* True when s is a domain (RFC 5321 Domain: dot-separated labels of
 * letters, digits and inner hyphens, 1..63 octets each, 255 in all; with
 * utf8, UTF-8 characters count as letters). */
bool smtp_domain_valid(struct slice s, bool utf8);
/* True when s is an address literal: "[IPv4]", "[IPv6:...]" or
 * "[tag:text]" (RFC 5321 section 4.1.3). */
bool smtp_address_literal_valid(struct slice s);

/* MAIL and RCPT parameters (the text after the path, may be empty), as
 * smtp_cmd_parse() uses them. 0 or -1 with *err_r. Checks that need the
 * session are its own: SIZE against the limit (552 5.3.4), BODY=BINARYMIME
 * with DATA rather than BDAT (RFC 3030 section 3: 503 5.5.1), AUTH= only
 * from an authenticated peer it trusts (RFC 4954 section 5). */
int smtp_mail_params_parse(struct slice s, unsigned flags, struct smtp_mail_params *mp,
                           enum smtp_reply_id *err_r);
int smtp_rcpt_params_parse(struct slice s, unsigned flags, struct smtp_rcpt_params *rp,
                           enum smtp_reply_id *err_r);

#endif
