/* SPDX-License-Identifier: ISC */
/* imapload: the deterministic messages the benchmark seeds and appends, so
 * that every FETCH body, size and SEARCH answer can be checked byte for
 * byte by any client that knows the user number. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imapload.h"

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Body lines of 70 printable characters; total size between 400 B and
 * about 16 KB, as in a mailbox of ordinary mail. */
static void body_add(struct growbuf *b, uint64_t seed)
{
	static const char alpha[] =
	    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789.,";
	size_t lines = 6 + (size_t)(mix64(seed) % 220);
	char line[72];

	for (size_t l = 0; l < lines; l++) {
		uint64_t r = mix64(seed + l + 1);
		for (size_t k = 0; k < 70; k++) {
			line[k] = alpha[r % (sizeof(alpha) - 1)];
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			r ^= r >> 29;
		}
		line[70] = '\r';
		line[71] = '\n';
		gb_add(b, line, sizeof(line));
	}
}

static void hdr_add(struct growbuf *b, unsigned u, const char *id, const char *key,
                    const char *subject)
{
	char h[1024];
	int n = snprintf(h, sizeof(h),
	                 "Date: Tue, 01 Dec 2026 12:00:00 +0000\r\n"
	                 "From: Bench Sender <sender@bench.test>\r\n"
	                 "To: user%u <user%u@bench.test>\r\n"
	                 "Subject: %s\r\n"
	                 "Message-ID: <%s@bench.test>\r\n"
	                 "X-Bench-Key: %s\r\n"
	                 "MIME-Version: 1.0\r\n"
	                 "Content-Type: text/plain; charset=us-ascii\r\n"
	                 "\r\n",
	                 u, u, subject, id, key);
	gb_add(b, h, (size_t)n);
}

char *msg_seeded(unsigned u, unsigned i, size_t *len_r, size_t *hdr_len_r)
{
	struct growbuf b = {0};
	char id[64], key[16], subject[64];

	snprintf(id, sizeof(id), "seed.%u.%u", u, i);
	snprintf(key, sizeof(key), "kq%u", i % MSG_KEYS);
	snprintf(subject, sizeof(subject), "seeded message %u for user %u", i, u);
	hdr_add(&b, u, id, key, subject);
	*hdr_len_r = b.len;
	body_add(&b, ((uint64_t)u << 32) | i);
	*len_r = b.len;
	return b.p;
}

/* Seeded messages are made once and kept: the generator checks every
 * FETCH against them and must not spend its CPU remaking them. */
struct msg_cached {
	char *p;
	size_t len, hdr_len;
};
static struct msg_cached *cache;
static unsigned cache_users, cache_msgs;

void msg_cache_init(unsigned users, unsigned messages)
{
	cache = calloc((size_t)users * messages, sizeof(*cache));
	if (cache == NULL)
		abort();
	cache_users = users;
	cache_msgs = messages;
}

const char *msg_get(unsigned u, unsigned i, size_t *len_r, size_t *hdr_len_r)
{
	struct msg_cached *m;

	if (u >= cache_users || i >= cache_msgs)
		abort();
	m = &cache[(size_t)u * cache_msgs + i];
	if (m->p == NULL)
		m->p = msg_seeded(u, i, &m->len, &m->hdr_len);
	*len_r = m->len;
	*hdr_len_r = m->hdr_len;
	return m->p;
}

char *msg_appended(unsigned u, uint64_t n, size_t *len_r)
{
	struct growbuf b = {0};
	char id[64], subject[64];

	snprintf(id, sizeof(id), "app.%u.%llu", u, (unsigned long long)n);
	snprintf(subject, sizeof(subject), "appended message %llu", (unsigned long long)n);
	hdr_add(&b, u, id, "app", subject);
	body_add(&b, ((uint64_t)u << 40) ^ (n * 7919) ^ 0x5eed);
	*len_r = b.len;
	return b.p;
}
