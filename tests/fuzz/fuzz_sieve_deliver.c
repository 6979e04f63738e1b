/* SPDX-License-Identifier: ISC */
/* Fuzz target: what Sieve at delivery reads of a stranger's message and
 * writes from it (server/sieve_reply.c). The input is a flags byte, then
 * fields separated by 0xFF (sender, BAL address, :subject, reason), the
 * rest being the message. Checks: the header block lies within the
 * message; the loop marker written for a valid address is found again;
 * a vacation reply that is built parses back with common/mime, has CRLF
 * lines only and no line past 998, only header fields we write, and never
 * the message's body; the reject report is built or refused cleanly. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "sieve_reply.h"

#define FUZZ_FIELDS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_sieve_deliver: %s\n", why);
	abort();
}

static const char *const reply_fields[] = {
    "From",         "To",           "Subject",      "Date",
    "Message-ID",   "In-Reply-To",  "References",   "Auto-Submitted",
    "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Language",
};

static bool reply_field(struct slice name, bool mime)
{
	for (size_t i = 0; i < sizeof(reply_fields) / sizeof(reply_fields[0]); i++)
		if (slice_casecmp_cstr(name, reply_fields[i]) == 0)
			return true;
	return mime && name.len > 8 && strncasecmp((const char *)name.p, "Content-", 8) == 0;
}

static void check_lines(const struct buf *b)
{
	size_t col = 0;

	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r'))
			fail("bare LF");
		if (b->data[i] == '\r' && (i + 1 == b->len || b->data[i + 1] != '\n'))
			fail("bare CR");
		col = b->data[i] == '\n' ? 0 : col + 1;
		if (col > 998)
			fail("line past 998");
	}
}

static void check_reply(const struct buf *b, bool mime)
{
	struct mime_header_iter it;
	struct slice name, raw;
	struct mime_msg *m = NULL;

	check_lines(b);
	mime_header_iter_init(&it, sieve_reply_header(buf_slice(b)));
	while (mime_header_next(&it, &name, &raw, NULL, NULL) == 1)
		if (!reply_field(name, mime))
			fail("a header field we did not write");
	mime_parse(b->data, b->len, &m);
	if (m == NULL || m->root == NULL)
		fail("reply does not parse");
	mime_free(&m);
}

static void vacation(uint8_t flags, char **f, struct slice msg)
{
	struct sieve_reply_vacation v = {0};
	const char *why = NULL;
	struct buf out;

	v.from = f[1];
	v.to = f[0];
	v.subject = (flags & 2) ? f[2] : NULL;
	v.text = f[3];
	v.mime = (flags & 4) != 0;
	v.original = msg;
	v.date = 1796136900;
	v.host = "mx.balise.test";
	v.id = "F1-v1";
	buf_init(&out, 1 << 20);
	if (sieve_reply_vacation(&v, &out, &why) == 0)
		check_reply(&out, v.mime);
	else if (out.len != 0)
		fail("a refused reply left bytes");
	buf_free(&out);
}

static void reject(char **f, struct slice msg)
{
	struct sieve_reply_reject r = {.return_path = f[0],
	                               .rcpt = f[1],
	                               .reason = f[3],
	                               .reporting_mta = "mx.balise.test",
	                               .postmaster = "postmaster@balise.test",
	                               .id = "F1-j1",
	                               .arrival = 1796136900,
	                               .date = 1796136900,
	                               .original = msg};
	const char *why = NULL;
	struct buf out;

	buf_init(&out, 1 << 21);
	if (sieve_reply_reject(&r, &out, &why) == 0)
		check_lines(&out);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[FUZZ_FIELDS];
	struct slice msg, hdr;
	struct buf red;
	size_t pos = 1;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	for (int i = 0; i < FUZZ_FIELDS; i++) {
		const uint8_t *end = pos <= size ? memchr(data + pos, 0xff, size - pos) : NULL;
		size_t n = end != NULL ? (size_t)(end - (data + pos)) : size - pos;

		f[i] = strndup((const char *)data + pos, n);
		pos += n + (end != NULL);
	}
	msg = (struct slice){data + (pos < size ? pos : size), pos < size ? size - pos : 0};
	hdr = sieve_reply_header(msg);
	if (hdr.p != msg.p || hdr.len > msg.len)
		fail("header outside the message");
	(void)sieve_reply_loop_check(hdr, f[1], NULL);
	(void)sieve_reply_vacation_ok(hdr, f[0], NULL);
	buf_init(&red, 0);
	if (sieve_reply_redirected(msg, (flags & 1) ? f[0] : NULL, f[1], &red) == 0 &&
	    sieve_reply_loop_check(sieve_reply_header(buf_slice(&red)), f[1], NULL) != 1)
		fail("the marker just written is not found");
	buf_free(&red);
	vacation(flags, f, msg);
	reject(f, msg);
	for (int i = 0; i < FUZZ_FIELDS; i++)
		free(f[i]);
	return 0;
}
