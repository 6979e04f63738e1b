/* SPDX-License-Identifier: ISC */
/* Compiling a Sieve script uploaded for a BAL (ManageSieve PUTSCRIPT and
 * CHECKSCRIPT, balisectl sieve put, the managed rules of balisectl vacation
 * and forward): the script is compiled with the forwarding rule of the
 * trust space (sieve_policy.h) as the compile-time redirect check, so that
 * a redirect to a constant address the rule refuses stops the upload with
 * the French reason citing the rule. The result is what store_sieve_put
 * stores: the compiled form and its version. */
#ifndef BALISE_SIEVE_UPLOAD_H
#define BALISE_SIEVE_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "balstore.h"
#include "buf.h"
#include "sieve.h"
#include "sieve_policy.h"

enum sieve_upload_status {
	SIEVE_UPLOAD_OK = 0,      /* compiled, allowed */
	SIEVE_UPLOAD_INVALID = 1, /* the script does not compile: err */
	SIEVE_UPLOAD_REFUSED = 2, /* a redirect breaks the forwarding rule: err, reason_fr */
};

struct sieve_upload {
	struct buf compiled;       /* OK: the compiled form (sieve_save) */
	uint32_t compiled_version; /* OK: SIEVE_COMPILED_VERSION */
	/* INVALID and REFUSED: where (line and column, 1-based) and what, in
	 * English; REFUSED: the redirect target and the short English reason. */
	struct sieve_error err;
	/* REFUSED: the French reason citing the rule (RE_GBM_4480 for a PER
	 * BAL), NUL-terminated; empty otherwise. */
	struct buf reason_fr;
};

void sieve_upload_init(struct sieve_upload *up);
void sieve_upload_free(struct sieve_upload *up);

/* Compiles text (len bytes) for bal, checking every constant redirect
 * target with sieve_policy_redirect(p, txn, bal, ...) (txn: any, read or
 * write). Returns an enum sieve_upload_status with up filled (anything of
 * an earlier call is dropped), or a negative store error when the store
 * could not be read to check a redirect (nothing to store then). */
int sieve_upload_compile(const struct sieve_policy *p, struct store_txn *txn,
                         const struct store_bal *bal, const char *text, size_t len,
                         struct sieve_upload *up);

#endif
