/* SPDX-License-Identifier: ISC */
/* Compiling an uploaded Sieve script under the forwarding rule: see
 * sieve_upload.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sieve_upload.h"

/* What the redirect hook needs, and what it found. */
struct upload_ctx {
	const struct sieve_policy *p;
	struct store_txn *txn;
	const struct store_bal *bal;
	struct sieve_upload *up;
	int store_err; /* a store error met while checking a redirect */
	bool refused;  /* the rule refused a redirect (reason_fr filled) */
};

/* sieve_compile_hooks.redirect_check: 0 allowed, -1 refused (reason_r the
 * short English text the compile error shows). */
static int upload_redirect_check(void *arg, const char *address, const char **reason_r)
{
	struct upload_ctx *c = arg;
	const char *why = NULL;
	int rc;

	buf_reset(&c->up->reason_fr);
	rc = sieve_policy_redirect(c->p, c->txn, c->bal, address, &c->up->reason_fr, &why);
	if (rc == SIEVE_REDIRECT_ALLOWED)
		return 0;
	if (rc < 0) {
		c->store_err = rc;
		buf_reset(&c->up->reason_fr);
		*reason_r = "the forwarding rule could not be checked (storage error)";
		return -1;
	}
	c->refused = true;
	*reason_r = why != NULL ? why : "not allowed by the forwarding rule";
	return -1;
}

void sieve_upload_init(struct sieve_upload *up)
{
	memset(up, 0, sizeof(*up));
	buf_init(&up->compiled, STORE_SIEVE_COMPILED_MAX);
	buf_init(&up->reason_fr, 0);
}

void sieve_upload_free(struct sieve_upload *up)
{
	buf_free(&up->compiled);
	buf_free(&up->reason_fr);
	memset(up, 0, sizeof(*up));
}

/* Saves the compiled form of s into up; SIEVE_UPLOAD_OK or _INVALID. */
static int upload_save(struct sieve_script *s, struct sieve_upload *up)
{
	if (sieve_save(s, &up->compiled) < 0) {
		buf_reset(&up->compiled);
		up->err.line = 0;
		up->err.col = 0;
		snprintf(up->err.msg, sizeof(up->err.msg),
		         "the compiled script is larger than %d bytes", STORE_SIEVE_COMPILED_MAX);
		return SIEVE_UPLOAD_INVALID;
	}
	up->compiled_version = SIEVE_COMPILED_VERSION;
	return SIEVE_UPLOAD_OK;
}

int sieve_upload_compile(const struct sieve_policy *p, struct store_txn *txn,
                         const struct store_bal *bal, const char *text, size_t len,
                         struct sieve_upload *up)
{
	struct upload_ctx c = {p, txn, bal, up, 0, false};
	struct sieve_compile_hooks hooks = {&c, upload_redirect_check};
	struct sieve_script *s = NULL;
	int rc;

	buf_reset(&up->compiled);
	buf_reset(&up->reason_fr);
	up->compiled_version = 0;
	memset(&up->err, 0, sizeof(up->err));
	if (sieve_compile(text, len, &hooks, &s, &up->err) < 0) {
		if (c.store_err < 0)
			return c.store_err;
		if (!c.refused)
			return SIEVE_UPLOAD_INVALID;
		if (buf_cstr(&up->reason_fr) < 0)
			return STORE_E_LIMIT;
		return SIEVE_UPLOAD_REFUSED;
	}
	rc = upload_save(s, up);
	sieve_script_free(&s);
	return rc;
}
