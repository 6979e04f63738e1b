/* SPDX-License-Identifier: ISC */
/* Fuzz target: what a remote SMTP server says to the outbound client. The
 * input is split into lines (LF, CR removed) fed to the reply reader, which
 * starts over after each complete or malformed reply; EHLO keywords are read
 * from each 250 line; the input also goes through xtext. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpc_reply r;
	struct smtpc_ehlo e = {0};
	char out[SMTPC_REPLY_TEXT_MAX + 40];
	size_t start = 0;
	char *s;
	struct buf b;

	smtpc_reply_reset(&r);
	for (size_t i = 0; i <= size; i++) {
		size_t len;
		int rc;

		if (i < size && data[i] != '\n')
			continue;
		len = i - start;
		if (len > 0 && data[start + len - 1] == '\r')
			len--;
		rc = smtpc_reply_feed(&r, (const char *)data + start, len);
		if (rc >= 0 && r.code == 250)
			smtpc_ehlo_line(&e, (const char *)data + start, len, r.lines == 1);
		if (rc != 0) {
			if (rc > 0) {
				smtpc_reply_format(&r, out, sizeof(out));
				if (strlen(out) >= sizeof(out) ||
				    strlen(r.text) > SMTPC_REPLY_TEXT_MAX)
					abort();
			}
			smtpc_reply_reset(&r);
		}
		start = i + 1;
	}
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	buf_init(&b, 0);
	smtpc_xtext_encode(s, &b);
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] < '!' || b.data[i] > '~' || b.data[i] == '=')
			abort();
	buf_free(&b);
	free(s);
	return 0;
}
