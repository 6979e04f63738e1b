/* SPDX-License-Identifier: ISC */
/* Fuzz target: the IMAP command parser fed random bytes in random chunks
 * (and whole, which must give the same events), every parsed argument
 * walked, and sequence sets and SEARCH programs built from the commands. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parser.h"
#include "imap_search.h"
#include "imap_section.h"
#include "imap_seqset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPT_AUTH 0x01
#define OPT_UTF8 0x02
#define OPT_LITMINUS 0x04
#define OPT_STREAM 0x08
#define OPT_REJECT 0x10

struct run {
	struct imap_parser *p;
	unsigned opts;
	uint64_t events; /* hash of everything that happened */
	uint64_t sunk;
	bool closed;
};

static void mix(struct run *r, uint64_t v)
{
	r->events = (r->events ^ v) * 0x100000001b3ULL;
}

static void mix_slice(struct run *r, struct slice s)
{
	mix(r, s.len);
	for (size_t i = 0; i < s.len; i++)
		mix(r, s.p[i]);
}

static void try_section(struct run *r, const struct imap_arg *a)
{
	struct imap_section sec;
	struct slice rest, name;
	const char *error;

	if (imap_section_parse(a->str, &sec, &error) < 0)
		return;
	mix(r, sec.kind + sec.nparts * 7 + sec.text * 131 + sec.offset + sec.length);
	rest = sec.fields;
	while (imap_section_next_field(&rest, &name))
		mix_slice(r, name);
}

static void walk(struct run *r, const struct imap_arg *a, unsigned n, unsigned depth)
{
	struct slice s;
	uint64_t num;

	if (depth > IMAP_LIST_DEPTH_MAX + 1 || a[n].type != IMAP_ARG_EOL)
		abort();
	for (unsigned i = 0; i < n; i++) {
		mix(r, a[i].type);
		mix(r, a[i].flags);
		mix_slice(r, a[i].str);
		mix(r, imap_arg_get_astring(&a[i], &s));
		mix(r, imap_arg_get_nstring(&a[i], &s));
		mix(r, imap_arg_get_number(&a[i], &num));
		if (a[i].flags & IMAP_ARGF_SECTION)
			try_section(r, &a[i]);
		if (a[i].type == IMAP_ARG_LIST)
			walk(r, a[i].list, a[i].list_count, depth + 1);
	}
}

static int fake_keyword(void *ctx, struct slice kw)
{
	return kw.len % 2;
}

static int fake_header(void *ctx, struct slice field, struct slice value)
{
	return value.len == 0 ? 1 : (int)(field.len % 3) - 1;
}

static int fake_body(void *ctx, struct slice value, bool text)
{
	return text;
}

static const struct imap_search_msg_ops fake_ops = {fake_keyword, fake_header, fake_body};

static void try_search(struct run *r, const struct imap_arg *args, unsigned flags)
{
	struct imap_search *s = NULL;
	struct imap_seqset saved;
	const char *error;
	const struct imap_search_env env = {.now = 1700000000};
	struct imap_search_msg m = {.seq = 2,
	                            .uid = 7,
	                            .flags = IMAP_MSGF_SEEN,
	                            .size = 100,
	                            .internal_day = 19000,
	                            .sent_day = 19001,
	                            .save_day = INT32_MIN,
	                            .ops = &fake_ops};
	int res = imap_search_parse(args, flags, &s, &error);

	mix(r, (uint64_t)res);
	if (res < 0) {
		mix_slice(r, slice_from_cstr(error));
		return;
	}
	imap_seqset_init(&saved);
	imap_seqset_add(&saved, 3, 9);
	imap_seqset_normalise(&saved);
	imap_search_prepare(s, 5, 10, &saved);
	mix(r, (uint64_t)imap_search_eval(s, &env, &m));
	imap_seqset_free(&saved);
	imap_search_free(&s);
}

static void try_seqset(struct run *r, const struct imap_arg *arg)
{
	struct imap_seqset set;
	struct imap_seqset_iter it;
	const char *error;
	struct slice s;
	uint32_t n;

	if (!imap_arg_get_atom(arg, &s))
		return;
	imap_seqset_init(&set);
	if (imap_seqset_parse(&set, s, &error) == 0 && !set.saved) {
		imap_seqset_resolve(&set, 1000);
		mix(r, imap_seqset_count(&set));
		mix(r, imap_seqset_contains(&set, 500));
		imap_seqset_iter_init(&it, &set);
		for (int i = 0; i < 64 && imap_seqset_iter_next(&it, &n); i++)
			mix(r, n);
	}
	imap_seqset_free(&set);
}

