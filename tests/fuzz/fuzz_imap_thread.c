/* SPDX-License-Identifier: ISC */
/* SORT and THREAD (server/imap/imap_sort.c, imap_thread.c) on random
 * header sets: every message appears once in a well-formed answer, the
 * input order does not matter, and the base subject agrees with msgsum's.
 * Input: messages separated by 0xff; in each, lines "<letter><value>":
 * m Message-ID, r References, i In-Reply-To, s Subject, d sent date
 * (decimal; none = no Date), a arrival, f From, t To, c Cc, n From name. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_sort.h"
#include "imap_thread.h"

#define FUZZ_MAX_MSGS 200

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t fuzz_number(struct slice v)
{
	int64_t n = 0;

	for (size_t i = 0; i < v.len && i < 12; i++)
		n = n * 10 + (v.p[i] >= '0' && v.p[i] <= '9' ? v.p[i] - '0' : 0);
	return n;
}

static void fuzz_line(struct imap_sort_msg *m, const uint8_t *p, size_t len)
{
	struct slice v = {p + 1, len - 1};

	switch (p[0]) {
	case 'm':
		m->message_id = v;
		break;
	case 'r':
		m->references = v;
		break;
	case 'i':
		m->in_reply_to = v;
		break;
	case 's':
		m->subject = v;
		break;
	case 'd':
		m->sent_date = fuzz_number(v);
		break;
	case 'a':
		m->internal_date = fuzz_number(v);
		break;
	case 'f':
		m->from = v;
		break;
	case 't':
		m->to = v;
		break;
	case 'c':
		m->cc = v;
		break;
	case 'n':
		m->from_name = v;
		break;
	default:
		break;
	}
}

static size_t fuzz_parse(const uint8_t *data, size_t size, struct imap_sort_msg *msgs)
{
	size_t n = 0, i = 0;

	while (i < size && n < FUZZ_MAX_MSGS) {
		struct imap_sort_msg *m = &msgs[n];
		memset(m, 0, sizeof(*m));
		m->seq = (uint32_t)n + 1;
		m->uid = (uint32_t)n * 3 + 7;
		m->sent_date = IMAP_SORT_NO_DATE;
		while (i < size && data[i] != 0xff) {
			size_t e = i;
			while (e < size && data[e] != '\n' && data[e] != 0xff)
				e++;
			if (e > i)
				fuzz_line(m, data + i, e - i);
			i = e < size && data[e] == '\n' ? e + 1 : e;
		}
		i++;
		n++;
	}
	return n;
}

/* The answer is balanced, and every sequence number 1..n occurs once. */
static void fuzz_check_thread(const struct buf *out, size_t n)
{
	unsigned char seen[FUZZ_MAX_MSGS + 1] = {0};
	long depth = 0;
	size_t count = 0;

	for (size_t i = 0; i < out->len; i++) {
		uint8_t c = out->data[i];
		if (c == '(' || c == ')') {
			depth += c == '(' ? 1 : -1;
			if (depth < 0)
				abort();
			continue;
		}
		if (c == ' ')
			continue;
		if (c < '1' || c > '9' || depth == 0)
			abort();
		unsigned long v = 0;
		while (i < out->len && out->data[i] >= '0' && out->data[i] <= '9')
			v = v * 10 + (out->data[i++] - '0');
		i--;
		if (v == 0 || v > n || seen[v]++)
			abort();
		count++;
	}
	if (depth != 0 || count != n)
		abort();
}

static void fuzz_thread(const struct imap_sort_msg *msgs, const struct imap_sort_msg *rev, size_t n,
                        enum imap_thread_algo algo)
{
	struct buf a, b;

	buf_init(&a, 0);
	buf_init(&b, 0);
	if (imap_thread_run(algo, msgs, n, false, &a) < 0 ||
	    imap_thread_run(algo, rev, n, false, &b) < 0)
		abort();
	fuzz_check_thread(&a, n);
	if (a.len != b.len || (a.len != 0 && memcmp(a.data, b.data, a.len) != 0))
		abort();
	buf_free(&a);
	buf_free(&b);
}

static void fuzz_sort(const struct imap_sort_msg *msgs, size_t n, uint8_t sel)
{
	struct imap_sort_program prog = {.n = 3};
	uint32_t order[FUZZ_MAX_MSGS];
	unsigned char seen[FUZZ_MAX_MSGS] = {0};

	for (unsigned k = 0; k < prog.n; k++) {
		prog.c[k].key = (enum imap_sort_key)((sel + k * 3) % (IMAP_SORT_DISPLAYTO + 1));
		prog.c[k].reverse = (sel >> k) & 1;
	}
	imap_sort_run(&prog, msgs, n, order);
	for (size_t i = 0; i < n; i++)
		if (order[i] >= n || seen[order[i]]++)
			abort();
}

/* The summary's base subject is computed by msgsum_subject.c; ours by
 * imap_sort.c: they must agree. */
static void fuzz_subjects(const struct imap_sort_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct buf a, b, k;
		bool reply;

		buf_init(&a, 0);
		buf_init(&b, 0);
		buf_init(&k, 0);
		imap_sort_base_subject(msgs[i].subject, &a, &reply);
		msgsum_base_subject(msgs[i].subject, &b);
		if (a.len != b.len || (a.len != 0 && memcmp(a.data, b.data, a.len) != 0))
			abort();
		imap_sort_casemap(msgs[i].subject, &k);
		buf_free(&a);
		buf_free(&b);
		buf_free(&k);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imap_sort_msg msgs[FUZZ_MAX_MSGS], rev[FUZZ_MAX_MSGS];
	size_t n = fuzz_parse(data, size, msgs);

	for (size_t i = 0; i < n; i++)
		rev[i] = msgs[n - 1 - i];
	fuzz_thread(msgs, rev, n, IMAP_THREAD_REFERENCES);
	fuzz_thread(msgs, rev, n, IMAP_THREAD_ORDEREDSUBJECT);
	fuzz_sort(msgs, n, size > 0 ? data[0] : 0);
	fuzz_subjects(msgs, n);
	return 0;
}
