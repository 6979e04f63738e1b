/* SPDX-License-Identifier: ISC */
/* National identifiers of the French health directory (idNat): a one-digit
 * type prefix followed by the identifier itself.
 *
 * Persons (TRE_G08 TypeIdentifiantPersonne):
 *   type 0  ADELI  "0" + 9 digits
 *   type 8  RPPS   "8" + 11 digits, the last a Luhn check digit
 *   type 10 MSSante address (holder known only by its MSSante address);
 *           refused for new PER BALs by EX_GBM_4312
 * Structures (TRE_G07 TypeIdentifiantStructure):
 *   type 1  FINESS "1" + 9 characters, the last a Luhn check digit
 *   type 3  SIRET  "3" + 14 digits, Luhn (La Poste's 356000000 SIRETs use
 *           the sum-of-digits-multiple-of-5 rule instead)
 *
 * The CLI takes --holder-type N and --holder IDNAT, and they must agree. */
#ifndef BALISE_IDNAT_H
#define BALISE_IDNAT_H

#include <stdbool.h>

enum idnat_type {
	IDNAT_ADELI = 0,
	IDNAT_FINESS = 1,
	IDNAT_SIRET = 3,
	IDNAT_RPPS = 8,
	IDNAT_MSSANTE = 10,
};

#define IDNAT_MAX 32 /* longest idNat kept, NUL excluded */

/* Luhn check over a string of ASCII digits (the last one being the key). */
bool idnat_luhn_ok(const char *digits);

/* Checks that idnat is a well-formed person identifier of the given type
 * (prefix agrees with type, length, digits, check digit). 0, or -1 with a
 * static English reason in *why_r. Type 10 (MSSante address) is well formed
 * when it is an address; whether it may be used is a BAL rule. */
int idnat_check_person(int type, const char *idnat, const char **why_r);
/* Same for a structure identifier (types 1 and 3). */
int idnat_check_structure(int type, const char *idnat, const char **why_r);

/* "RPPS", "ADELI", "FINESS", "SIRET", "MSSante address" or "unknown". */
const char *idnat_type_name(int type);

#endif
