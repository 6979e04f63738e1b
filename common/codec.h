/* SPDX-License-Identifier: ISC */
/* Character values shared by every decoder of hex (quoted-printable, RFC
 * 2047 Q words) and base64 (RFC 4648 section 4: MIME bodies, B words, SASL).
 * The decoders themselves differ in strictness and stay with their users. */
#ifndef BALISE_CODEC_H
#define BALISE_CODEC_H

#include <stdint.h>

/* Value of a hex digit (either case), -1 for anything else. */
static inline int codec_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of a base64 alphabet character, -1 for anything else ('=' too). */
static inline int codec_b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

#endif
