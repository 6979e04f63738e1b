/* SPDX-License-Identifier: ISC */
/* The forwarding rule of the trust space, one function used both when a
 * script or forward rule is uploaded (ManageSieve, balisectl) and when a
 * redirect is carried out at delivery:
 *
 *   - PER BAL (RE_GBM_4480): only to another PER BAL held by the same
 *     professional (same holder idNat, "8" + RPPS). A target in a domain
 *     served here is looked up in storage; any other target must be listed
 *     in the Annuaire Santé extraction, every line of that address as PER
 *     with the same idNat. Not to the BAL itself.
 *   - ORG, CAB and APP BALs: off unless [trust] redirect_structures; then
 *     only to a trust-space domain: one served here (the BAL must exist)
 *     or one listed in the whitelist.
 *
 * Everything else is refused with a French reason that cites the rule
 * (common/templates_fr.h) and a short English one for logs. */
#ifndef BALISE_SIEVE_POLICY_H
#define BALISE_SIEVE_POLICY_H

#include <stdbool.h>

#include "annuaire.h"
#include "balstore.h"
#include "buf.h"
#include "whitelist.h"

struct sieve_policy {
	const struct annuaire *annuaire;   /* NULL: not configured or not loaded */
	const struct whitelist *whitelist; /* NULL: none loaded */
	bool redirect_structures;          /* [trust] redirect_structures */
};

enum sieve_redirect {
	SIEVE_REDIRECT_ALLOWED = 0,
	SIEVE_REDIRECT_REFUSED = 1,
};

/* Whether bal may redirect to target (an address, any case), reading the
 * store in txn (any txn). SIEVE_REDIRECT_ALLOWED, or SIEVE_REDIRECT_REFUSED
 * with the French reason appended to reason_fr (may be NULL) and *why_r
 * (may be NULL) a static English text; a negative store error when the
 * store cannot be read (treat as refused). */
int sieve_policy_redirect(const struct sieve_policy *p, struct store_txn *txn,
                          const struct store_bal *bal, const char *target,
                          struct buf *reason_fr, const char **why_r);

#endif
