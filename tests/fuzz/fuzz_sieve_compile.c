/* SPDX-License-Identifier: ISC */
/* Fuzz target: the Sieve compiler (lexer, parser, validator). A script
 * that compiles must save, load back and save to the same bytes, and run
 * on a fixed message. Input starting with "BSV1" is also fed to the loader
 * with its checksum fixed, so the structural checks of the compiled form
 * are fuzzed too. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sieve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fz_msg[] =
    "From: \"A\" <a+b@example.org>\r\nTo: alice@example.com\r\nSubject: =?utf-8?q?h=C3=A9?=\r\n"
    "Date: Tue, 01 Dec 2026 10:30:00 +0100\r\nMessage-ID: <x@y>\r\n\r\nbody text\r\n";

static int yes(void *ctx, const char *a)
{
	(void)ctx;
	return a[0] == 'W';
}

static void run(const struct sieve_script *s)
{
	struct sieve_msg_env env;
	struct sieve_result r;

	memset(&env, 0, sizeof(env));
	env.msg = (const uint8_t *)fz_msg;
	env.len = sizeof(fz_msg) - 1;
	env.mail_from = "a@example.org";
	env.rcpt_to = "alice@example.com";
	env.now = 1796117400;
	env.mailbox_exists = yes;
	sieve_run(s, &env, &r);
	if (r.n == 0)
		abort(); /* there is always at least the keep or an action */
	sieve_result_free(&r);
}

static void load_raw(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	uint64_t h = 1469598103934665603ull;
	struct sieve_script *s = NULL;
	const char *why;

	if (size < 20 || memcmp(data, "BSV1", 4) != 0)
		return;
	copy = malloc(size);
	memcpy(copy, data, size);
	for (size_t i = 0; i < size - 8; i++)
		h = (h ^ copy[i]) * 1099511628211ull;
	for (unsigned i = 0; i < 8; i++)
		copy[size - 8 + i] = (uint8_t)(h >> (8 * i));
	if (sieve_load(copy, size, &s, &why) == 0) {
		run(s);
		sieve_script_free(&s);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sieve_script *s = NULL, *s2 = NULL;
	struct sieve_error err;
	struct buf a, b;
	const char *why;

	load_raw(data, size);
	if (sieve_compile((const char *)data, size, NULL, &s, &err) < 0) {
		if (s != NULL || err.msg[0] == '\0')
			abort();
		return 0;
	}
	buf_init(&a, 0);
	buf_init(&b, 0);
	if (sieve_save(s, &a) < 0 || sieve_load(a.data, a.len, &s2, &why) < 0 ||
	    sieve_save(s2, &b) < 0 || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	run(s2);
	buf_free(&a);
	buf_free(&b);
	sieve_script_free(&s);
	sieve_script_free(&s2);
	return 0;
}
