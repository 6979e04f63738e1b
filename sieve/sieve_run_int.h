/* SPDX-License-Identifier: ISC */
/* Interpreter internals: the state of one run, shared by the files that
 * implement commands and tests. */
#ifndef BALISE_SIEVE_RUN_INT_H
#define BALISE_SIEVE_RUN_INT_H

#include <stdbool.h>

#include "buf.h"
#include "mime.h"
#include "rfc822_addr.h"
#include "sieve_int.h"

#define SIEVE_MAX_VARNAME 64

struct sieve_var {
	char name[SIEVE_MAX_VARNAME + 1]; /* lower-cased */
	struct buf val;
};

/* A list of owned values to match keys against. */
struct sieve_vals {
	struct sieve_str *v;
	unsigned n, cap;
};

/* One field of the message's header (mime_header_next), with its address
 * list once an address test parsed it. */
struct sieve_field {
	struct slice name, raw;
	struct rfc822_addr_list *addrs; /* NULL until parsed */
};

struct sieve_run {
	const struct sieve_script *s;
	const struct sieve_msg_env *env;
	struct sieve_result *res;
	struct slice hdr, body; /* the message's header block and body */
	struct sieve_field *fields; /* hdr's fields, listed on first need */
	unsigned nfields;
	bool fields_listed;
	struct mime_msg *mime;  /* parsed on first need */
	uint64_t steps;
	bool implicit_keep;
	bool stopped;
	char *error;

	struct buf match[SIEVE_MAX_MATCH_VARS];
	unsigned nmatch;
	struct buf flags; /* the internal imap4flags variable */

	unsigned nredirects;
	bool vacation_done, reject_done, explicit_keep;

	unsigned nvars;
	/* Last: only vars[0..nvars) are used (sieve_var_get sets each), so a
	 * run clears what comes before and not these 13 KiB. */
	struct sieve_var vars[SIEVE_MAX_VARIABLES];
};

/* Sets the run-time error (first one wins) and returns -1. */
int sieve_rt_error(struct sieve_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts cost instructions against the budget; -1 when it is spent. */
int sieve_step(struct sieve_run *r, uint64_t cost);

/* Strings (sieve_strings.c). */
int sieve_expand(struct sieve_run *r, const struct sieve_str *in, struct buf *out);
/* Expands into a fresh NUL-terminated string (caller frees), NULL on error. */
char *sieve_expand_dup(struct sieve_run *r, const struct sieve_str *in);
int sieve_expand_list(struct sieve_run *r, const struct sieve_strlist *in, struct sieve_vals *out);
struct buf *sieve_var_get(struct sieve_run *r, const char *name, size_t len, bool create);
void sieve_vals_push(struct sieve_vals *v, const void *p, size_t len);
void sieve_vals_free(struct sieve_vals *v);
int sieve_set_modify(struct sieve_run *r, uint32_t flags, struct buf *val);

/* Matching (sieve_match.c): 1 a value matches a key, 0 none, -1 error. */
int sieve_match(struct sieve_run *r, const struct sieve_node *n, const struct sieve_vals *vals,
                const struct sieve_vals *keys);
int sieve_match_keys(struct sieve_run *r, const struct sieve_node *n,
                     const struct sieve_vals *vals, const struct sieve_strlist *keys);

/* Header access: the values of name (decoded, unfolded), honouring :index
 * and :last (RFC 5260 §6) when n is not NULL. */
int sieve_header_values(struct sieve_run *r, const struct sieve_node *n, const char *name,
                        bool decode, struct sieve_vals *out);
struct mime_msg *sieve_mime(struct sieve_run *r);
/* Frees r's list of header fields. */
void sieve_fields_free(struct sieve_run *r);

/* Actions (sieve_result.c). */
int sieve_act_add(struct sieve_run *r, struct sieve_action *a);
void sieve_action_clear(struct sieve_action *a);
/* Flags for keep/fileinto: from :flags or the internal variable. */
int sieve_act_flags(struct sieve_run *r, const struct sieve_node *n, struct sieve_action *a);

/* Commands and tests, each in its file: 0 / -1 for commands, 1 / 0 / -1
 * for tests. */
int sieve_cmd_action(struct sieve_run *r, const struct sieve_node *n);
int sieve_cmd_flags(struct sieve_run *r, const struct sieve_node *n);
int sieve_cmd_set(struct sieve_run *r, const struct sieve_node *n);
int sieve_cmd_vacation(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_header(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_address(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_envelope(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_exists(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_string(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_hasflag(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_body(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_date(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_mailboxexists(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_duplicate(struct sieve_run *r, const struct sieve_node *n);

/* Splits a flag list into single flags (RFC 5232 §3: space-separated),
 * appending each once (case-insensitively) to set as "a b c". */
int sieve_flags_merge(struct sieve_run *r, struct buf *set, const struct sieve_vals *add,
                      bool remove);

#endif
