/* SPDX-License-Identifier: ISC */
/* When the CRLs of [tls] crl go stale: their nextUpdate, read by balised
 * (a warning at start-up and daily) and by balisectl config check. */
#ifndef BALISE_CRL_H
#define BALISE_CRL_H

#include <stddef.h>
#include <stdint.h>

#define CRL_ERR_MAX 512

/* The earliest nextUpdate (Unix seconds) of the PEM CRLs in path: 1 with
 * *next_r set, 0 when none of them has a nextUpdate, -1 with a reason in
 * err when the file cannot be read or holds no CRL. */
int crl_next_update(const char *path, int64_t *next_r, char *err, size_t errsz);

enum crl_freshness {
	CRL_FRESH, /* nextUpdate more than warn seconds away (or none) */
	CRL_SOON,  /* nextUpdate within warn seconds */
	CRL_STALE, /* nextUpdate passed: every verification fails */
};

/* How next (a nextUpdate) compares with now and the warning lead time. */
enum crl_freshness crl_freshness(int64_t next, int64_t now, uint64_t warn);

/* "2026-12-01T18:00:00Z" into out (at least 21 bytes). */
void crl_time_format(int64_t t, char *out, size_t outsz);

#endif
