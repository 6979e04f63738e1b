/* SPDX-License-Identifier: ISC */
/* Fuzz target: what balisectl vacation set reads from the operator
 * (server/sieve_managed.c, storage store_date_check). The first line of
 * the input is a subject and, in its first 10 bytes, a date; the rest is
 * the --message-file content. Invariants: an accepted message is clean
 * UTF-8 without CR, controls (but TAB) or trailing blanks, within the
 * limit; a refusal says why and on which line; an accepted date is
 * YYYY-MM-DD; and the script generated from any accepted settings
 * compiles. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailgen.h"
#include "sieve.h"
#include "sieve_managed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const struct buf *b)
{
	const uint8_t *p = b->data;
	size_t n = b->len;

	if (n == 0 || n > STORE_VACATION_MESSAGE_MAX || p[n] != '\0')
		abort();
	if (p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\t')
		abort();
	for (size_t i = 0, len; i < n; i += len) {
		uint32_t cp;

		len = mailgen_utf8_next(p + i, n - i, &cp);
		if (len == 0 || (cp < 0x20 && cp != '\t' && cp != '\n') ||
		    (cp >= 0x7f && cp <= 0x9f))
			abort();
		if (cp == '\n' && i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))
			abort();
	}
}

static void check_date(const char *d)
{
	if (store_date_check(d) != 0)
		return;
	if (strlen(d) != STORE_DATE_LEN || d[4] != '-' || d[7] != '-' ||
	    strcmp(d, "1970-01-01") < 0)
		abort();
}

/* The script of a vacation with these settings must compile. */
static void check_script(const struct buf *msg, const char *subject, const char *date,
                         unsigned days)
{
	struct store_sieve_managed m = {0};
	struct sieve_script *s = NULL;
	struct sieve_error err;
	struct buf text;

	m.vacation = true;
	m.vacation_message = buf_slice(msg);
	m.vacation_subject = slice_from_cstr(subject);
	m.vacation_days = days;
	if (store_date_check(date) == 0)
		memcpy(days % 2 ? m.vacation_from : m.vacation_until, date, STORE_DATE_LEN + 1);
	if (days % 3 == 0) {
		m.forward = m.forward_keep_copy = true;
		memcpy(m.forward_to, "a@b.fr", 7);
	}
	buf_init(&text, 0);
	if (sieve_managed_script(&m, &text) != 0 ||
	    sieve_compile((const char *)text.data, text.len, NULL, &s, &err) != 0)
		abort();
	sieve_script_free(&s);
	buf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl != NULL ? (size_t)(nl - data) : size, lines = 1;
	char subject[STORE_VACATION_SUBJECT_MAX + 8], date[STORE_DATE_LEN + 1];
	const char *why = NULL;
	unsigned line = 0;
	struct buf msg;
	int rc;

	memset(subject, 0, sizeof(subject));
	memcpy(subject, data, first < sizeof(subject) - 1 ? first : sizeof(subject) - 1);
	memset(date, 0, sizeof(date));
	memcpy(date, subject, STORE_DATE_LEN);
	check_date(date);
	if (sieve_managed_subject_check(subject, &why) != 0) {
		if (why == NULL)
			abort();
		strcpy(subject, "");
	}
	data += nl != NULL ? first + 1 : size;
	size -= nl != NULL ? first + 1 : size;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	buf_init(&msg, 0);
	why = NULL;
	rc = sieve_managed_message(data, size, &msg, &why, &line);
	if (rc == 0) {
		check_message(&msg);
		check_script(&msg, subject, date, 1 + (unsigned)(size % STORE_VACATION_DAYS_MAX));
	} else if (rc != -1 || why == NULL || line > lines) {
		abort();
	}
	buf_free(&msg);
	return 0;
}
