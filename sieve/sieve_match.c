/* SPDX-License-Identifier: ISC */
/* Comparators (RFC 4790 §9: i;octet, i;ascii-casemap; RFC 2244 / 4790
 * i;ascii-numeric), match types (RFC 5228 §2.7.1: :is, :contains,
 * :matches with "*", "?" and "\" escapes), relational :count / :value
 * (RFC 5231), and the match variables they set (RFC 5229 §3.2). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sieve_run_int.h"

static int fold(unsigned cmp, int c)
{
	return cmp == SIEVE_CMP_CASEMAP ? tolower(c) : c;
}

/* i;ascii-numeric: the leading digits as a number; none is +infinity.
 * Compared as digit strings so that any length works. */
static int cmp_numeric(const struct sieve_str *a, const struct sieve_str *b)
{
	size_t la = 0, lb = 0, sa = 0, sb = 0;

	while (la < a->len && isdigit((unsigned char)a->p[la]))
		la++;
	while (lb < b->len && isdigit((unsigned char)b->p[lb]))
		lb++;
	if (la == 0 || lb == 0)
		return (la == 0) - (lb == 0);
	while (sa + 1 < la && a->p[sa] == '0')
		sa++;
	while (sb + 1 < lb && b->p[sb] == '0')
		sb++;
	if (la - sa != lb - sb)
		return la - sa < lb - sb ? -1 : 1;
	return memcmp(a->p + sa, b->p + sb, la - sa) < 0 ? -1
	       : memcmp(a->p + sa, b->p + sb, la - sa) > 0 ? 1 : 0;
}

