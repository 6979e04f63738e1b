/* SPDX-License-Identifier: ISC */
/* The action list: adding actions with the rules of RFC 5228 §4 (keep and
 * fileinto into the same mailbox, or redirect to the same address, happen
 * once), RFC 5429 §2 (reject is alone with redirect and discard) and the
 * action limits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sieve_run_int.h"
#include "util.h"

const char *sieve_act_name(enum sieve_act a)
{
	static const char *const names[] = {"keep", "fileinto", "redirect", "discard",
	                                    "vacation", "reject", "ereject", "duplicate"};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

void sieve_action_clear(struct sieve_action *a)
{
	free(a->target);
	for (unsigned i = 0; i < a->nflags; i++)
		free(a->flags[i]);
	free(a->flags);
	free(a->text);
	free(a->subject);
	free(a->from);
	free(a->handle);
	memset(a, 0, sizeof(*a));
}

void sieve_result_free(struct sieve_result *r)
{
	for (unsigned i = 0; i < r->n; i++)
		sieve_action_clear(&r->v[i]);
	free(r->v);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

/* keep and fileinto "INBOX" store into the same place. */
static const char *store_target(const struct sieve_action *a)
{
	if (a->type == SIEVE_ACT_KEEP)
		return "INBOX";
	if (a->type == SIEVE_ACT_FILEINTO)
		return strcasecmp(a->target, "INBOX") == 0 ? "INBOX" : a->target;
	return NULL;
}

static bool same_action(const struct sieve_action *x, const struct sieve_action *y)
{
	const char *tx = store_target(x), *ty = store_target(y);

	if (tx != NULL && ty != NULL)
		return strcmp(tx, ty) == 0;
	if (x->type != y->type)
		return false;
	if (x->type == SIEVE_ACT_REDIRECT)
		return strcasecmp(x->target, y->target) == 0;
	return x->type == SIEVE_ACT_DISCARD;
}

/* A later duplicate keeps the place of the first; its flags replace the
 * first one's (the last keep or fileinto says how the copy is flagged, as
 * Pigeonhole does). */
static void merge_flags(struct sieve_action *into, struct sieve_action *from)
{
	if (!from->implicit) {
		for (unsigned i = 0; i < into->nflags; i++)
			free(into->flags[i]);
		free(into->flags);
		into->flags = from->flags;
		into->nflags = from->nflags;
		from->flags = NULL;
		from->nflags = 0;
	}
	into->implicit = into->implicit && from->implicit;
	into->copy = into->copy && from->copy;
	into->create = into->create || from->create;
}

static bool is_reject(enum sieve_act t)
{
	return t == SIEVE_ACT_REJECT || t == SIEVE_ACT_EREJECT;
}

/* RFC 5429 §2.2: reject with keep, fileinto, vacation or another reject
 * is an error; so is reject with redirect (allowed to be refused, and
 * refused by Pigeonhole: a refused message is not forwarded). */
static int check_reject(struct sieve_run *r, const struct sieve_action *a)
{
	for (unsigned i = 0; i < r->res->n; i++) {
		const struct sieve_action *o = &r->res->v[i];
		bool o_conflicts = (o->type == SIEVE_ACT_KEEP && !o->implicit) ||
		                   o->type == SIEVE_ACT_FILEINTO || o->type == SIEVE_ACT_VACATION ||
		                   o->type == SIEVE_ACT_REDIRECT;
		bool a_conflicts = (a->type == SIEVE_ACT_KEEP && !a->implicit) ||
		                   a->type == SIEVE_ACT_FILEINTO || a->type == SIEVE_ACT_VACATION ||
		                   a->type == SIEVE_ACT_REDIRECT;
		if (is_reject(a->type) && (is_reject(o->type) || o_conflicts))
			return sieve_rt_error(r, "%s cannot be combined with %s", sieve_act_name(a->type),
			                      sieve_act_name(o->type));
		if (is_reject(o->type) && a_conflicts)
			return sieve_rt_error(r, "%s cannot be combined with %s", sieve_act_name(a->type),
			                      sieve_act_name(o->type));
	}
	return 0;
}

/* Takes the strings of a (a is cleared either way). */
int sieve_act_add(struct sieve_run *r, struct sieve_action *a)
{
	struct sieve_result *res = r->res;

	if (!a->implicit && check_reject(r, a) < 0) {
		sieve_action_clear(a);
		return -1;
	}
	for (unsigned i = 0; i < res->n; i++)
		if (same_action(&res->v[i], a)) {
			merge_flags(&res->v[i], a);
			sieve_action_clear(a);
			return 0;
		}
	if (!a->implicit && res->n >= SIEVE_MAX_ACTIONS) {
		sieve_action_clear(a);
		return sieve_rt_error(r, "too many actions (limit %d)", SIEVE_MAX_ACTIONS);
	}
	res->v = xrealloc(res->v, (res->n + 1) * sizeof(*res->v));
	res->v[res->n++] = *a;
	memset(a, 0, sizeof(*a));
	return 0;
}

int sieve_act_flags(struct sieve_run *r, const struct sieve_node *n, struct sieve_action *a)
{
	struct buf set;
	struct sieve_vals src = {0};
	int rc = 0;

	buf_init(&set, SIEVE_MAX_STRING);
	if (n != NULL && n->tag[SIEVE_S_FLAGS].n > 0) {
		rc = sieve_expand_list(r, &n->tag[SIEVE_S_FLAGS], &src);
		if (rc == 0)
			rc = sieve_flags_merge(r, &set, &src, false);
	} else if (r->flags.len > 0) {
		rc = buf_append(&set, r->flags.data, r->flags.len);
	}
	for (size_t i = 0; rc == 0 && i < set.len;) {
		size_t e = i;
		while (e < set.len && set.data[e] != ' ')
			e++;
		a->flags = xrealloc(a->flags, (a->nflags + 1) * sizeof(char *));
		a->flags[a->nflags++] = xstrndup((const char *)set.data + i, e - i);
		i = e + 1;
	}
	sieve_vals_free(&src);
	buf_free(&set);
	return rc < 0 ? -1 : 0;
}
