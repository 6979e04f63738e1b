/* SPDX-License-Identifier: ISC */
/* Sequence sets: seq-number / seq-range lists (RFC 9051 section 9) kept as
 * sorted, merged ranges so that membership is a binary search. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_seqset.h"
#include "util.h"

void imap_seqset_init(struct imap_seqset *set)
{
	memset(set, 0, sizeof(*set));
	set->normalised = true;
}

void imap_seqset_free(struct imap_seqset *set)
{
	free(set->r);
	imap_seqset_init(set);
}

void imap_seqset_clear(struct imap_seqset *set)
{
	set->n = 0;
	set->saved = set->has_star = false;
	set->normalised = true;
}

void imap_seqset_copy(struct imap_seqset *dst, const struct imap_seqset *src)
{
	imap_seqset_clear(dst);
	for (size_t i = 0; i < src->n; i++)
		imap_seqset_add(dst, src->r[i].lo, src->r[i].hi);
	dst->saved = src->saved;
	dst->has_star = src->has_star;
	dst->normalised = src->normalised;
}

void imap_seqset_add(struct imap_seqset *set, uint32_t lo, uint32_t hi)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 8;
		set->r = xrealloc(set->r, set->cap * sizeof(*set->r));
	}
	set->r[set->n].lo = lo;
	set->r[set->n].hi = hi;
	set->n++;
	if (lo == IMAP_SEQ_STAR || hi == IMAP_SEQ_STAR)
		set->has_star = true;
	set->normalised = false;
}

/* seq-number = nz-number / "*" */
static int parse_number(const uint8_t **pp, const uint8_t *end, uint32_t *n_r)
{
	const uint8_t *s = *pp;
	uint64_t n = 0;

	if (s < end && *s == '*') {
		*pp = s + 1;
		*n_r = IMAP_SEQ_STAR;
		return 0;
	}
	if (s == end || *s < '1' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (unsigned)(*s - '0');
		if (n > UINT32_MAX)
			return -1;
	}
	*pp = s;
	*n_r = (uint32_t)n;
	return 0;
}

int imap_seqset_parse(struct imap_seqset *set, struct slice text, const char **error_r)
{
	const uint8_t *s = text.p, *end = text.p + text.len;

	imap_seqset_clear(set);
	if (text.len == 1 && s[0] == '$') {
		set->saved = true;
		return 0;
	}
	for (;;) {
		uint32_t lo, hi;
		if (parse_number(&s, end, &lo) < 0)
			goto bad;
		hi = lo;
		if (s < end && *s == ':' && (s++, parse_number(&s, end, &hi) < 0))
			goto bad;
		imap_seqset_add(set, lo, hi);
		if (s == end)
			return 0;
		if (*s++ != ',')
			goto bad;
	}
bad:
	imap_seqset_clear(set);
	*error_r = "invalid sequence set";
	return -1;
}

static int range_cmp(const void *a, const void *b)
{
	const struct imap_seq_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

void imap_seqset_normalise(struct imap_seqset *set)
{
	size_t out = 0;

	if (set->normalised)
		return;
	if (set->has_star)
		fatal("imap_seqset_normalise: unresolved *");
	for (size_t i = 0; i < set->n; i++) {
		if (set->r[i].lo > set->r[i].hi) {
			uint32_t t = set->r[i].lo;
			set->r[i].lo = set->r[i].hi;
			set->r[i].hi = t;
		}
	}
	if (set->n > 1)
		qsort(set->r, set->n, sizeof(*set->r), range_cmp);
	for (size_t i = 0; i < set->n; i++) {
		if (out > 0 && (uint64_t)set->r[out - 1].hi + 1 >= set->r[i].lo) {
			if (set->r[i].hi > set->r[out - 1].hi)
				set->r[out - 1].hi = set->r[i].hi;
			continue;
		}
		set->r[out++] = set->r[i];
	}
	set->n = out;
	set->normalised = true;
}

/* RFC 9051 section 9: "*" is the largest number in use; in an empty
 * mailbox it stands for nothing, and "n:*" then keeps only n. */
void imap_seqset_resolve(struct imap_seqset *set, uint32_t max)
{
	size_t out = 0;

	for (size_t i = 0; i < set->n; i++) {
		struct imap_seq_range r = set->r[i];
		if (r.lo == IMAP_SEQ_STAR)
			r.lo = max;
		if (r.hi == IMAP_SEQ_STAR)
			r.hi = max;
		if (r.lo == 0)
			r.lo = r.hi;
		if (r.hi == 0)
			r.hi = r.lo;
		if (r.lo == 0)
			continue;
		set->r[out++] = r;
	}
	set->n = out;
	set->has_star = false;
	set->normalised = false;
	imap_seqset_normalise(set);
}

bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n < set->r[mid].lo)
			hi = mid;
		else if (n > set->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

uint64_t imap_seqset_count(const struct imap_seqset *set)
{
	uint64_t total = 0;

	for (size_t i = 0; i < set->n; i++)
		total += (uint64_t)set->r[i].hi - set->r[i].lo + 1;
	return total;
}

uint32_t imap_seqset_max(const struct imap_seqset *set)
{
	return set->n > 0 ? set->r[set->n - 1].hi : 0;
}

void imap_seqset_clip(struct imap_seqset *set, uint32_t max)
{
	while (set->n > 0 && set->r[set->n - 1].lo > max)
		set->n--;
	if (set->n > 0 && set->r[set->n - 1].hi > max)
		set->r[set->n - 1].hi = max;
}

void imap_seqset_iter_init(struct imap_seqset_iter *it, const struct imap_seqset *set)
{
	it->set = set;
	it->i = 0;
	it->next = set->n > 0 ? set->r[0].lo : 0;
}

bool imap_seqset_iter_next(struct imap_seqset_iter *it, uint32_t *n_r)
{
	const struct imap_seqset *set = it->set;

	if (it->i >= set->n)
		return false;
	*n_r = (uint32_t)it->next;
	if (it->next < set->r[it->i].hi) {
		it->next++;
	} else if (++it->i < set->n) {
		it->next = set->r[it->i].lo;
	}
	return true;
}

int imap_seqset_format(const struct imap_seqset *set, struct buf *out)
{
	for (size_t i = 0; i < set->n; i++) {
		const char *sep = i > 0 ? "," : "";
		int r;
		if (set->r[i].lo == set->r[i].hi)
			r = buf_printf(out, "%s%u", sep, (unsigned)set->r[i].lo);
		else
			r = buf_printf(out, "%s%u:%u", sep, (unsigned)set->r[i].lo,
			               (unsigned)set->r[i].hi);
		if (r < 0)
			return -1;
	}
	return 0;
}