/* The comparator's ordering ("equality" is order 0). */
static int compare(unsigned cmp, const struct sieve_str *a, const struct sieve_str *b)
{
	size_t n = a->len < b->len ? a->len : b->len;

	if (cmp == SIEVE_CMP_NUMERIC)
		return cmp_numeric(a, b);
	for (size_t i = 0; i < n; i++) {
		int x = fold(cmp, (unsigned char)a->p[i]), y = fold(cmp, (unsigned char)b->p[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
}

static bool relation(unsigned op, int c)
{
	switch (op) {
	case SIEVE_REL_EQ: return c == 0;
	case SIEVE_REL_NE: return c != 0;
	case SIEVE_REL_GT: return c > 0;
	case SIEVE_REL_GE: return c >= 0;
	case SIEVE_REL_LT: return c < 0;
	default: return c <= 0;
	}
}

static bool contains(unsigned cmp, const struct sieve_str *v, const struct sieve_str *k)
{
	if (k->len == 0)
		return true;
	for (size_t i = 0; i + k->len <= v->len; i++) {
		size_t j = 0;
		while (j < k->len && fold(cmp, (unsigned char)v->p[i + j]) ==
		                         fold(cmp, (unsigned char)k->p[j]))
			j++;
		if (j == k->len)
			return true;
	}
	return false;
}

struct capture {
	size_t off, len;
};

/* :matches, with the classic one-star backtracking (linear per star
 * position, no recursion). Each "*" takes as little as it can, so the
 * captures are the leftmost-shortest ones. caps gets one entry per
 * wildcard; *ncaps is their number. */
static bool glob(unsigned cmp, const struct sieve_str *v, const struct sieve_str *k,
                 struct capture *caps, unsigned maxcaps, unsigned *ncaps, uint64_t *steps)
{
	size_t pi = 0, si = 0, star_pi = 0, star_si = 0;
	unsigned nw = 0, star_w = 0;
	bool star = false;

	while (si < v->len) {
		(*steps)++;
		if (pi < k->len && k->p[pi] == '*') {
			star = true;
			star_pi = pi++;
			star_si = si;
			star_w = nw;
			if (nw < maxcaps)
				caps[nw] = (struct capture){si, 0};
			nw++;
			continue;
		}
		if (pi < k->len && k->p[pi] == '?') {
			if (nw < maxcaps)
				caps[nw] = (struct capture){si, 1};
			nw++;
			pi++;
			si++;
			continue;
		}
		if (pi < k->len) {
			size_t pl = (k->p[pi] == '\\' && pi + 1 < k->len) ? 2 : 1;
			if (fold(cmp, (unsigned char)k->p[pi + pl - 1]) == fold(cmp, (unsigned char)v->p[si])) {
				pi += pl;
				si++;
				continue;
			}
		}
		if (!star)
			return false;
		star_si++;
		si = star_si;
		pi = star_pi + 1;
		nw = star_w + 1;
		if (star_w < maxcaps)
			caps[star_w].len = star_si - caps[star_w].off;
	}
	while (pi < k->len && k->p[pi] == '*') {
		if (nw < maxcaps)
			caps[nw] = (struct capture){si, 0};
		nw++;
		pi++;
	}
	*ncaps = nw;
	return pi == k->len;
}

static void set_match_vars(struct sieve_run *r, const struct sieve_str *v,
                           const struct capture *caps, unsigned ncaps)
{
	unsigned n = ncaps + 1 < SIEVE_MAX_MATCH_VARS ? ncaps + 1 : SIEVE_MAX_MATCH_VARS;

	for (unsigned i = 0; i < SIEVE_MAX_MATCH_VARS; i++) {
		if (r->match[i].max == 0)
			buf_init(&r->match[i], SIEVE_MAX_STRING);
		buf_reset(&r->match[i]);
	}
	buf_append(&r->match[0], v->p, v->len);
	for (unsigned i = 1; i < n; i++)
		buf_append(&r->match[i], v->p + caps[i - 1].off, caps[i - 1].len);
	r->nmatch = n;
}

static int match_one(struct sieve_run *r, const struct sieve_node *n, const struct sieve_str *v,
                     const struct sieve_str *k)
{
	struct capture caps[SIEVE_MAX_MATCH_VARS];
	unsigned ncaps = 0;
	uint64_t steps = 0;
	bool ok;

	switch (n->match) {
	case SIEVE_MATCH_IS:
		return compare(n->cmp, v, k) == 0;
	case SIEVE_MATCH_CONTAINS:
		if (sieve_step(r, (v->len * (k->len + 1)) / 256 + 1) < 0)
			return -1;
		return contains(n->cmp, v, k);
	case SIEVE_MATCH_VALUE:
		return relation(n->relop, compare(n->cmp, v, k));
	default:
		ok = glob(n->cmp, v, k, caps, SIEVE_MAX_MATCH_VARS - 1, &ncaps, &steps);
		if (sieve_step(r, steps / 64 + 1) < 0)
			return -1;
		if (ok && (r->s->exts & SIEVE_EXT_BIT(SIEVE_EXT_VARIABLES)))
			set_match_vars(r, v, caps, ncaps);
		return ok;
	}
}

int sieve_match(struct sieve_run *r, const struct sieve_node *n, const struct sieve_vals *vals,
                const struct sieve_vals *keys)
{
	if (n->match == SIEVE_MATCH_COUNT) {
		char num[24];
		struct sieve_str c = {num, 0, false};
		c.len = (size_t)snprintf(num, sizeof(num), "%u", vals->n);
		for (unsigned j = 0; j < keys->n; j++)
			if (relation(n->relop, compare(n->cmp, &c, &keys->v[j])))
				return 1;
		return 0;
	}
	for (unsigned i = 0; i < vals->n; i++)
		for (unsigned j = 0; j < keys->n; j++) {
			int rc;
			if (sieve_step(r, 1) < 0)
				return -1;
			rc = match_one(r, n, &vals->v[i], &keys->v[j]);
			if (rc != 0)
				return rc;
		}
	return 0;
}

int sieve_match_keys(struct sieve_run *r, const struct sieve_node *n,
                     const struct sieve_vals *vals, const struct sieve_strlist *keys)
{
	struct sieve_vals k = {0};
	int rc = sieve_expand_list(r, keys, &k);

	if (rc == 0)
		rc = sieve_match(r, n, vals, &k);
	sieve_vals_free(&k);
	return rc;
}
