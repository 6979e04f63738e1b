/* SPDX-License-Identifier: ISC */
/* What balisectl's Sieve commands share (ctl_sieve.c, ctl_managed.c): the
 * forwarding rule's inputs from the configuration and reading an input
 * file. */
#ifndef BALISE_CTL_SIEVE_H
#define BALISE_CTL_SIEVE_H

#include "buf.h"
#include "ctl.h"
#include "sieve_policy.h"

/* The forwarding rule with what it reads: [trust] annuaire and
 * [trust] whitelist when configured, [trust] redirect_structures. */
struct ctl_policy {
	struct sieve_policy p;
	struct annuaire *annuaire;
	struct whitelist *whitelist;
};

/* Loads the files the configuration names: CTL_EXIT_OK, or CTL_EXIT_REFUSED
 * (message printed) when one of them cannot be read. */
int ctl_policy_load(struct ctl *ctl, struct ctl_policy *p);
void ctl_policy_free(struct ctl_policy *p);

/* Reads path ("-": standard input) into out, at most max bytes: 0, or 1
 * when it is larger (out holds max + 1 bytes), or -1 (message printed). */
int ctl_read_input(struct ctl *ctl, const char *path, size_t max, struct buf *out);

#endif
