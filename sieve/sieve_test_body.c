/* SPDX-License-Identifier: ISC */
/* body test (RFC 5173): :raw (the undecoded body, §5.1), :content (the
 * decoded text of the MIME parts of the listed types, §5.2) and :text (the
 * text parts, §5.3). At most SIEVE_MAX_BODY bytes are scanned: the rest
 * of a larger body is not looked at. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "sieve_run_int.h"
#include "util.h"

/* "" matches every type, "text" a top-level type, "text/plain" exactly
 * (RFC 5173 §5.2). */
static bool type_matches(const struct mime_part *p, const char *want)
{
	const char *slash = strchr(want, '/');
	size_t tl = slash != NULL ? (size_t)(slash - want) : strlen(want);

	if (want[0] == '\0')
		return true;
	if (p->type.len != tl || strncasecmp((const char *)p->type.p, want, tl) != 0)
		return false;
	return slash == NULL || (p->subtype.len == strlen(slash + 1) &&
	                         strncasecmp((const char *)p->subtype.p, slash + 1,
	                                     p->subtype.len) == 0);
}

static bool part_wanted(const struct mime_part *p, const struct sieve_vals *types)
{
	if (p->kind != MIME_LEAF)
		return false;
	for (unsigned i = 0; i < types->n; i++)
		if (type_matches(p, types->v[i].p))
			return true;
	return false;
}

static void collect(struct sieve_run *r, const struct mime_part *p, const struct sieve_vals *types,
                    size_t *budget, struct sieve_vals *out)
{
	for (; p != NULL && *budget > 0; p = p->next) {
		if (part_wanted(p, types)) {
			struct buf b;
			buf_init(&b, *budget);
			mime_part_text(r->mime, p, &b); /* -1 = cut at the budget */
			if (b.len == 0 && mime_part_body(r->mime, p).len > 0) {
				struct slice raw = mime_part_body(r->mime, p);
				buf_append(&b, raw.p, raw.len < *budget ? raw.len : *budget);
			}
			*budget -= b.len < *budget ? b.len : *budget;
			sieve_vals_push(out, b.data, b.len);
			buf_free(&b);
		}
		collect(r, p->children, types, budget, out);
	}
}

int sieve_test_body(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_vals vals = {0}, types = {0};
	size_t budget = SIEVE_MAX_BODY;
	int rc = 0;

	if (n->bodyt == SIEVE_BODY_RAW) {
		size_t len = r->body.len < budget ? r->body.len : budget;
		sieve_vals_push(&vals, r->body.p, len);
	} else {
		if (n->bodyt == SIEVE_BODY_CONTENT)
			rc = sieve_expand_list(r, &n->tag[SIEVE_S_CONTENT], &types);
		else
			sieve_vals_push(&types, "text", 4);
		if (rc == 0 && sieve_mime(r) != NULL)
			collect(r, r->mime->root, &types, &budget, &vals);
	}
	for (unsigned i = 0; rc == 0 && i < vals.n; i++)
		rc = sieve_step(r, vals.v[i].len / 256 + 1);
	if (rc == 0)
		rc = sieve_match_keys(r, n, &vals, &n->pos[0]);
	sieve_vals_free(&vals);
	sieve_vals_free(&types);
	return rc;
}
