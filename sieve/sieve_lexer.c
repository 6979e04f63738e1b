/* SPDX-License-Identifier: ISC */
/* Sieve lexer (RFC 5228 §2.2-§2.6, §8.1): identifiers (case-insensitive),
 * tags, numbers with K/M/G, quoted strings with escapes, multi-line
 * "text:" strings with dot-stuffing, both kinds of comments. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sieve_int.h"
#include "util.h"

void sieve_error_set(struct sieve_error *err, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void sieve_lexer_init(struct sieve_lexer *lx, const char *p, size_t len, struct sieve_error *err)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = p;
	lx->len = len;
	lx->line = 1;
	lx->col = 1;
	lx->err = err;
}

void sieve_token_clear(struct sieve_token *tok)
{
	free(tok->s);
	memset(tok, 0, sizeof(*tok));
}

const char *sieve_tok_name(enum sieve_tok t)
{
	static const char *const names[] = {"end of script", "identifier", "tag", "number",
	                                    "string", "'['", "']'", "'('", "')'", "'{'", "'}'",
	                                    "','", "';'"};
	return (unsigned)t < ARRAY_LEN(names) ? names[t] : "?";
}

static int peek(const struct sieve_lexer *lx, size_t off)
{
	return lx->pos + off < lx->len ? (unsigned char)lx->p[lx->pos + off] : -1;
}

static void advance(struct sieve_lexer *lx)
{
	if (lx->pos >= lx->len)
		return;
	if (lx->p[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static int lex_error(struct sieve_lexer *lx, unsigned line, unsigned col, const char *msg)
{
	sieve_error_set(lx->err, line, col, "%s", msg);
	return -1;
}

/* White space and comments (RFC 5228 §2.3). */
static int skip_space(struct sieve_lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			advance(lx);
		} else if (c == '#') {
			while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
				advance(lx);
		} else if (c == '/' && peek(lx, 1) == '*') {
			unsigned line = lx->line, col = lx->col;
			advance(lx);
			advance(lx);
			while (!(peek(lx, 0) == '*' && peek(lx, 1) == '/')) {
				if (peek(lx, 0) == -1)
					return lex_error(lx, line, col, "unterminated comment");
				advance(lx);
			}
			advance(lx);
			advance(lx);
		} else {
			return 0;
		}
	}
}

static int str_add(struct sieve_lexer *lx, struct buf *b, int c, unsigned line, unsigned col)
{
	if (buf_append_u8(b, (uint8_t)c) < 0)
		return lex_error(lx, line, col, "string too long (limit 65536 bytes)");
	return 0;
}

static void tok_take(struct sieve_token *tok, struct buf *b)
{
	buf_append_u8(b, 0); /* the limit leaves one byte for it */
	tok->len = b->len - 1;
	tok->s = (char *)b->data;
}

/* quoted-string: "\" drops itself and keeps the next character. */
static int lex_quoted(struct sieve_lexer *lx, struct sieve_token *tok)
{
	struct buf b;

	buf_init(&b, SIEVE_MAX_STRING + 1);
	advance(lx);
	for (;;) {
		int c = peek(lx, 0);
		if (c == -1) {
			buf_free(&b);
			return lex_error(lx, tok->line, tok->col, "unterminated quoted string");
		}
		if (c == '"')
			break;
		if (c == '\\') {
			advance(lx);
			c = peek(lx, 0);
			if (c == -1)
				continue;
		}
		if (str_add(lx, &b, c, tok->line, tok->col) < 0 || b.len > SIEVE_MAX_STRING) {
			buf_free(&b);
			return lex_error(lx, tok->line, tok->col, "string too long (limit 65536 bytes)");
		}
		advance(lx);
	}
	advance(lx);
	tok->t = SIEVE_TOK_STR;
	tok_take(tok, &b);
	return 0;
}

/* Consumes one line (without its line break) into [*s, *e); false at end
 * of input without a line break. */
static bool take_line(struct sieve_lexer *lx, size_t *s, size_t *e)
{
	*s = lx->pos;
	while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
		advance(lx);
	*e = lx->pos;
	if (peek(lx, 0) == -1)
		return false;
	advance(lx);
	if (*e > *s && lx->p[*e - 1] == '\r')
		(*e)--;
	return true;
}

