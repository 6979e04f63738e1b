/* SPDX-License-Identifier: ISC */
/* balisectl internals shared by its files: the command table, parsed
 * arguments, messages with exit codes, and access to the store. */
#ifndef BALISE_CTL_H
#define BALISE_CTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "balstore.h"
#include "cfg.h"

/* Exit codes: success, refused (reason on stderr), usage error. */
enum ctl_exit { CTL_EXIT_OK = 0, CTL_EXIT_REFUSED = 1, CTL_EXIT_USAGE = 2 };

#define CTL_PROG "balisectl"
#define CTL_DEFAULT_CONF "/etc/balise/balise.conf"
#define CTL_DEFAULT_QUOTA (1ULL << 30) /* --quota when bal create has none */
#define CTL_PASSWORD_MAX 1024          /* bytes, newline excluded */

/* One option of a verb, written "--name" or "--name=value". */
enum ctl_opt_flag {
	CTL_OPT_ARG = 1 << 0,     /* takes a value */
	CTL_OPT_MULTI = 1 << 1,   /* may be repeated */
	CTL_OPT_REFUSED = 1 << 2, /* recognised only to explain why it is not offered */
};

struct ctl_opt {
	const char *name;
	unsigned flags;
	const char *note; /* CTL_OPT_REFUSED: the explanation */
};

#define CTL_OPTS_MAX 16
#define CTL_POS_MAX 3
#define CTL_MULTI_MAX (STORE_COHOLDERS_MAX + 1)

struct ctl_args {
	const struct ctl_opt *opts; /* the verb's table, NULL-name terminated */
	unsigned npos;
	const char *pos[CTL_POS_MAX];
	unsigned count[CTL_OPTS_MAX];
	const char *val[CTL_OPTS_MAX][CTL_MULTI_MAX];
};

struct ctl;

enum ctl_cmd_flag {
	CTL_CMD_HIDDEN = 1 << 0, /* not listed by --help */
	CTL_CMD_NOCONF = 1 << 1, /* the handler loads the configuration itself */
};

struct ctl_cmd {
	const char *noun, *verb;
	int (*run)(struct ctl *ctl, const struct ctl_args *args);
	const char *usage;   /* arguments, after "noun verb" */
	const char *summary; /* one line for the command list */
	const char *help;    /* option details for "noun verb --help", or NULL */
	const struct ctl_opt *opts;
	const char *pos_name; /* name of the positional argument, NULL if none */
	unsigned pos_min, pos_max;
	unsigned flags;
};

struct ctl {
	const char *conf_path;
	const struct ctl_cmd *cmd;
	/* The command line from the noun on (never holds a secret: passwords
	 * come on stdin), kept for the audit record of mutating commands. */
	int argc;
	char **argv;
	struct config cfg;
	bool cfg_loaded;
	struct store *store;
};

/* ---------------------------------------------------------------- ctl_args.c */

/* Parses argv (after "noun verb") against cmd's options and arity. On a usage
 * error prints it (with the usage line) and returns CTL_EXIT_USAGE; with
 * --help/-h prints the verb's help and sets *help_r. */
int ctl_args_parse(struct ctl *ctl, int argc, char **argv, struct ctl_args *args, bool *help_r);
/* The value of an option given once, or NULL when absent. */
const char *ctl_arg(const struct ctl_args *args, const char *name);
/* Whether an option (with or without value) was given. */
bool ctl_flag(const struct ctl_args *args, const char *name);
/* All values of a repeatable option; *n_r is how many. */
const char *const *ctl_arg_all(const struct ctl_args *args, const char *name, unsigned *n_r);

/* Value parsers for options: 0, or a usage error already printed (-1). */
int ctl_parse_size(struct ctl *ctl, const char *opt, const char *s, uint64_t *out_r);
int ctl_parse_uint(struct ctl *ctl, const char *opt, const char *s, uint64_t max, uint64_t *out_r);

/* ---------------------------------------------------------------- ctl_util.c */

/* "balisectl: noun verb: message" on stderr, then the usage line and a hint;
 * returns CTL_EXIT_USAGE. */
