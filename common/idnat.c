/* SPDX-License-Identifier: ISC */
/* Well-formedness of national identifiers (RPPS, ADELI, FINESS, SIRET). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "idnat.h"

/* SIRETs of La Poste's establishments share the SIREN 356000000 and do not
 * follow Luhn: the sum of their 14 digits is a multiple of 5 instead. */
#define LA_POSTE_SIREN "356000000"

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool idnat_luhn_ok(const char *digits)
{
	size_t n = strlen(digits);
	unsigned sum = 0;

	if (n < 2 || !all_digits(digits, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(digits[n - 1 - i] - '0');
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

static bool la_poste_ok(const char *siret)
{
	unsigned sum = 0;

	for (size_t i = 0; i < 14; i++)
		sum += (unsigned)(siret[i] - '0');
	return sum % 5 == 0;
}

const char *idnat_type_name(int type)
{
	switch (type) {
	case IDNAT_ADELI: return "ADELI";
	case IDNAT_FINESS: return "FINESS";
	case IDNAT_SIRET: return "SIRET";
	case IDNAT_RPPS: return "RPPS";
	case IDNAT_MSSANTE: return "MSSante address";
	default: return "unknown";
	}
}

/* The idNat starts with its type's digit(s); returns the rest or NULL. */
static const char *strip_prefix(int type, const char *idnat, const char **why_r)
{
	char prefix[4];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "%d", type);
	if (strncmp(idnat, prefix, n) != 0) {
		*why_r = "the identifier does not start with the digit of its --holder-type "
			 "(idNat = type digit + identifier, e.g. 8 + RPPS)";
		return NULL;
	}
	return idnat + n;
}

/* Digits-only identifier of exactly want digits, optionally Luhn-checked. */
static int check_digits(const char *id, size_t want, bool luhn, const char *bad_len,
			const char *bad_key, const char **why_r)
{
	if (strlen(id) != want || !all_digits(id, want)) {
		*why_r = bad_len;
		return -1;
	}
	if (luhn && !idnat_luhn_ok(id)) {
		*why_r = bad_key;
		return -1;
	}
	return 0;
}

/* An MSSante address as identifier: local@domain, nothing fancier here. */
static int check_address(const char *id, const char **why_r)
{
	const char *at = strchr(id, '@');

	if (at == NULL || at == id || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strlen(id) > IDNAT_MAX) {
		*why_r = "an identifier of type 10 must be an MSSante address (10 + local@domain)";
		return -1;
	}
	return 0;
}

int idnat_check_person(int type, const char *idnat, const char **why_r)
{
	const char *id;

	if (type != IDNAT_RPPS && type != IDNAT_ADELI && type != IDNAT_MSSANTE) {
		*why_r = "person identifier type must be 8 (RPPS), 0 (ADELI) or 10 (MSSante address)";
		return -1;
	}
	id = strip_prefix(type, idnat, why_r);
	if (id == NULL)
		return -1;
	switch (type) {
	case IDNAT_RPPS:
		return check_digits(id, 11, true, "an RPPS is 11 digits (idNat: 8 + 11 digits)",
				    "the RPPS check digit is wrong (Luhn)", why_r);
	case IDNAT_ADELI:
		return check_digits(id, 9, false, "an ADELI number is 9 digits (idNat: 0 + 9 digits)",
				    NULL, why_r);
	default:
		return check_address(id, why_r);
	}
}

/* FINESS: 9 characters, the last a Luhn key. Corsican numbers carry the
 * departement as 2A/2B; their key rule is not published in a form we could
 * verify, so for them only the shape is checked (refusing a valid structure
 * would be worse than missing a typo). */
static int check_finess(const char *id, const char **why_r)
{
	static const char *bad_len = "a FINESS number is 9 characters (idNat: 1 + 9)";

	if (strlen(id) != 9) {
		*why_r = bad_len;
		return -1;
	}
	if (id[0] == '2' && (id[1] == 'A' || id[1] == 'B')) {
		if (!all_digits(id + 2, 7)) {
			*why_r = bad_len;
			return -1;
		}
		return 0;
	}
	return check_digits(id, 9, true, bad_len, "the FINESS check digit is wrong (Luhn)", why_r);
}

static int check_siret(const char *id, const char **why_r)
{
	static const char *bad_len = "a SIRET is 14 digits (idNat: 3 + 14 digits)";

	if (strlen(id) != 14 || !all_digits(id, 14)) {
		*why_r = bad_len;
		return -1;
	}
	if (strncmp(id, LA_POSTE_SIREN, strlen(LA_POSTE_SIREN)) == 0 ? !la_poste_ok(id)
								       : !idnat_luhn_ok(id)) {
		*why_r = "the SIRET check digit is wrong (Luhn)";
		return -1;
	}
	return 0;
}

int idnat_check_structure(int type, const char *idnat, const char **why_r)
{
	const char *id;

	if (type != IDNAT_FINESS && type != IDNAT_SIRET) {
		*why_r = "structure identifier type must be 1 (FINESS) or 3 (SIRET)";
		return -1;
	}
	id = strip_prefix(type, idnat, why_r);
	if (id == NULL)
		return -1;
	return type == IDNAT_FINESS ? check_finess(id, why_r) : check_siret(id, why_r);
}