static void on_command(struct run *r)
{
	const struct imap_cmd *cmd = imap_parser_command(r->p);
	const struct imap_arg *a = cmd->args;

	mix(r, 1);
	mix_slice(r, cmd->tag);
	mix_slice(r, cmd->name);
	mix(r, cmd->uid);
	walk(r, a, cmd->argc, 0);
	if (slice_casecmp_cstr(cmd->name, "SEARCH") == 0)
		try_search(r, a, 0);
	else if (slice_casecmp_cstr(cmd->name, "SORT") == 0 && a[0].type == IMAP_ARG_LIST)
		try_search(r, a + 1, IMAP_SEARCH_PARSE_CHARSET_FIRST);
	else if (cmd->argc > 0 && a[0].type == IMAP_ARG_ATOM)
		try_seqset(r, &a[0]);
	if (slice_casecmp_cstr(cmd->name, "IDLE") == 0 ||
	    slice_casecmp_cstr(cmd->name, "AUTHENTICATE") == 0)
		imap_parser_expect_line(r->p);
}

static void sink(void *ctx, const uint8_t *data, size_t len)
{
	struct run *r = ctx;

	if (len == 0)
		abort();
	for (size_t i = 0; i < len; i++)
		r->sunk = (r->sunk ^ data[i]) * 0x100000001b3ULL;
}

static enum imap_parse_result on_literal(struct run *r)
{
	const struct imap_literal_info *li = imap_parser_literal(r->p);

	mix(r, 2);
	mix(r, li->size);
	mix(r, li->sync);
	mix(r, li->argc);
	if ((r->opts & OPT_REJECT) && li->size % 3 == 0)
		return imap_parser_literal_reject(r->p, "refused", NULL);
	if ((r->opts & OPT_STREAM) && li->depth == 0 && li->size < (1u << 24))
		return imap_parser_literal_stream(r->p, sink, r);
	return imap_parser_literal_accept(r->p);
}

static void feed(struct run *r, const uint8_t *data, size_t len)
{
	while (len > 0 && !r->closed) {
		size_t used = 0;
		enum imap_parse_result res = imap_parser_feed(r->p, data, len, &used);
		if (used > len)
			abort();
		data += used;
		len -= used;
		if (res == IMAP_PARSE_LITERAL)
			res = on_literal(r);
		if (res == IMAP_PARSE_OK) {
			if (imap_parser_command(r->p)->tag.len == 0) {
				mix(r, 3);
				mix_slice(r, imap_parser_line(r->p));
			} else {
				on_command(r);
			}
		} else if (res == IMAP_PARSE_ERR) {
			const struct imap_parse_error *e = imap_parser_error(r->p);
			mix(r, 4);
			mix_slice(r, slice_from_cstr(e->reason));
			mix_slice(r, imap_parser_tag(r->p));
			r->closed = e->close;
		} else if (used == 0) {
			abort(); /* MORE must consume everything */
		}
	}
}

static uint64_t run(const uint8_t *data, size_t size, unsigned opts, uint32_t seed, bool whole)
{
	struct run r = {.p = imap_parser_new(), .opts = opts, .events = 14695981039346656037ULL};
	size_t off = 0;

	imap_parser_set_authenticated(r.p, opts & OPT_AUTH);
	imap_parser_set_utf8(r.p, opts & OPT_UTF8);
	imap_parser_set_literal_minus(r.p, opts & OPT_LITMINUS);
	while (off < size && !r.closed) {
		size_t n = size - off;
		if (!whole) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % (seed & 0x100 ? 3 : 61);
			if (n > size - off)
				n = size - off;
		}
		feed(&r, data + off, n);
		off += n;
	}
	mix(&r, imap_parser_idle(r.p));
	mix(&r, r.sunk);
	if (imap_parser_idle(r.p))
		imap_parser_release(r.p);
	imap_parser_free(&r.p);
	return r.events;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	unsigned opts;

	/* Options and chunking come from the input itself, so seed files stay
	 * plain command text. */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	opts = h & 0x1f;
	if (run(data, size, opts, h, true) != run(data, size, opts, h, false))
		abort(); /* chunking changed the outcome */
	return 0;
}
