/* SPDX-License-Identifier: ISC */
/* Fuzz target: the MIME parser and everything built on it. Parse, build
 * the summary, open it, then fetch every section the way IMAP would
 * (headers, bodies, decoding, HEADER.FIELDS), plus the address, encoded
 * word and date parsers on the same bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "msgsum.h"
#include "rfc2047.h"
#include "rfc822_addr.h"

#define FUZZ_MIME_MAX_WALK 4 /* section path depth and width walked */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fetch_part(const uint8_t *data, size_t size, const struct msgsum_part *p)
{
	static const struct slice names[] = {SLICE_STR("From"), SLICE_STR("Subject"),
	                                     SLICE_STR("Content-Type")};
	struct buf b;

	if (p->hdr_off + p->hdr_len > size || p->body_off + p->body_len > size)
		abort(); /* a summary must never point outside the message */
	buf_init(&b, 0);
	mime_header_filter((struct slice){data + p->hdr_off, p->hdr_len}, names, 3, false, &b);
	buf_reset(&b);
	mime_decode(p->cte, (struct slice){data + p->body_off, p->body_len}, &b);
	if (p->kind == MIME_LEAF && b.len != p->decoded_size)
		abort(); /* BINARY.SIZE must match what BINARY sends */
	if (p->has_msg && p->msg_body_off + p->msg_body_len > size)
		abort();
	buf_free(&b);
}

static void walk(const struct msgsum_view *v, const uint8_t *data, size_t size, char *path,
                 size_t len, unsigned depth)
{
	for (unsigned n = 1; n <= FUZZ_MIME_MAX_WALK; n++) {
		struct msgsum_part p;
		size_t l = len + (size_t)snprintf(path + len, 16, "%s%u", len ? "." : "", n);
		if (msgsum_section_part(v, path, l, &p) != 1)
			continue;
		fetch_part(data, size, &p);
		if (depth < FUZZ_MIME_MAX_WALK)
			walk(v, data, size, path, l, depth + 1);
	}
}

/* What SEARCH and Sieve do: every part's text in UTF-8, decoded headers. */
static void texts(const struct mime_msg *m, const struct mime_part *p)
{
	struct buf b;

	buf_init(&b, 0);
	mime_header_get_utf8(mime_part_header(m, p), "subject", &b);
	buf_reset(&b);
	if (p->kind == MIME_LEAF)
		mime_part_text(m, p, &b);
	buf_free(&b);
	for (const struct mime_part *c = p->children; c != NULL; c = c->next)
		texts(m, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg *m;
	struct buf sum, tmp;
	struct msgsum_view v;
	struct msgsum_part root;
	struct rfc822_addr_list l;
	char path[128];
	int64_t t;

	buf_init(&sum, 0);
	if (msgsum_build(data, size, &sum) != 0 || msgsum_open(sum.data, sum.len, &v) != 0)
		abort(); /* any message gets a summary that opens */
	if (msgsum_section_part(&v, "", 0, &root) != 1)
		abort();
	fetch_part(data, size, &root);
	walk(&v, data, size, path, 0, 1);
	buf_free(&sum);

	mime_parse(data, size, &m);
	texts(m, m->root);
	mime_free(&m);

	rfc822_addr_parse(data, size, &l);
	rfc822_addr_list_free(&l);
	buf_init(&tmp, 0);
	rfc2047_decode((struct slice){data, size}, &tmp);
	buf_reset(&tmp);
	mime_crlf_normalize(data, size, &tmp);
	buf_free(&tmp);
	msgsum_date_parse(data, size, &t);
	return 0;
}
