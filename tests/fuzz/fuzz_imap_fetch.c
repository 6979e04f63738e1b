/* SPDX-License-Identifier: ISC */
/* Fuzz target: FETCH item lists and response rendering. The input's first
 * line is a FETCH item list, the rest a message: parse the list, build the
 * message summary, render the list and a fixed list of every item, in one
 * go and in chunks of input-chosen sizes; the two must agree and every
 * response must be well formed (literal counts exact, BINARY.SIZE equal to
 * the BINARY literal). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_fetch_items.h"
#include "imap_fetch_render.h"
#include "imap_parser.h"
#include "msgsum.h"

#define FUZZ_FETCH_LINE_MAX 4096 /* longest item list taken from the input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every item, with the section parts a small message has. */
static const char everything[] =
    "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE RFC822 RFC822.HEADER "
    "RFC822.TEXT MODSEQ SAVEDATE BODY[] BODY[HEADER] BODY[TEXT] BODY[1] BODY[1.MIME] "
    "BODY[1.HEADER] BODY[1.TEXT] BODY[2.1] BODY[2.HEADER.FIELDS (From Subject)] "
    "BODY.PEEK[HEADER.FIELDS.NOT (Received)]<3.40> BODY[1.2.3.MIME]<1.1> BINARY[] BINARY[1] "
    "BINARY[2] BINARY[1.1]<2.7> BINARY.PEEK[2.2] BINARY.SIZE[1] BINARY.SIZE[2] BINARY.SIZE[2.1] "
    "BINARY.SIZE[] BINARY[3])";

struct src {
	const uint8_t *p;
	size_t len;
};

static int src_read(void *arg, uint64_t off, void *out, size_t len, size_t *got_r)
{
	const struct src *s = arg;

	if (off > s->len)
		abort(); /* the renderer must stay within the message */
	if (len > s->len - off)
		len = s->len - (size_t)off;
	memcpy(out, s->p + off, len);
	*got_r = len;
	return 0;
}

static int src_keyword(void *arg, unsigned idx, struct slice *name_r)
{
	(void)arg;
	*name_r = idx == 3 ? SLICE_STR("$Junk") : SLICE_STR("kw");
	return idx % 2;
}

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_imap_fetch: %s\n", why);
	abort();
}

/* Reads a number at *pos up to stop; false if none. */
static bool number(const uint8_t *p, size_t len, size_t *pos, char stop, uint64_t *n_r)
{
	uint64_t n = 0;
	size_t start = *pos;

	while (*pos < len && p[*pos] >= '0' && p[*pos] <= '9' && *pos - start < 19)
		n = n * 10 + (uint64_t)(p[(*pos)++] - '0');
	if (*pos == start || *pos >= len || p[*pos] != stop)
		return false;
	(*pos)++;
	*n_r = n;
	return true;
}

/* Walks one response: "* 1 FETCH (" ... ")\r\n", every "{n}\r\n" or
 * "~{n}\r\n" followed by exactly n bytes, no NUL in a plain literal, no
 * NUL or bare LF outside literals, quoted strings closed and without CR or
 * LF. Returns the size of the first literal. */
static uint64_t check_response(const uint8_t *p, size_t len)
{
	static const char head[] = "* 1 FETCH (";
	uint64_t first = UINT64_MAX;

	if (len < sizeof(head) + 2 || memcmp(p, head, sizeof(head) - 1) != 0 ||
	    memcmp(p + len - 3, ")\r\n", 3) != 0)
		fail("bad frame");
	for (size_t i = 0; i < len; i++) {
		uint64_t n;
		size_t at = i;
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			fail("bare LF outside a literal");
		if (p[i] == 0)
			fail("NUL outside a literal8");
		if (p[i] == '"') {
			/* quoted string (RFC 3501 §9): skip it, escapes included */
			for (i++; i < len && p[i] != '"'; i++)
				if (p[i] == '\\' || p[i] == '\r' || p[i] == '\n')
					i += p[i] == '\\' ? 1 : len; /* CR/LF: fail below */
			if (i >= len)
				fail("bad quoted string");
			continue;
		}
		if (p[i] != '{')
			continue;
		i++;
		if (!number(p, len, &i, '}', &n) || i + 2 > len || p[i] != '\r' || p[i + 1] != '\n')
			fail("bad literal header");
		i += 2;
		if (n > len - i)
			fail("literal longer than the response");
		if (at > 0 && p[at - 1] != '~' && memchr(p + i, 0, (size_t)n) != NULL)
			fail("NUL in a plain literal");
		if (first == UINT64_MAX)
			first = n;
		i = i + (size_t)n - 1; /* the loop steps past the content */
	}
	return first;
}

/* Renders plan in one go and in chunks; -1 if refused (UNKNOWN-CTE),
 * else 0 with *lit_r the size of the response's first literal (UINT64_MAX:
 * none) and *num_r the number that ends it (0: none). */
