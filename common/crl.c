/* SPDX-License-Identifier: ISC */
/* nextUpdate of the CRLs in a PEM file (see crl.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crl.h"

static int asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int crl_next_update(const char *path, int64_t *next_r, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	X509_CRL *crl;
	size_t n = 0;
	bool have = false;

	if (f == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL)) != NULL) {
		const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(crl);
		int64_t t;

		n++;
		if (nu != NULL && asn1_time_unix(nu, &t) == 0 && (!have || t < *next_r)) {
			*next_r = t;
			have = true;
		}
		X509_CRL_free(crl);
	}
	ERR_clear_error(); /* the end of the file reads as an error */
	fclose(f);
	if (n == 0) {
		snprintf(err, errsz, "%s: no PEM CRL in it", path);
		return -1;
	}
	return have ? 1 : 0;
}

enum crl_freshness crl_freshness(int64_t next, int64_t now, uint64_t warn)
{
	if (next <= now)
		return CRL_STALE;
	if ((uint64_t)(next - now) <= warn)
		return CRL_SOON;
	return CRL_FRESH;
}

void crl_time_format(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
}