int ctl_usage(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "balisectl: noun verb: message" on stderr; returns CTL_EXIT_REFUSED. */
int ctl_fail(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "balisectl: noun verb: warning: message" on stderr; the command goes on. */
void ctl_warn(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints text (starting after `used` columns) wrapped at spaces to 79
 * columns, continuation lines indented by indent; [bracketed groups] are
 * kept whole. Ends with a newline. */
void ctl_print_wrapped(FILE *f, const char *text, size_t used, size_t indent);
/* Prints the usage line of cmd ("usage: balisectl [-c CONF] noun verb ..."). */
void ctl_print_usage(FILE *f, const struct ctl_cmd *cmd);

/* ---------------------------------------------------------------- ctl_trust.c */

/* A [trust] file kind: its key, where the configuration names it, and its
 * loader (NULL with a reason in err) and release. */
struct ctl_trust_kind {
	const char *key; /* "whitelist", "annuaire" */
	const char *(*configured)(const struct config *cfg);
	void *(*load)(const char *path, char *err, size_t errsz);
	void (*release)(void *obj);
};
/* Loads given, else the configured file (*path_r: the one used). NULL when
 * there is none or it is refused (message printed). */
void *ctl_trust_open(struct ctl *ctl, const struct ctl_trust_kind *k, const char *given,
                     const char **path_r);
/* Loads path as balised would; 1 (message printed) when it is refused,
 * else 0. For config check. */
int ctl_trust_validate(struct ctl *ctl, const struct ctl_trust_kind *k, const char *path);

/* Loads ctl->conf_path into ctl->cfg; on error prints it, CTL_EXIT_REFUSED. */
int ctl_config_load(struct ctl *ctl);
/* Opens the store of the configuration (once); CTL_EXIT_REFUSED on error. */
int ctl_store_open(struct ctl *ctl);
void ctl_store_close(struct ctl *ctl);

/* Runs one mutating request on the store's writer thread and waits for its
 * durable outcome. Every command that changes something goes through here:
 * this is where the admin audit trace belongs. */
int ctl_run_write(struct ctl *ctl, store_apply_fn *apply, void *arg);

/* Reads a password from standard input: one line without its line ending
 * (with a prompt, no echo and a confirmation when stdin is a terminal).
 * Refuses empty or over-long passwords and NUL bytes (message printed,
 * returns -1). The caller wipes buf with explicit_bzero. */
int ctl_read_password(struct ctl *ctl, const char *prompt, char *buf, size_t bufsz, size_t *len_r,
                      bool confirm);
/* Prompts on stderr and reads one line from the terminal on stdin (no echo
 * when secret); -1 (buf emptied) when too long or holding a NUL byte. */
int ctl_read_tty_line(const char *prompt, char *buf, size_t bufsz, bool secret);

/* "1G", "512M", "1536K" when exact, else plain bytes; "unlimited" for 0 when
 * zero_unlimited. */
void ctl_format_size(uint64_t n, bool zero_unlimited, char *out, size_t outsz);
/* "2026-01-31T12:00:00Z", or "never" for 0. */
void ctl_format_time(int64_t t, char *out, size_t outsz);
/* Prints s with control and non-ASCII-printable bytes replaced (terminal
 * safety), padded with spaces to width (0: none). */
void ctl_print_text(FILE *f, const char *s, size_t width);

/* ---------------------------------------------------------------- ctl_bal.c */

/* Reads --holder-type, --holder and --co-holder into bal; with required,
 * missing ones are usage errors. Returns CTL_EXIT_OK or the exit code (the
 * message printed). *given_r tells whether --holder(-type) was given. */
int ctl_bal_holder_args(struct ctl *ctl, const struct ctl_args *args, struct store_bal *bal,
                        bool required, bool *given_r);
/* Reads a new password (ctl_read_password) and hashes it with the [auth]
 * parameters into hash (STORE_HASH_MAX + 1 bytes); the plaintext is wiped. */
int ctl_bal_password_hash(struct ctl *ctl, char *hash, size_t hashsz);
/* PER, ORG, CAB, APP in any case; -1 when unknown. */
int ctl_bal_type_parse(const char *s);
/* Looks a BAL up by address in a read transaction: 1 found, 0 not found
 * (message printed), -1 error (message printed). */
int ctl_bal_lookup(struct ctl *ctl, const char *address, struct store_bal *bal_r);
/* Prints the refusal of a BAL write: the store's why text when there is one. */
int ctl_bal_fail(struct ctl *ctl, const char *address, int err, const char *why);
/* The BAL as a JSON object (never its password hash); usage when q is not
 * NULL, the "mailboxes" array when with_mailboxes. */
struct ctl_json;
void ctl_bal_json(struct ctl_json *j, const struct store_bal *bal, const struct store_quota *q,
                  const struct store_mailbox *mbs, size_t n_mbs, bool with_mailboxes);

/* ---------------------------------------------------------------- handlers */

int ctl_domain_add(struct ctl *ctl, const struct ctl_args *args);
int ctl_domain_remove(struct ctl *ctl, const struct ctl_args *args);
int ctl_domain_list(struct ctl *ctl, const struct ctl_args *args);

int ctl_bal_create(struct ctl *ctl, const struct ctl_args *args);
int ctl_bal_show(struct ctl *ctl, const struct ctl_args *args);
int ctl_bal_list(struct ctl *ctl, const struct ctl_args *args);
int ctl_bal_set(struct ctl *ctl, const struct ctl_args *args);
int ctl_bal_passwd(struct ctl *ctl, const struct ctl_args *args);
int ctl_bal_delete(struct ctl *ctl, const struct ctl_args *args);
int ctl_bal_check_password(struct ctl *ctl, const struct ctl_args *args);

int ctl_config_check(struct ctl *ctl, const struct ctl_args *args);
int ctl_config_keys(struct ctl *ctl, const struct ctl_args *args);
/* ctl_health.c */
int ctl_health(struct ctl *ctl, const struct ctl_args *args);

int ctl_queue_list(struct ctl *ctl, const struct ctl_args *args);
int ctl_queue_show(struct ctl *ctl, const struct ctl_args *args);
int ctl_queue_retry(struct ctl *ctl, const struct ctl_args *args);
int ctl_queue_delete(struct ctl *ctl, const struct ctl_args *args);
int ctl_whitelist_check(struct ctl *ctl, const struct ctl_args *args);
int ctl_whitelist_show(struct ctl *ctl, const struct ctl_args *args);
/* Loads the whitelist at path as balised would; 1 (message printed) when it
 * is refused, else 0. For config check. */
int ctl_whitelist_validate(struct ctl *ctl, const char *path);

int ctl_quota_report(struct ctl *ctl, const struct ctl_args *args);

/* ctl_deleg.c, with the option tables of its verbs */
extern const struct ctl_opt ctl_opts_delegate_grant[], ctl_opts_delegate_revoke[],
    ctl_opts_delegate_log[];
int ctl_delegate_grant(struct ctl *ctl, const struct ctl_args *args);
int ctl_delegate_revoke(struct ctl *ctl, const struct ctl_args *args);
int ctl_delegate_list(struct ctl *ctl, const struct ctl_args *args);
int ctl_delegate_log(struct ctl *ctl, const struct ctl_args *args);

int ctl_store_info(struct ctl *ctl, const struct ctl_args *args);
int ctl_store_check(struct ctl *ctl, const struct ctl_args *args);

/* ctl_lifecycle.c: Sent purge, inactivity, compaction, deletion requests */
int ctl_bal_purge_sent(struct ctl *ctl, const struct ctl_args *args);
int ctl_bal_inactive(struct ctl *ctl, const struct ctl_args *args);
int ctl_bal_inactivity_run(struct ctl *ctl, const struct ctl_args *args);
int ctl_store_compact(struct ctl *ctl, const struct ctl_args *args);
int ctl_backup(struct ctl *ctl, const struct ctl_args *args);
int ctl_delreq_create(struct ctl *ctl, const struct ctl_args *args);
int ctl_delreq_list(struct ctl *ctl, const struct ctl_args *args);
int ctl_delreq_approve(struct ctl *ctl, const struct ctl_args *args);
int ctl_delreq_reject(struct ctl *ctl, const struct ctl_args *args);

/* ctl_sieve.c, ctl_annuaire.c */
int ctl_sieve_list(struct ctl *ctl, const struct ctl_args *args);
int ctl_sieve_get(struct ctl *ctl, const struct ctl_args *args);
int ctl_sieve_activate(struct ctl *ctl, const struct ctl_args *args);
int ctl_sieve_delete(struct ctl *ctl, const struct ctl_args *args);
int ctl_sieve_put(struct ctl *ctl, const struct ctl_args *args);
/* ctl_managed.c: the managed rules (vacation, forward) */
int ctl_vacation_set(struct ctl *ctl, const struct ctl_args *args);
int ctl_vacation_off(struct ctl *ctl, const struct ctl_args *args);
int ctl_vacation_show(struct ctl *ctl, const struct ctl_args *args);
int ctl_forward_set(struct ctl *ctl, const struct ctl_args *args);
int ctl_forward_off(struct ctl *ctl, const struct ctl_args *args);
int ctl_forward_show(struct ctl *ctl, const struct ctl_args *args);
int ctl_annuaire_check(struct ctl *ctl, const struct ctl_args *args);
int ctl_annuaire_show(struct ctl *ctl, const struct ctl_args *args);
/* Loads the extraction at path; 1 (message printed) when refused, else 0. */
int ctl_annuaire_validate(struct ctl *ctl, const char *path);

#endif
