/* SPDX-License-Identifier: ISC */
/* Trust data shared across threads: see trust_snap.h. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "trust_snap.h"
#include "util.h"

struct trust_snap {
	pthread_mutex_t mu;
	struct whitelist *wl;
	struct annuaire *an;
	bool redirect_structures;
};

struct trust_snap *trust_snap_new(bool redirect_structures)
{
	struct trust_snap *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	t->redirect_structures = redirect_structures;
	return t;
}

void trust_snap_free(struct trust_snap **tp)
{
	struct trust_snap *t = *tp;

	*tp = NULL;
	if (t == NULL)
		return;
	whitelist_unref(&t->wl);
	annuaire_unref(&t->an);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

void trust_snap_set_whitelist(struct trust_snap *t, struct whitelist *wl)
{
	struct whitelist *old;

	if (wl != NULL)
		wl = whitelist_ref(wl);
	pthread_mutex_lock(&t->mu);
	old = t->wl;
	t->wl = wl;
	pthread_mutex_unlock(&t->mu);
	whitelist_unref(&old);
}

void trust_snap_set_annuaire(struct trust_snap *t, struct annuaire *a)
{
	struct annuaire *old;

	if (a != NULL)
		a = annuaire_ref(a);
	pthread_mutex_lock(&t->mu);
	old = t->an;
	t->an = a;
	pthread_mutex_unlock(&t->mu);
	annuaire_unref(&old);
}

void trust_snap_policy_get(struct trust_snap *t, struct sieve_policy *p)
{
	pthread_mutex_lock(&t->mu);
	p->whitelist = t->wl != NULL ? whitelist_ref(t->wl) : NULL;
	p->annuaire = t->an != NULL ? annuaire_ref(t->an) : NULL;
	pthread_mutex_unlock(&t->mu);
	p->redirect_structures = t->redirect_structures;
}

void trust_snap_policy_put(struct sieve_policy *p)
{
	/* The policy's pointers are const for its readers; the references are
	 * ours (taken in trust_snap_policy_get). */
	struct whitelist *wl = (struct whitelist *)p->whitelist;
	struct annuaire *an = (struct annuaire *)p->annuaire;

	whitelist_unref(&wl);
	annuaire_unref(&an);
	p->whitelist = NULL;
	p->annuaire = NULL;
}
