/* SPDX-License-Identifier: ISC */
/* IMAP sequence sets (RFC 9051 section 9, sequence-set; "$" from RFC 5182):
 * parsing, "*" resolution, normalisation, membership and iteration. Whether
 * the numbers are UIDs or sequence numbers is the caller's business. */
#ifndef BALISE_IMAP_SEQSET_H
#define BALISE_IMAP_SEQSET_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* "*" before imap_seqset_resolve(). */
#define IMAP_SEQ_STAR 0

struct imap_seq_range {
	uint32_t lo, hi; /* lo <= hi once normalised */
};

struct imap_seqset {
	struct imap_seq_range *r;
	size_t n, cap;
	bool saved;      /* "$": the caller substitutes the saved result */
	bool has_star;   /* "*" seen and not yet resolved */
	bool normalised; /* sorted, merged, no "*" left */
};

void imap_seqset_init(struct imap_seqset *set);
void imap_seqset_free(struct imap_seqset *set);
void imap_seqset_clear(struct imap_seqset *set);
void imap_seqset_copy(struct imap_seqset *dst, const struct imap_seqset *src);

/* Parses "1:*,3,5:7" or "$" into set (which it clears first). Numbers are
 * nz-number (1..4294967295, no leading zero). 0 or -1 with *error_r. */
int imap_seqset_parse(struct imap_seqset *set, struct slice text, const char **error_r);
/* Adds a range (either bound may be IMAP_SEQ_STAR); the set is no longer
 * normalised. */
void imap_seqset_add(struct imap_seqset *set, uint32_t lo, uint32_t hi);
/* Replaces "*" by max (the highest sequence number or UID in use) and
 * normalises; with max 0 a bare "*" vanishes and "n:*" keeps only n. */
void imap_seqset_resolve(struct imap_seqset *set, uint32_t max);
/* Sorts, orders each range's bounds ("4:2" is "2:4") and merges overlapping
 * and adjacent ranges. Requires no "*" left. */
void imap_seqset_normalise(struct imap_seqset *set);

/* The following need a normalised set. */
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n);
uint64_t imap_seqset_count(const struct imap_seqset *set);
/* Highest member, 0 if empty. */
uint32_t imap_seqset_max(const struct imap_seqset *set);
/* Removes members above max (sequence numbers past the end). */
void imap_seqset_clip(struct imap_seqset *set, uint32_t max);

struct imap_seqset_iter {
	const struct imap_seqset *set;
	size_t i;
	uint64_t next;
};
void imap_seqset_iter_init(struct imap_seqset_iter *it, const struct imap_seqset *set);
/* Members in ascending order; false when done. */
bool imap_seqset_iter_next(struct imap_seqset_iter *it, uint32_t *n_r);

/* Appends the compact form ("1:3,7") of a normalised set; -1 past out->max. */
int imap_seqset_format(const struct imap_seqset *set, struct buf *out);

#endif
