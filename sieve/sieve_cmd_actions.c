/* SPDX-License-Identifier: ISC */
/* Action commands: keep, discard, redirect (RFC 5228 §4), fileinto (§4.1,
 * :copy RFC 3894, :flags RFC 5232, :create RFC 5490), reject and ereject
 * (RFC 5429); the imap4flags commands (RFC 5232 §3) and "set" (RFC 5229
 * §4). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sieve_run_int.h"
#include "util.h"

static int do_redirect(struct sieve_run *r, const struct sieve_node *n, struct sieve_action *a)
{
	const char *why = NULL;
	const struct sieve_msg_env *e = r->env;
	int rc;

	if (!sieve_addr_valid(a->target, strlen(a->target)))
		return sieve_rt_error(r, "invalid redirect address \"%s\"", a->target);
	if (++r->nredirects > SIEVE_MAX_REDIRECTS)
		return sieve_rt_error(r, "too many redirects (limit %d)", SIEVE_MAX_REDIRECTS);
	if (e->redirect_allowed != NULL &&
	    (rc = e->redirect_allowed(e->ctx, a->target, &why)) != 1)
		return sieve_rt_error(r, "redirect to \"%s\" refused: %s", a->target,
		                      rc < 0 ? "lookup failed" : why != NULL ? why : "not allowed");
	a->copy = (n->flags & SIEVE_F_COPY) != 0;
	return 0;
}

int sieve_cmd_action(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_action a;
	bool cancels = true;

	memset(&a, 0, sizeof(a));
	switch (n->id) {
	case SIEVE_KEEP:
		a.type = SIEVE_ACT_KEEP;
		break;
	case SIEVE_DISCARD:
		a.type = SIEVE_ACT_DISCARD;
		break;
	case SIEVE_FILEINTO:
		a.type = SIEVE_ACT_FILEINTO;
		a.create = (n->flags & SIEVE_F_CREATE) != 0;
		a.copy = (n->flags & SIEVE_F_COPY) != 0;
		break;
	case SIEVE_REDIRECT:
		a.type = SIEVE_ACT_REDIRECT;
		break;
	case SIEVE_REJECT:
	case SIEVE_EREJECT:
		a.type = n->id == SIEVE_REJECT ? SIEVE_ACT_REJECT : SIEVE_ACT_EREJECT;
		if ((a.text = sieve_expand_dup(r, &n->pos[0].v[0])) == NULL)
			return -1;
		break;
	default:
		return sieve_rt_error(r, "unknown command %u", n->id);
	}
	if ((n->id == SIEVE_FILEINTO || n->id == SIEVE_REDIRECT) &&
	    (a.target = sieve_expand_dup(r, &n->pos[0].v[0])) == NULL)
		return -1;
	if (n->id == SIEVE_FILEINTO && a.target[0] == '\0') {
		sieve_action_clear(&a);
		return sieve_rt_error(r, "fileinto an empty mailbox name");
	}
	if ((n->id == SIEVE_REDIRECT && do_redirect(r, n, &a) < 0) ||
	    ((n->id == SIEVE_KEEP || n->id == SIEVE_FILEINTO) && sieve_act_flags(r, n, &a) < 0)) {
		sieve_action_clear(&a);
		return -1;
	}
	if (a.copy)
		cancels = false;
	if (sieve_act_add(r, &a) < 0)
		return -1;
	if (cancels)
		r->implicit_keep = false;
	return 0;
}

static bool flag_in(const struct buf *set, const char *f, size_t len)
{
	for (size_t i = 0; i < set->len;) {
		size_t e = i;
		while (e < set->len && set->data[e] != ' ')
			e++;
		if (e - i == len && strncasecmp((const char *)set->data + i, f, len) == 0)
			return true;
		i = e + 1;
	}
	return false;
}

/* Rebuilds set without the flag f. */
static void flag_remove(struct buf *set, const char *f, size_t len)
{
	struct buf out;

	buf_init(&out, 0);
	for (size_t i = 0; i < set->len;) {
		size_t e = i;
		while (e < set->len && set->data[e] != ' ')
			e++;
		if (!(e - i == len && strncasecmp((const char *)set->data + i, f, len) == 0)) {
			if (out.len > 0)
				buf_append_u8(&out, ' ');
			buf_append(&out, set->data + i, e - i);
		}
		i = e + 1;
	}
	buf_reset(set);
	if (out.len > 0)
		buf_append(set, out.data, out.len);
	buf_free(&out);
}

