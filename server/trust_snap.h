/* SPDX-License-Identifier: ISC */
/* The trust data that threads other than the event loop read: the current
 * ANS whitelist and Annuaire Santé index, and [trust] redirect_structures,
 * as one struct sieve_policy. The event loop publishes a new index after
 * each reload (trust_snap_set_*); any thread takes a policy holding its own
 * references (trust_snap_policy_get) and gives it back when done
 * (trust_snap_policy_put), so a reload never frees an index in use. A
 * mutex guards only the two pointers: the indexes are immutable and their
 * reference counts atomic. */
#ifndef BALISE_TRUST_SNAP_H
#define BALISE_TRUST_SNAP_H

#include <stdbool.h>

#include "annuaire.h"
#include "sieve_policy.h"
#include "whitelist.h"

struct trust_snap;

struct trust_snap *trust_snap_new(bool redirect_structures);
void trust_snap_free(struct trust_snap **t);

/* Publishes a new index (or NULL: none), taking a reference of its own;
 * the previous one is released. */
void trust_snap_set_whitelist(struct trust_snap *t, struct whitelist *wl);
void trust_snap_set_annuaire(struct trust_snap *t, struct annuaire *a);

/* Fills *p with the current data, one reference per index (may be NULL:
 * not configured or not loaded yet, which refuses what it would allow). */
void trust_snap_policy_get(struct trust_snap *t, struct sieve_policy *p);
/* Drops the references of a policy filled by trust_snap_policy_get. */
void trust_snap_policy_put(struct sieve_policy *p);

#endif
