/* SPDX-License-Identifier: ISC */
/* Fuzz target: a SASL PLAIN response as a client sends it (common/sasl.c):
 * base64-decoded and split, and the raw input split as a decoded message.
 * Checks what the split promises: the fields lie inside the message, hold
 * no NUL, and are within the limits. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

#define ID_MAX 255
#define PW_MAX 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(struct slice f, struct slice msg, size_t max)
{
	if (f.len > max || (f.len > 0 && (f.p < msg.p || f.p + f.len > msg.p + msg.len)) ||
	    (f.len > 0 && memchr(f.p, 0, f.len) != NULL))
		abort();
}

static void check_split(struct slice msg, int rc, const struct sasl_plain *p)
{
	if (rc != SASL_PLAIN_OK)
		return;
	if (p->authcid.len == 0 || p->passwd.len == 0 ||
	    p->authzid.len + p->authcid.len + p->passwd.len + 2 != msg.len)
		abort();
	check_field(p->authzid, msg, ID_MAX);
	check_field(p->authcid, msg, ID_MAX);
	check_field(p->passwd, msg, PW_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[3 * ID_MAX + 2];
	struct slice in = {data, size};
	struct sasl_plain p;
	long n;
	int rc;

	rc = sasl_plain_split(in, ID_MAX, PW_MAX, &p);
	check_split(in, rc, &p);
	rc = sasl_plain_decode(in, buf, sizeof(buf), ID_MAX, PW_MAX, &p);
	n = sasl_b64_decode(in, buf, sizeof(buf));
	if ((n == SASL_B64_INVALID) != (rc == SASL_PLAIN_BASE64) || n > (long)sizeof(buf))
		abort();
	if (n >= 0)
		check_split((struct slice){buf, (size_t)n}, rc, &p);
	return 0;
}
