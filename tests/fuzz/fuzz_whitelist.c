/* SPDX-License-Identifier: ISC */
/* Fuzz target: the whitelist XML reader and index on arbitrary bytes, and
 * the DN text parser on the same bytes. Checks two invariants: every entry
 * of a loaded list is found again by its own domain and DN key, and a DN
 * key read back as text gives the same key. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dn.h"
#include "whitelist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_dn(const uint8_t *data, size_t size)
{
	char key[DN_KEY_MAX], again[DN_KEY_MAX];
	const char *why;

	if (dn_normalize((const char *)data, size, key, sizeof(key), &why) < 0)
		return;
	if (dn_normalize(key, strlen(key), again, sizeof(again), &why) < 0 ||
	    strcmp(key, again) != 0)
		abort();
}

static void fuzz_lookups(const struct whitelist *wl)
{
	size_t n_ops, pairs = 0;
	const struct whitelist_operator *ops = whitelist_operators(wl, &n_ops);

	for (size_t k = 0; k < n_ops; k++) {
		if (whitelist_operator_find(wl, ops[k].key) != &ops[k])
			abort();
		for (size_t i = 0; i < ops[k].n_domains; i++) {
			const struct whitelist_entry *e;
			size_t n = whitelist_domain_entries(wl, ops[k].domains[i], &e);
			if (n == 0 || !whitelist_dn_allowed(wl, ops[k].key, ops[k].domains[i]))
				abort();
		}
		pairs += ops[k].n_domains;
	}
	if (pairs > whitelist_entry_count(wl) || whitelist_domain_count(wl) > pairs)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[WHITELIST_ERR_MAX];
	struct whitelist *wl = whitelist_parse(data, size, "fuzz.xml", err, sizeof(err));

	if (wl != NULL) {
		fuzz_lookups(wl);
		whitelist_unref(&wl);
	}
	fuzz_dn(data, size);
	return 0;
}
