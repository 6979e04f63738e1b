/* SPDX-License-Identifier: ISC */
/* Helpers shared by the storage test programs: a temporary environment,
 * its removal, and identifiers with a correct Luhn key. */
#ifndef BALISE_STORE_TEST_H
#define BALISE_STORE_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "balstore.h"

static inline int store_test_rm_one(const char *path, const struct stat *st, int flag,
                                    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes a directory tree made by store_test_dir. */
static inline void store_test_rmdir(const char *dir)
{
	nftw(dir, store_test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under $TMPDIR (or /tmp); dir holds 256 bytes. */
static inline void store_test_dir(char *dir)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, 256, "%s/balstore-test.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

/* Appends the Luhn key to digits (which must have room for one more). */
static inline void store_test_luhn_complete(char *digits)
{
	size_t n = strlen(digits);
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(digits[n - 1 - i] - '0');

		/* the key will be position 0: the last digit here is doubled */
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	digits[n] = (char)('0' + (10 - sum % 10) % 10);
	digits[n + 1] = '\0';
}

#endif
