/* SPDX-License-Identifier: ISC */
/* The ManageSieve command reader (server/managesieve/ms_parser.c) fed the
 * same input whole and byte by byte: both must give the same commands and
 * errors, every argument within the limits; each command's strings are
 * written back as responses (ms_resp.c). The first byte picks the command
 * after which a SASL response line is expected. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ms_parser.h"
#include "ms_resp.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of what the parser returned: commands and errors in order. */
static void note_cmd(struct buf *t, const struct ms_cmd *c)
{
	struct buf r;

	if (c->name.len > MS_NAME_MAX || c->argc > MS_ARGS_MAX)
		abort();
	buf_init(&r, 0);
	buf_append(t, c->name.p, c->name.len);
	for (unsigned i = 0; i < c->argc; i++) {
		const struct ms_arg *a = &c->arg[i];

		if (a->type == MS_ARG_NUMBER) {
			buf_printf(t, " #%u", a->num);
			continue;
		}
		if (a->str.len > MS_LITERAL_MAX || (!a->literal && a->str.len > MS_QUOTED_MAX))
			abort();
		buf_printf(t, a->literal ? " {%zu}" : " \"%zu\"", a->str.len);
		buf_append(t, a->str.p, a->str.len);
		if (ms_resp_string(&r, a->str) < 0)
			abort();
	}
	ms_resp_status(&r, MS_NO, "QUOTA/MAXSIZE", (const char *)"x");
	buf_append_str(t, "\n");
	buf_free(&r);
}

static void run(const uint8_t *data, size_t size, size_t chunk, bool sasl, struct buf *t)
{
	struct ms_parser p;
	size_t off = 0;

	ms_parser_init(&p);
	while (off < size) {
		size_t end = chunk == 0 || size - off < chunk ? size : off + chunk;

		while (off < end) {
			struct ms_cmd c;
			enum ms_perr e;
			size_t used = 0;
			enum ms_parse_status st =
			    ms_parser_feed(&p, data + off, end - off, &used, &c, &e);

			if (used > end - off)
				abort();
			off += used;
			if (st == MS_PARSE_MORE)
				break;
			if (st == MS_PARSE_CMD) {
				note_cmd(t, &c);
				if (sasl && c.name.len > 0 && (c.name.p[0] | 0x20) == 'a')
					ms_parser_expect_response(&p);
			} else {
				buf_printf(t, "E%d\n", (int)e);
				if (st == MS_PARSE_FATAL) {
					off = size;
					break;
				}
			}
		}
	}
	buf_printf(t, "P%d\n", ms_parser_pending(&p));
	ms_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;
	bool sasl;

	if (size == 0)
		return 0;
	sasl = data[0] & 1;
	data++, size--;
	buf_init(&a, 0);
	buf_init(&b, 0);
	run(data, size, 0, sasl, &a);
	run(data, size, 1, sasl, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	buf_free(&a);
	buf_free(&b);
	return 0;
}
