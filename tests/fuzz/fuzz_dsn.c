/* SPDX-License-Identifier: ISC */
/* Fuzz target: the DSN and quota alert builders on hostile inputs. The
 * input is a flags byte, then fields separated by 0xFF (return path,
 * reporting host, ENVID, then per recipient: address, ORCPT type, ORCPT,
 * status, remote host, diagnostic), the rest being the original message.
 * A report that is built must parse back with common/mime as a
 * multipart/report of the expected shape, with CRLF lines only, no line
 * past 998, and no header field or delivery-status field that we did not
 * write ourselves (an injected one aborts, so libFuzzer reports it). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"
#include "mime.h"
#include "notice.h"

#define FUZZ_DSN_RCPTS 3
#define FUZZ_DSN_FIELDS (3 + 6 * FUZZ_DSN_RCPTS)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_dsn: %s\n", why);
	abort();
}

static const char *const top_fields[] = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Language",
};

static const char *const ds_fields[] = {
    "Reporting-MTA",    "Original-Envelope-Id",
    "Arrival-Date",     "Original-Recipient",
    "Final-Recipient",  "Action",
    "Status",           "Remote-MTA",
    "Diagnostic-Code",  "Last-Attempt-Date",
    "Will-Retry-Until",
};

static bool known(struct slice name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (slice_casecmp_cstr(name, names[i]) == 0)
			return true;
	return false;
}

/* CRLF only, no NUL, lines <= 998. */
static void check_wire(struct slice s)
{
	size_t line = 0;

	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '\0')
			fail("NUL in output");
		if (s.p[i] == '\r' && (i + 1 == s.len || s.p[i + 1] != '\n'))
			fail("bare CR");
		if (s.p[i] == '\n' && (i == 0 || s.p[i - 1] != '\r'))
			fail("bare LF");
		if (s.p[i] == '\n')
			line = 0;
		else if (s.p[i] != '\r' && ++line > 998)
			fail("line past 998");
	}
}

/* Every line of a field block is a known field or a continuation; returns
 * how many times `count` appears. Blank lines separate blocks (DSN). */
static unsigned check_fields(struct slice h, const char *const *names, size_t n, bool blanks,
                             const char *count)
{
	unsigned seen = 0;
	size_t i = 0;

	while (i < h.len) {
		size_t e = i, c;
		while (e < h.len && h.p[e] != '\r')
			e++;
		if (e == i) {
			if (!blanks)
				break; /* end of the header */
		} else if (h.p[i] != ' ' && h.p[i] != '\t') {
			for (c = i; c < e && h.p[c] != ':'; c++)
				;
			if (c == e || !known((struct slice){h.p + i, c - i}, names, n))
				fail("unknown or injected field");
			if (count && slice_casecmp_cstr((struct slice){h.p + i, c - i}, count) == 0)
				seen++;
		}
		i = e + 2;
	}
	return seen;
}

static void check_report(struct slice out, const struct dsn *d)
{
	struct mime_msg *m;
	struct mime_part *p;

	check_wire(out);
	mime_parse(out.p, out.len, &m);
	p = m->root;
	check_fields(mime_part_header(m, p), top_fields, sizeof(top_fields) / sizeof(top_fields[0]),
	             false, NULL);
	if (!mime_is_type(p, "multipart", "report"))
		fail("not multipart/report");
	if (p->nchildren != (d->original.len > 0 ? 3u : 2u))
		fail("wrong number of parts");
	if (!mime_is_type(p->children, "text", "plain"))
		fail("first part not text/plain");
	p = p->children->next;
	if (!mime_is_type(p, "message", "delivery-status"))
		fail("second part not message/delivery-status");
	if (check_fields(mime_part_body(m, p), ds_fields, sizeof(ds_fields) / sizeof(ds_fields[0]),
	                 true, "Final-Recipient") != d->nrcpts)
		fail("recipient blocks miscounted");
	for (size_t i = 0; i < mime_part_body(m, p).len; i++)
		if (mime_part_body(m, p).p[i] >= 0x80)
			fail("8-bit delivery-status");
	if (p->next != NULL && !mime_is_type(p->next, "text", "rfc822-headers") &&
	    !mime_is_type(p->next, "message", "rfc822"))
		fail("third part of the wrong type");
	mime_free(&m);
}

