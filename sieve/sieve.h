/* SPDX-License-Identifier: ISC */
/* libbalsieve: compile a Sieve script (RFC 5228 and extensions) once into a
 * compiled form that can be stored, then run it against a message and its
 * envelope and get the list of actions back. No I/O: anything that needs
 * storage (vacation memory, duplicate ids, mailbox list, forwarding rules)
 * is asked of the caller through callbacks. */
#ifndef BALISE_SIEVE_H
#define BALISE_SIEVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sieve_limits.h"

struct sieve_script; /* opaque: a compiled script */

/* A compile error: where (1-based line and column, 0 when not tied to a
 * place) and what, in English. */
struct sieve_error {
	unsigned line, col;
	char msg[SIEVE_MAX_ERROR];
};

/* Hooks called while compiling. redirect_check is called for every redirect
 * whose address is a constant: return 0 to accept, -1 to refuse with a
 * reason (the caller's text, kept by the error). May be NULL. */
struct sieve_compile_hooks {
	void *ctx;
	int (*redirect_check)(void *ctx, const char *address, const char **reason_r);
};

/* The SIEVE capability: the extensions understood, space-separated. */
const char *sieve_capability(void);

/* Compiles script (len bytes, UTF-8). 0 with *script_r, or -1 with err
 * filled; nothing of a failed script can run. */
int sieve_compile(const char *script, size_t len, const struct sieve_compile_hooks *hooks,
                  struct sieve_script **script_r, struct sieve_error *err);
void sieve_script_free(struct sieve_script **s);

/* The version of the compiled form sieve_save writes and sieve_load
 * accepts; a stored form of another version is compiled again from its
 * text. */
#define SIEVE_COMPILED_VERSION 1u

/* The compiled form, appended to out (a stable byte format with a version
 * and a checksum). -1 if out's limit is reached. */
int sieve_save(const struct sieve_script *s, struct buf *out);
/* Loads a compiled form. Anything damaged, truncated or from another
 * version is refused: -1 with *error_r (static text). */
int sieve_load(const void *data, size_t len, struct sieve_script **s_r, const char **error_r);

/* What the message is, and the storage-backed answers the script may need.
 * Every callback may be NULL (then: mailbox absent, nothing seen before,
 * redirect allowed, no vacation sent). Each returns 1 yes, 0 no, -1 error
 * (a run-time error: the message is kept). */
struct sieve_msg_env {
	const uint8_t *msg; /* the whole message, header and body */
	size_t len;
	const char *mail_from; /* envelope sender, "" for the null path */
	const char *rcpt_to;   /* envelope recipient (the BAL's address) */
	const char *auth;      /* authenticated sender or NULL */
	int64_t now;           /* seconds since the epoch (currentdate) */
	int tz_minutes;        /* local zone offset for date tests */

	void *ctx;
	/* RFC 5490 mailboxexists */
	int (*mailbox_exists)(void *ctx, const char *mailbox);
	/* RFC 7352: has id been seen under handle within seconds? The caller
	 * records the id when the delivery succeeds (see sieve_result). */
	int (*duplicate_seen)(void *ctx, const char *handle, const char *id, uint64_t seconds);
	/* Deliver-time forwarding rule; reason_r is the caller's text. */
	int (*redirect_allowed)(void *ctx, const char *address, const char **reason_r);
	/* RFC 5230 §4.2: was a reply with this handle sent to sender within
	 * seconds? The caller remembers the reply once it is sent. */
	int (*vacation_sent)(void *ctx, const char *sender, const char *handle, uint64_t seconds);
};

enum sieve_act {
	SIEVE_ACT_KEEP = 0,
	SIEVE_ACT_FILEINTO,
	SIEVE_ACT_REDIRECT,
	SIEVE_ACT_DISCARD,
	SIEVE_ACT_VACATION,
	SIEVE_ACT_REJECT,
	SIEVE_ACT_EREJECT,
	SIEVE_ACT_DUPLICATE, /* remember id under handle (RFC 7352 §3) */
};

/* One action. Strings are NUL-terminated and owned by the result. */
struct sieve_action {
	enum sieve_act type;
	char *target;  /* fileinto mailbox, redirect address, vacation recipient,
	                * duplicate id */
	char **flags;  /* keep/fileinto IMAP flags (RFC 5232), may be 0 */
	unsigned nflags;
	bool copy;     /* :copy (RFC 3894) */
	bool create;   /* fileinto :create (RFC 5490) */
	bool implicit; /* the implicit keep */
	bool mime;     /* vacation :mime */
	bool last;     /* duplicate :last: refresh the period (RFC 7352 §3.2) */
	char *text;    /* vacation reason, reject/ereject reason */
	char *subject; /* vacation :subject or NULL */
	char *from;    /* vacation :from or NULL */
	char *handle;  /* vacation / duplicate handle */
	uint64_t seconds; /* vacation period, duplicate period */
};

struct sieve_result {
	struct sieve_action *v;
	unsigned n;
	char *error;    /* run-time error (then the only action is a keep) */
	uint64_t steps; /* instructions spent */
};

/* Runs s on env->msg. Always leaves a usable action list in r: 0 normal,
 * -1 after a run-time error (r->error says why; r holds just the implicit
 * keep). Free r with sieve_result_free(). */
int sieve_run(const struct sieve_script *s, const struct sieve_msg_env *env,
              struct sieve_result *r);
void sieve_result_free(struct sieve_result *r);
/* "keep", "fileinto", ... */
const char *sieve_act_name(enum sieve_act a);

/* RFC 3834 section 2 and RFC 5230 section 4.6: why a message from sender
 * (envelope, "" or NULL for the null path) with header block hdr may get
 * no automatic reply, in short English, or NULL when it may: the null
 * sender, MAILER-DAEMON, LISTSERV, majordomo, owner-* or *-request,
 * Auto-Submitted other than "no", Precedence bulk/list/junk, any List-*
 * field. One pass over hdr; the vacation command and Sieve at delivery
 * both decide with it. */
const char *sieve_autoreply_refusal(struct slice hdr, const char *sender);

#endif