static int render_one(const struct imap_fetch_plan *plan, const struct imap_fetch_msg *m,
                      unsigned opts, const uint8_t *sizes, size_t nsizes, uint64_t *lit_r,
                      uint64_t *num_r)
{
	int ret = -1;
	struct imap_fetch_render r;
	struct buf one, chunked;
	enum imap_fetch_err err, err2;
	const char *error;
	int k, k1;
	size_t i = 0;

	buf_init(&one, 0);
	buf_init(&chunked, 0);
	k1 = imap_fetch_render(plan, 1, m, opts, 0, &one, &err, &error);
	if (imap_fetch_render_begin(&r, plan, 1, m, opts, 0, &err2, &error) < 0) {
		if (k1 == 0 || err != err2)
			fail("begin and one-shot disagree");
	} else {
		do {
			size_t max = nsizes > 0 ? 1 + sizes[i++ % nsizes] * 37u : 4096;
			size_t before = chunked.len;
			k = imap_fetch_next_chunk(&r, &chunked, max, &error);
			if (chunked.len - before > max || (k == 1 && chunked.len == before))
				fail("chunk bound");
		} while (k == 1);
		if (k != 0 || k1 != 0)
			fail("read error on a well-formed source");
		if (one.len != chunked.len || memcmp(one.data, chunked.data, one.len) != 0)
			fail("chunked and one-shot differ");
		*lit_r = check_response(one.data, one.len);
		ret = 0;
		/* a number that ends the response, as in "BINARY.SIZE[1] 42)" */
		size_t d = one.len - 3;
		while (d > 0 && one.data[d - 1] >= '0' && one.data[d - 1] <= '9')
			d--;
		*num_r = d < one.len - 3 ? strtoull((const char *)one.data + d, NULL, 10) : 0;
	}
	imap_fetch_render_free(&r);
	buf_free(&one);
	buf_free(&chunked);
	return ret;
}

static int run_items(const char *items, size_t items_len, const struct imap_fetch_msg *m,
                     unsigned opts, const uint8_t *sizes, size_t nsizes, uint64_t *lit_r,
                     uint64_t *num_r)
{
	int r = -1;
	struct imap_parser *p = imap_parser_new();
	struct imap_fetch_plan plan;
	char line[FUZZ_FETCH_LINE_MAX + 32];
	const struct imap_cmd *cmd;
	const char *error;
	size_t used;
	int n;

	imap_parser_set_authenticated(p, true);
	n = snprintf(line, sizeof(line), "a UID FETCH 1 %.*s\r\n", (int)items_len, items);
	if (n > 0 && (size_t)n < sizeof(line) &&
	    imap_parser_feed(p, (const uint8_t *)line, (size_t)n, &used) == IMAP_PARSE_OK) {
		cmd = imap_parser_command(p);
		if (cmd->argc >= 2 &&
		    imap_fetch_items_parse(&cmd->args[1], true, &plan, &error) == 0)
			r = render_one(&plan, m, opts, sizes, nsizes, lit_r, num_r);
	}
	imap_parser_free(&p);
	return r;
}

/* RFC 3516 §4.3: BINARY.SIZE[s] is the length BINARY[s] sends. */
static void check_binary_size(const struct imap_fetch_msg *m, const char *path)
{
	char items[64];
	uint64_t num = 0, size = 0, lit = 0, none;
	int k1, k2;

	snprintf(items, sizeof(items), "BINARY.PEEK[%s]", path);
	k1 = run_items(items, strlen(items), m, 0, NULL, 0, &lit, &num);
	snprintf(items, sizeof(items), "BINARY.SIZE[%s]", path);
	k2 = run_items(items, strlen(items), m, 0, NULL, 0, &none, &size);
	if (k1 != k2)
		fail("BINARY and BINARY.SIZE disagree on the encoding");
	if (k1 == 0 && lit != size)
		fail("BINARY.SIZE differs from the BINARY literal");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl =
	    memchr(data, '\n', size < FUZZ_FETCH_LINE_MAX ? size : FUZZ_FETCH_LINE_MAX);
	size_t line_len = nl != NULL ? (size_t)(nl - data) : 0;
	struct src s = {data + line_len + (nl != NULL), size - line_len - (nl != NULL)};
	struct store_msg sm = {.uid = 7, .flags = 0x1f, .keywords = 0xf0f, .size = s.len};
	struct imap_fetch_msg m = {&sm, NULL, src_read, src_keyword, &s};
	struct msgsum_view v;
	struct buf sum;

	buf_init(&sum, 0);
	if (msgsum_build(s.p, s.len, &sum) == 0 && msgsum_open(sum.data, sum.len, &v) == 0) {
		m.sum = &v;
		/* the item line's bytes double as chunk sizes */
		uint64_t lit, num;
		run_items((const char *)data, line_len, &m,
		          IMAP_FETCH_OPT_FLAGS | IMAP_FETCH_OPT_MODSEQ, data, line_len, &lit, &num);
		run_items(everything, sizeof(everything) - 1, &m, IMAP_FETCH_OPT_FLAGS, data,
		          line_len, &lit, &num);
		check_binary_size(&m, "1");
		check_binary_size(&m, "2");
		check_binary_size(&m, "1.1");
	}
	buf_free(&sum);
	return 0;
}