/* Splits data at 0xFF into NUL-terminated copies; the rest is the original. */
static size_t split(const uint8_t *data, size_t size, char **f, size_t nf, size_t *rest)
{
	size_t i = 0, k = 0;

	while (k < nf) {
		size_t e = i;
		while (e < size && data[e] != 0xff)
			e++;
		f[k] = malloc(e - i + 1);
		memcpy(f[k], data + i, e - i);
		f[k][e - i] = '\0';
		k++;
		i = e < size ? e + 1 : e;
	}
	*rest = i;
	return k;
}

static const char *nonempty(const char *s)
{
	return *s ? s : NULL;
}

static void run_quota(uint8_t flags, char **f)
{
	struct notice_quota q = {.postmaster = "postmaster@balise.test",
	                         .bal = f[0],
	                         .level = flags & 1   ? 100
	                                  : flags & 2 ? 90
	                                              : 80,
	                         .used = strtoull(f[1], NULL, 10),
	                         .quota = strtoull(f[2], NULL, 10),
	                         .date = (int64_t)strtoll(f[3], NULL, 10),
	                         .host = nonempty(f[4]) ? f[4] : "mx.balise.test",
	                         .id = f[5]};
	struct buf out;
	const char *err;

	buf_init(&out, 0);
	if (notice_quota_alert(&q, &out, NULL, &err) == 0) {
		struct mime_msg *m;
		check_wire(buf_slice(&out));
		mime_parse(out.data, out.len, &m);
		check_fields(mime_part_header(m, m->root), top_fields,
		             sizeof(top_fields) / sizeof(top_fields[0]), false, NULL);
		if (!mime_is_type(m->root, "text", "plain"))
			fail("alert not text/plain");
		mime_free(&m);
	} else if (out.len != 0) {
		fail("failed alert left output");
	}
	if (getenv("FUZZ_DSN_DEBUG") != NULL)
		fprintf(stderr, "alert: %s (%zu bytes)\n", out.len ? "built" : err, out.len);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[FUZZ_DSN_FIELDS];
	struct dsn_rcpt r[FUZZ_DSN_RCPTS];
	struct dsn d;
	struct buf out;
	const char *err;
	size_t rest, nr;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	split(data + 1, size - 1, f, FUZZ_DSN_FIELDS, &rest);
	nr = 1 + (flags >> 6) % FUZZ_DSN_RCPTS;
	for (size_t i = 0; i < nr; i++) {
		char **g = f + 3 + 6 * i;
		r[i] = (struct dsn_rcpt){.rcpt = g[0],
		                         .orcpt_type = nonempty(g[1]),
		                         .orcpt = nonempty(g[2]),
		                         .status = nonempty(g[3]),
		                         .remote_mta = nonempty(g[4]),
		                         .diag = nonempty(g[5]),
		                         .action = (enum dsn_action)((flags + i) % 5),
		                         .last_attempt = i == 0 ? 0 : 1796136900,
		                         .retry_until = 1796136900 + (int64_t)i * 86400};
	}
	d = (struct dsn){.reporting_mta = nonempty(f[1]) ? f[1] : "mx.balise.test",
	                 .postmaster = "postmaster@balise.test",
	                 .return_path = f[0],
	                 .envid = nonempty(f[2]),
	                 .arrival = flags & 8 ? 1796136000 : 0,
	                 .date = 1796136900,
	                 .id = "fuzz",
	                 .ret = (enum dsn_ret)((flags >> 4) % 3),
	                 .full_max = flags & 4 ? 64 : 0,
	                 .rcpts = r,
	                 .nrcpts = nr,
	                 .original = {data + 1 + rest, size - 1 - rest}};
	buf_init(&out, 0);
	if (dsn_build(&d, &out, NULL, &err) == 0)
		check_report(buf_slice(&out), &d);
	else if (out.len != 0 || err == NULL)
		fail("failed build left output or no reason");
	if (getenv("FUZZ_DSN_DEBUG") != NULL) /* shows what the seeds reach */
		fprintf(stderr, "dsn: %s (%zu bytes)\n", out.len ? "built" : err, out.len);
	buf_free(&out);
	run_quota(flags, f + 3);
	for (size_t i = 0; i < FUZZ_DSN_FIELDS; i++)
		free(f[i]);
	return 0;
}
