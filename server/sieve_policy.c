/* SPDX-License-Identifier: ISC */
/* The forwarding rule (RE_GBM_4480 and the structures' switch): see
 * sieve_policy.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sieve_policy.h"
#include "templates_fr.h"
#include "util.h"

struct verdict {
	enum tfr_redirect reason;
	const char *why;
};

/* Lower-cases target into out (STORE_ADDR_MAX + 1) and returns its domain,
 * or NULL when it is no local@domain address. */
static const char *target_norm(const char *target, char *out)
{
	const char *why;
	char *at;

	if (target == NULL || str_copy(out, STORE_ADDR_MAX + 1, target) < 0)
		return NULL;
	str_lower(out);
	at = strchr(out, '@');
	if (at == NULL || at == out || strchr(at + 1, '@') != NULL || at - out > 64)
		return NULL;
	for (const char *c = out; c < at; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f ||
		    strchr("()<>,;:\\\"[]", *c) != NULL)
			return NULL;
	if (store_domain_check(at + 1, &why) != 0)
		return NULL;
	return at + 1;
}

static int refuse(struct verdict *v, enum tfr_redirect reason, const char *why)
{
	v->reason = reason;
	v->why = why;
	return SIEVE_REDIRECT_REFUSED;
}

/* A PER BAL's target in a domain served here. */
static int per_local(struct store_txn *txn, const struct store_bal *bal, const char *addr,
                     struct verdict *v)
{
	struct store_bal *t = xmalloc(sizeof(*t));
	int rc = store_bal_get_by_addr(txn, addr, t);

	if (rc == 0)
		rc = refuse(v, TFR_REDIRECT_UNKNOWN_LOCAL, "no BAL at the target address");
	else if (rc == 1 && t->type != BAL_PER)
		rc = refuse(v, TFR_REDIRECT_NOT_PER, "the target is not a PER BAL");
	else if (rc == 1 && strcmp(t->holder, bal->holder) != 0)
		rc = refuse(v, TFR_REDIRECT_OTHER_HOLDER, "the target has another holder");
	else if (rc == 1)
		rc = SIEVE_REDIRECT_ALLOWED;
	explicit_bzero(t, sizeof(*t));
	free(t);
	return rc;
}

/* A PER BAL's target at another operator: every line of the address in the
 * Annuaire must be a PER BAL of the same holder. */
static int per_remote(const struct sieve_policy *p, const struct store_bal *bal, const char *addr,
                      struct verdict *v)
{
	const struct annuaire_entry *e;
	size_t n;

	if (p->annuaire == NULL)
		return refuse(v, TFR_REDIRECT_NO_ANNUAIRE, "no Annuaire Sante extraction loaded");
	n = annuaire_lookup(p->annuaire, addr, &e);
	if (n == 0)
		return refuse(v, TFR_REDIRECT_NOT_IN_ANNUAIRE, "the target is not in the Annuaire");
	for (size_t i = 0; i < n; i++)
		if (e[i].type != ANNUAIRE_PER)
			return refuse(v, TFR_REDIRECT_NOT_PER, "the Annuaire lists the target as not PER");
	for (size_t i = 0; i < n; i++)
		if (e[i].idnat[0] == '\0' || strcmp(e[i].idnat, bal->holder) != 0)
			return refuse(v, TFR_REDIRECT_OTHER_HOLDER,
			              "the Annuaire lists another holder for the target");
	return SIEVE_REDIRECT_ALLOWED;
}

/* An ORG, CAB or APP BAL's target, when the switch is on. */
static int structure_target(const struct sieve_policy *p, struct store_txn *txn, bool local,
                            const char *addr, const char *domain, struct verdict *v)
{
	struct store_bal *t;
	int rc;

	if (!local)
		return whitelist_domain_listed(p->whitelist, domain)
		           ? SIEVE_REDIRECT_ALLOWED
		           : refuse(v, TFR_REDIRECT_OUTSIDE_TRUST,
		                    "the target domain is not in the trust-space whitelist");
	t = xmalloc(sizeof(*t));
	rc = store_bal_get_by_addr(txn, addr, t);
	free(t);
	if (rc == 0)
		return refuse(v, TFR_REDIRECT_UNKNOWN_LOCAL, "no BAL at the target address");
	return rc == 1 ? SIEVE_REDIRECT_ALLOWED : rc;
}

static int decide(const struct sieve_policy *p, struct store_txn *txn, const struct store_bal *bal,
                  const char *target, struct verdict *v)
{
	char addr[STORE_ADDR_MAX + 1];
	const char *domain = target_norm(target, addr);
	int local;

	if (domain == NULL)
		return refuse(v, TFR_REDIRECT_BAD_ADDRESS, "the target is not a valid address");
	if (strcmp(addr, bal->address) == 0)
		return refuse(v, TFR_REDIRECT_SELF, "the target is the BAL itself");
	if (bal->type != BAL_PER && !p->redirect_structures)
		return refuse(v, TFR_REDIRECT_STRUCTURE_OFF,
		              "redirect is off for ORG, CAB and APP BALs");
	local = store_domain_exists(txn, domain);
	if (local < 0)
		return local;
	if (bal->type != BAL_PER)
		return structure_target(p, txn, local == 1, addr, domain, v);
	return local == 1 ? per_local(txn, bal, addr, v) : per_remote(p, bal, addr, v);
}

int sieve_policy_redirect(const struct sieve_policy *p, struct store_txn *txn,
                          const struct store_bal *bal, const char *target,
                          struct buf *reason_fr, const char **why_r)
{
	struct verdict v = {0};
	int rc = decide(p, txn, bal, target, &v);

	if (rc != SIEVE_REDIRECT_REFUSED)
		return rc;
	if (why_r != NULL)
		*why_r = v.why;
	if (reason_fr != NULL)
		tfr_redirect_refusal(v.reason, target, store_bal_type_name(bal->type), reason_fr);
	return rc;
}