/* multi-line = "text:" *(SP / HTAB) (hash-comment / CRLF) *(line) "." CRLF */
static int lex_multiline(struct sieve_lexer *lx, struct sieve_token *tok)
{
	struct buf b;
	size_t s, e;

	for (int i = 0; i < 5; i++)
		advance(lx);
	while (peek(lx, 0) == ' ' || peek(lx, 0) == '\t')
		advance(lx);
	if (peek(lx, 0) == '#')
		while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
			advance(lx);
	if (peek(lx, 0) == '\r')
		advance(lx);
	if (peek(lx, 0) != '\n')
		return lex_error(lx, lx->line, lx->col, "line break expected after \"text:\"");
	advance(lx);
	buf_init(&b, SIEVE_MAX_STRING + 1);
	for (;;) {
		bool nl = take_line(lx, &s, &e);
		if (e - s == 1 && lx->p[s] == '.')
			break;
		if (!nl) {
			buf_free(&b);
			return lex_error(lx, tok->line, tok->col,
			                 "unterminated multi-line string (no \".\" line)");
		}
		if (e > s && lx->p[s] == '.')
			s++; /* dot-stuffing (§2.4.2) */
		if (buf_append(&b, lx->p + s, e - s) < 0 || buf_append(&b, "\r\n", 2) < 0 ||
		    b.len > SIEVE_MAX_STRING) {
			buf_free(&b);
			return lex_error(lx, tok->line, tok->col, "string too long (limit 65536 bytes)");
		}
	}
	tok->t = SIEVE_TOK_STR;
	tok_take(tok, &b);
	return 0;
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static void lex_word(struct sieve_lexer *lx, struct sieve_token *tok)
{
	size_t s = lx->pos;

	while (is_alpha(peek(lx, 0)) || is_digit(peek(lx, 0)))
		advance(lx);
	tok->s = xstrndup(lx->p + s, lx->pos - s);
	tok->len = lx->pos - s;
	str_lower(tok->s);
}

/* number = 1*DIGIT [ QUANTIFIER ]; anything above 2^63-1 is an error. */
static int lex_number(struct sieve_lexer *lx, struct sieve_token *tok)
{
	uint64_t v = 0, mul = 1;
	const uint64_t max = INT64_MAX;

	while (is_digit(peek(lx, 0))) {
		unsigned d = (unsigned)(peek(lx, 0) - '0');
		if (v > (max - d) / 10)
			return lex_error(lx, tok->line, tok->col, "number too large (limit 2^63-1)");
		v = v * 10 + d;
		advance(lx);
	}
	switch (peek(lx, 0)) {
	case 'k': case 'K': mul = 1024; break;
	case 'm': case 'M': mul = 1024 * 1024; break;
	case 'g': case 'G': mul = 1024 * 1024 * 1024; break;
	default: break;
	}
	if (mul != 1) {
		advance(lx);
		if (v > max / mul)
			return lex_error(lx, tok->line, tok->col, "number too large (limit 2^63-1)");
		v *= mul;
	}
	if (is_alpha(peek(lx, 0)))
		return lex_error(lx, tok->line, tok->col, "bad number");
	tok->t = SIEVE_TOK_NUM;
	tok->num = v;
	return 0;
}

static int lex_punct(struct sieve_lexer *lx, struct sieve_token *tok, int c)
{
	static const char chars[] = "[]{}(),;";
	static const enum sieve_tok toks[] = {SIEVE_TOK_LBRACKET, SIEVE_TOK_RBRACKET,
	                                      SIEVE_TOK_LBRACE,   SIEVE_TOK_RBRACE,
	                                      SIEVE_TOK_LPAREN,   SIEVE_TOK_RPAREN,
	                                      SIEVE_TOK_COMMA,    SIEVE_TOK_SEMI};
	const char *q = c > 0 ? strchr(chars, c) : NULL;

	if (q == NULL) {
		char msg[48];
		if (c >= 0x21 && c < 0x7f)
			snprintf(msg, sizeof(msg), "unexpected character '%c'", c);
		else
			snprintf(msg, sizeof(msg), "unexpected byte 0x%02x", (unsigned)c);
		return lex_error(lx, lx->line, lx->col, msg);
	}
	tok->t = toks[q - chars];
	advance(lx);
	return 0;
}

int sieve_lex(struct sieve_lexer *lx, struct sieve_token *tok)
{
	int c;

	memset(tok, 0, sizeof(*tok));
	if (skip_space(lx) < 0)
		return -1;
	tok->line = lx->line;
	tok->col = lx->col;
	c = peek(lx, 0);
	if (c == -1) {
		tok->t = SIEVE_TOK_EOF;
		return 0;
	}
	if (c == '"')
		return lex_quoted(lx, tok);
	if (is_digit(c))
		return lex_number(lx, tok);
	if (c == ':') {
		advance(lx);
		if (!is_alpha(peek(lx, 0)))
			return lex_error(lx, tok->line, tok->col, "tag name expected after ':'");
		lex_word(lx, tok);
		tok->t = SIEVE_TOK_TAG;
		return 0;
	}
	if (is_alpha(c)) {
		if (lx->len - lx->pos >= 5 && strncasecmp(lx->p + lx->pos, "text:", 5) == 0)
			return lex_multiline(lx, tok);
		lex_word(lx, tok);
		tok->t = SIEVE_TOK_IDENT;
		return 0;
	}
	return lex_punct(lx, tok, c);
}
