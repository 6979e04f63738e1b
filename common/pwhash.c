/* SPDX-License-Identifier: ISC */
/* argon2id password hashes: creation with a getrandom(2) salt, verification
 * through libargon2 (see pwhash.h). */
#include "config.h"

#include <argon2.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "pwhash.h"

#define PWHASH_PREFIX "$argon2id$"

static int pwhash_salt(uint8_t *salt, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(salt + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

int pwhash_hash(const char *pw, size_t len, const struct pwhash_params *params, char *out,
                size_t outsz, const char **error_r)
{
	uint8_t salt[PWHASH_SALT_LEN];
	size_t need;
	int r;

	if (len > ARGON2_MAX_PWD_LENGTH) {
		*error_r = "password too long";
		return -1;
	}
	need = argon2_encodedlen(params->t_cost, params->m_cost, params->parallelism,
	                         PWHASH_SALT_LEN, PWHASH_HASH_LEN, Argon2_id);
	if (need > outsz || need > PWHASH_ENCODED_MAX + 1) {
		*error_r = "encoded hash would not fit";
		return -1;
	}
	if (pwhash_salt(salt, sizeof(salt)) < 0) {
		*error_r = "no random bytes for the salt";
		return -1;
	}
	r = argon2id_hash_encoded(params->t_cost, params->m_cost, params->parallelism, pw, len,
	                          salt, sizeof(salt), PWHASH_HASH_LEN, out, outsz);
	explicit_bzero(salt, sizeof(salt));
	if (r != ARGON2_OK) {
		*error_r = argon2_error_message(r);
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int pwhash_verify(const char *encoded, const char *pw, size_t len)
{
	int r;

	if (encoded[0] == '\0')
		return 0;
	if (strncmp(encoded, PWHASH_PREFIX, strlen(PWHASH_PREFIX)) != 0 ||
	    strlen(encoded) > PWHASH_ENCODED_MAX || len > ARGON2_MAX_PWD_LENGTH)
		return -1;
	r = argon2id_verify(encoded, pw, len);
	if (r == ARGON2_OK)
		return 1;
	if (r == ARGON2_VERIFY_MISMATCH)
		return 0;
	return -1;
}
