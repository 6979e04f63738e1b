/* SPDX-License-Identifier: ISC */
/* The one owned growable byte buffer and the one borrowed view. Protocol
 * data always travels with its length: it may contain NUL bytes. */
#ifndef BALISE_BUF_H
#define BALISE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct slice {
	const uint8_t *p;
	size_t len;
};

/* max is the protocol limit: an append that would pass it fails (returns -1)
 * and leaves the buffer unchanged. max == 0 means no limit. */
struct buf {
	uint8_t *data;
	size_t len, cap, max;
};

#define SLICE_STR(s) ((struct slice){(const uint8_t *)(s), sizeof(s) - 1})

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Makes room for n more bytes; -1 if that passes max. */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_append_u8(struct buf *b, uint8_t c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Drops the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* NUL-terminates without counting the NUL in len; -1 past max. */
int buf_cstr(struct buf *b);
struct slice buf_slice(const struct buf *b);

struct slice slice_from_cstr(const char *s);
int slice_eq_cstr(struct slice s, const char *c);
int slice_casecmp_cstr(struct slice s, const char *c);

#endif
