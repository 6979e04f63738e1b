/* SPDX-License-Identifier: ISC */
/* Fuzz target: the Annuaire Santé extraction parser (common/annuaire.c) on
 * arbitrary bytes. Invariants of a loaded index: every entry is found
 * again by its own address (in any case), lookups return entries of that
 * address only, in file order, and the counts add up. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "annuaire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct annuaire *a, const struct annuaire_entry *x)
{
	char upper[ANNUAIRE_ADDR_MAX + 1];
	const struct annuaire_entry *e;
	size_t n = annuaire_lookup(a, x->address, &e), i;

	if (n == 0 || strlen(x->address) > ANNUAIRE_ADDR_MAX || strlen(x->idnat) > ANNUAIRE_ID_MAX)
		abort();
	for (i = 0; i < n && &e[i] != x; i++)
		if (strcmp(e[i].address, x->address) != 0 || (i > 0 && e[i].line <= e[i - 1].line))
			abort();
	if (i == n) /* not among the entries of its own address */
		abort();
	for (i = 0; x->address[i] != '\0'; i++)
		upper[i] = x->address[i] >= 'a' && x->address[i] <= 'z' ? (char)(x->address[i] - 32)
		                                                        : x->address[i];
	upper[i] = '\0';
	if (annuaire_lookup(a, upper, &e) != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ANNUAIRE_ERR_MAX];
	struct annuaire *a = annuaire_parse(data, size, "fuzz.txt", err, sizeof(err));
	size_t total = 0;

	if (a == NULL) {
		if (strncmp(err, "fuzz.txt:", 9) != 0)
			abort();
		return 0;
	}
	for (int t = ANNUAIRE_OTHER; t <= ANNUAIRE_APP; t++)
		total += annuaire_type_count(a, (enum annuaire_type)t);
	if (total != annuaire_entry_count(a) || annuaire_address_count(a) > total ||
	    annuaire_address_count(a) == 0)
		abort();
	{
		size_t n;
		const struct annuaire_entry *all = annuaire_entries(a, &n);
		if (n != total)
			abort();
		for (size_t i = 0; i < n; i++)
			check_entry(a, &all[i]);
	}
	annuaire_unref(&a);
	return 0;
}
