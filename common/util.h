/* SPDX-License-Identifier: ISC */
/* Process-wide helpers: allocation that aborts on out-of-memory, fatal(),
 * and small string utilities. */
#ifndef BALISE_UTIL_H
#define BALISE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation never returns NULL: running out of memory aborts the process. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* For start-up errors and broken invariants only, never for client input. */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies src into dst (size dstsz, NUL-terminated); returns -1 if truncated. */
int str_copy(char *dst, size_t dstsz, const char *src);
/* ASCII lower-casing in place. */
void str_lower(char *s);
/* Wall clock in milliseconds and seconds since the epoch (UTC). */
int64_t time_now_ms(void);
int64_t time_now(void);
/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), and
 * back (H. Hinnant's algorithms): the one calendar of the code base. */
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
void civil_from_days(int64_t days, int64_t *year_r, unsigned *month_r, unsigned *day_r);

#endif
