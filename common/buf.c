/* SPDX-License-Identifier: ISC */
/* Growable buffer with a hard limit; borrowed slices. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
}

int buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + n;
	if (b->max != 0 && need > b->max)
		return -1;
	if (need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_append_u8(struct buf *b, uint8_t c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_reserve(b, (size_t)n) < 0)
		return -1;
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

int buf_cstr(struct buf *b)
{
	if (buf_reserve(b, 0) < 0)
		return -1;
	b->data[b->len] = '\0';
	return 0;
}

struct slice buf_slice(const struct buf *b)
{
	return (struct slice){b->data, b->len};
}

struct slice slice_from_cstr(const char *s)
{
	return (struct slice){(const uint8_t *)s, strlen(s)};
}

int slice_eq_cstr(struct slice s, const char *c)
{
	size_t n = strlen(c);
	return s.len == n && memcmp(s.p, c, n) == 0;
}

int slice_casecmp_cstr(struct slice s, const char *c)
{
	size_t n = strlen(c);
	int r = strncasecmp((const char *)s.p, c, s.len < n ? s.len : n);
	if (r != 0)
		return r;
	return s.len < n ? -1 : s.len > n ? 1 : 0;
}
