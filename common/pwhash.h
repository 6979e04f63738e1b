/* SPDX-License-Identifier: ISC */
/* Password hashing with argon2id (libargon2): new hashes in the PHC encoded
 * form ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"), which carries its own
 * parameters, and constant-time verification against such a string. */
#ifndef BALISE_PWHASH_H
#define BALISE_PWHASH_H

#include <stddef.h>
#include <stdint.h>

#define PWHASH_ENCODED_MAX 160 /* longest encoded hash, NUL excluded */
#define PWHASH_SALT_LEN 16
#define PWHASH_HASH_LEN 32

struct pwhash_params {
	uint32_t t_cost;      /* iterations */
	uint32_t m_cost;      /* memory in KiB (at least 8 * parallelism) */
	uint32_t parallelism; /* lanes */
};

/* Hashes pw (len bytes, may contain NUL) with a fresh random 16-byte salt and
 * writes the encoded string into out (outsz bytes, NUL-terminated). Returns 0,
 * or -1 with a static English reason in *error_r (bad parameters, no
 * randomness, out too small). The caller wipes pw. */
int pwhash_hash(const char *pw, size_t len, const struct pwhash_params *params, char *out,
                size_t outsz, const char **error_r);

/* Checks pw against an encoded argon2id string. Returns 1 on a match, 0 when
 * it does not match (also when encoded is "", i.e. no password set), -1 when
 * encoded is not a valid argon2id hash or hashing fails. The comparison is
 * constant-time (libargon2). */
int pwhash_verify(const char *encoded, const char *pw, size_t len);

#endif