int sieve_flags_merge(struct sieve_run *r, struct buf *set, const struct sieve_vals *add,
                      bool remove)
{
	unsigned count = 0;

	for (size_t i = 0; i < set->len; i++)
		count += set->data[i] == ' ';
	count += set->len > 0;
	for (unsigned k = 0; k < add->n; k++) {
		const char *p = add->v[k].p;
		size_t len = add->v[k].len;
		for (size_t i = 0; i < len;) {
			size_t e;
			while (i < len && (p[i] == ' ' || p[i] == '\t'))
				i++;
			for (e = i; e < len && p[e] != ' ' && p[e] != '\t';)
				e++;
			if (e == i)
				break;
			if (remove) {
				flag_remove(set, p + i, e - i);
			} else if (!flag_in(set, p + i, e - i)) {
				if (++count > SIEVE_MAX_FLAGS)
					return sieve_rt_error(r, "too many flags (limit %d)", SIEVE_MAX_FLAGS);
				if ((set->len > 0 && buf_append_u8(set, ' ') < 0) ||
				    buf_append(set, p + i, e - i) < 0)
					return sieve_rt_error(r, "flag list too long");
			}
			i = e;
		}
	}
	return 0;
}

/* The flag variable a command works on: the internal one, or a named
 * variable (RFC 5232 §3 with variables). */
static struct buf *flag_var(struct sieve_run *r, const struct sieve_node *n, bool create)
{
	const struct sieve_str *name;

	if (n->flags & SIEVE_F_NOFIRST)
		return &r->flags;
	name = &n->pos[0].v[0];
	return sieve_var_get(r, name->p, name->len, create);
}

int sieve_cmd_flags(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_vals add = {0};
	struct buf *set = flag_var(r, n, true);
	int rc;

	if (set == NULL)
		return -1;
	if (sieve_expand_list(r, &n->pos[1], &add) < 0) {
		sieve_vals_free(&add);
		return -1;
	}
	if (n->id == SIEVE_SETFLAG)
		buf_reset(set);
	rc = sieve_flags_merge(r, set, &add, n->id == SIEVE_REMOVEFLAG);
	sieve_vals_free(&add);
	return rc;
}

/* hasflag [<variable-list>] <list-of-flags> (RFC 5232 §4): each flag of
 * the variables is a value; the keys are matched against them. */
int sieve_test_hasflag(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_vals vals = {0}, names = {0};
	int rc = 0;

	if (n->flags & SIEVE_F_NOFIRST) {
		struct sieve_str one = {(char *)r->flags.data, r->flags.len, false};
		if (r->flags.len > 0)
			sieve_vals_push(&names, one.p, one.len);
	} else if ((rc = sieve_expand_list(r, &n->pos[0], &names)) == 0) {
		for (unsigned i = 0; i < names.n; i++) {
			struct buf *v = sieve_var_get(r, names.v[i].p, names.v[i].len, false);
			free(names.v[i].p);
			names.v[i].p = v != NULL ? xstrndup((const char *)v->data, v->len) : xstrdup("");
			names.v[i].len = strlen(names.v[i].p);
		}
	}
	for (unsigned i = 0; rc == 0 && i < names.n; i++) {
		const char *p = names.v[i].p;
		for (size_t j = 0, e; j < names.v[i].len; j = e) {
			while (j < names.v[i].len && p[j] == ' ')
				j++;
			for (e = j; e < names.v[i].len && p[e] != ' ';)
				e++;
			if (e > j)
				sieve_vals_push(&vals, p + j, e - j);
		}
	}
	if (rc == 0)
		rc = sieve_match_keys(r, n, &vals, &n->pos[1]);
	sieve_vals_free(&vals);
	sieve_vals_free(&names);
	return rc;
}

int sieve_cmd_set(struct sieve_run *r, const struct sieve_node *n)
{
	struct buf val, *var;

	buf_init(&val, SIEVE_MAX_STRING);
	if (sieve_expand(r, &n->pos[1].v[0], &val) < 0 ||
	    sieve_set_modify(r, n->flags, &val) < 0 ||
	    (var = sieve_var_get(r, n->pos[0].v[0].p, n->pos[0].v[0].len, true)) == NULL) {
		buf_free(&val);
		return -1;
	}
	buf_reset(var);
	if (val.len > 0)
		buf_append(var, val.data, val.len);
	buf_free(&val);
	return 0;
}
