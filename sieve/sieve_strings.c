/* SPDX-License-Identifier: ISC */
/* Strings at compile and run time: encoded characters (RFC 5228
 * §2.4.2.4), variable expansion and "set" modifiers (RFC 5229 §3-§4). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sieve_run_int.h"
#include "util.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void put_utf8(struct buf *b, uint32_t cp)
{
	uint8_t u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | (cp >> 6));
		u[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xe0 | (cp >> 12));
		u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | (cp >> 18));
		u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

/* One "${hex:..}" or "${unicode:..}" at p (len bytes left). Returns the
 * bytes consumed (0: not an encoding, left as written), -1 on a unicode
 * value out of range. */
static long encoded_one(const char *p, size_t len, struct buf *out)
{
	bool uni;
	size_t i, start = out->len;
	unsigned groups = 0;

	if (len > 6 && strncasecmp(p, "${hex:", 6) == 0) {
		uni = false;
		i = 6;
	} else if (len > 10 && strncasecmp(p, "${unicode:", 10) == 0) {
		uni = true;
		i = 10;
	} else {
		return 0;
	}
	for (;;) {
		uint32_t v = 0;
		size_t nd = 0;
		while (i < len && is_blank(p[i]))
			i++;
		if (i < len && p[i] == '}') {
			if (groups == 0) { /* at least one hex-pair (§2.4.2.4) */
				out->len = start;
				return 0;
			}
			break;
		}
		while (i < len && hexval((unsigned char)p[i]) >= 0 && nd < 9) {
			v = v * 16 + (uint32_t)hexval((unsigned char)p[i++]);
			nd++;
		}
		if (nd == 0 || (!uni && nd > 2) || (groups > 0 && nd > 0 && !is_blank(p[i - nd - 1])) ||
		    (i < len && !is_blank(p[i]) && p[i] != '}')) {
			out->len = start;
			return 0;
		}
		if (uni && (nd > 8 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) {
			out->len = start;
			return -1;
		}
		if (uni)
			put_utf8(out, v);
		else
			buf_append_u8(out, (uint8_t)v);
		groups++;
	}
	if (i >= len) {
		out->len = start;
		return 0;
	}
	return (long)(i + 1);
}

int sieve_encoded_decode(struct sieve_str *s, const char **why)
{
	struct buf out;
	size_t i = 0;

	if (memmem(s->p, s->len, "${", 2) == NULL)
		return 0;
	buf_init(&out, 0);
	while (i < s->len) {
		long n = s->p[i] == '$' ? encoded_one(s->p + i, s->len - i, &out) : 0;
		if (n < 0) {
			buf_free(&out);
			*why = "encoded character out of the Unicode range";
			return -1;
		}
		if (n == 0)
			buf_append_u8(&out, (uint8_t)s->p[i++]);
		else
			i += (size_t)n;
	}
	buf_append_u8(&out, 0);
	free(s->p);
	s->p = (char *)out.data;
	s->len = out.len - 1;
	return 0;
}

/* --------------------------------------------------------- variables */

struct buf *sieve_var_get(struct sieve_run *r, const char *name, size_t len, bool create)
{
	struct sieve_var *v;

	if (len > SIEVE_MAX_VARNAME)
		return NULL;
	for (unsigned i = 0; i < r->nvars; i++)
		if (strlen(r->vars[i].name) == len && strncasecmp(r->vars[i].name, name, len) == 0)
			return &r->vars[i].val;
	if (!create)
		return NULL;
	if (r->nvars >= SIEVE_MAX_VARIABLES) {
		sieve_rt_error(r, "too many variables (limit %d)", SIEVE_MAX_VARIABLES);
		return NULL;
	}
	v = &r->vars[r->nvars++];
	memcpy(v->name, name, len);
	v->name[len] = '\0';
	str_lower(v->name);
	buf_init(&v->val, SIEVE_MAX_STRING);
	return &v->val;
}

/* "${" name "}" at p; the value to insert or NULL when p is not a
 * reference (copied as written). *used is the length of the reference. */
static const struct buf *var_ref(struct sieve_run *r, const char *p, size_t len, size_t *used)
{
	static const struct buf empty;
	size_t i = 2;
	bool digits = true;

	while (i < len && p[i] != '}') {
		char c = p[i];
		if (!(isalnum((unsigned char)c) || c == '_'))
			return NULL;
		digits = digits && isdigit((unsigned char)c);
		i++;
	}
	if (i >= len || i == 2)
		return NULL;
	*used = i + 1;
	if (digits) {
		unsigned long k = 0;
		for (size_t j = 2; j < i && k < 1000; j++)
			k = k * 10 + (unsigned long)(p[j] - '0');
		return k < r->nmatch ? &r->match[k] : &empty;
	}
	if (!sieve_varname_valid(p + 2, i - 2))
		return NULL;
	{
		const struct buf *v = sieve_var_get(r, p + 2, i - 2, false);
		return v != NULL ? v : &empty;
	}
}

int sieve_expand(struct sieve_run *r, const struct sieve_str *in, struct buf *out)
{
	size_t i = 0;

	if (!in->vars)
		return buf_append(out, in->p, in->len) < 0 ? sieve_rt_error(r, "string too long") : 0;
	if (sieve_step(r, in->len / 64 + 1) < 0)
		return -1;
	while (i < in->len) {
		size_t used = 0;
		const struct buf *v = NULL;
		if (in->p[i] == '$' && i + 1 < in->len && in->p[i + 1] == '{')
			v = var_ref(r, in->p + i, in->len - i, &used);
		if (v != NULL) {
			if (v->len > 0 && buf_append(out, v->data, v->len) < 0)
				return sieve_rt_error(r, "string too long (limit %d bytes)", SIEVE_MAX_STRING);
			i += used;
		} else if (buf_append_u8(out, (uint8_t)in->p[i++]) < 0) {
			return sieve_rt_error(r, "string too long (limit %d bytes)", SIEVE_MAX_STRING);
		}
	}
	return 0;
}

char *sieve_expand_dup(struct sieve_run *r, const struct sieve_str *in)
{
	struct buf b;

	buf_init(&b, SIEVE_MAX_STRING + 1);
	if (sieve_expand(r, in, &b) < 0 || buf_append_u8(&b, 0) < 0) {
		buf_free(&b);
		return NULL;
	}
	if (memchr(b.data, 0, b.len - 1) != NULL) { /* names and texts are C strings */
		buf_free(&b);
		sieve_rt_error(r, "string holds a NUL byte");
		return NULL;
	}
	return (char *)b.data;
}

void sieve_vals_push(struct sieve_vals *v, const void *p, size_t len)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = xrealloc(v->v, v->cap * sizeof(*v->v));
	}
	v->v[v->n].p = xmalloc(len + 1);
	if (len > 0)
		memcpy(v->v[v->n].p, p, len);
	v->v[v->n].p[len] = '\0';
	v->v[v->n].len = len;
	v->v[v->n].vars = false;
	v->n++;
}

void sieve_vals_free(struct sieve_vals *v)
{
	for (unsigned i = 0; i < v->n; i++)
		free(v->v[i].p);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

int sieve_expand_list(struct sieve_run *r, const struct sieve_strlist *in, struct sieve_vals *out)
{
	struct buf b;

	buf_init(&b, SIEVE_MAX_STRING);
	for (unsigned i = 0; i < in->n; i++) {
		if (!in->v[i].vars) { /* a constant (compile-time limits hold) */
			sieve_vals_push(out, in->v[i].p, in->v[i].len);
			continue;
		}
		buf_reset(&b);
		if (sieve_expand(r, &in->v[i], &b) < 0) {
			buf_free(&b);
			return -1;
		}
		sieve_vals_push(out, b.data, b.len);
	}
	buf_free(&b);
	return 0;
}

/* Number of UTF-8 characters (RFC 5229 §4.1 :length). */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			k++;
	return k;
}

/* RFC 5229 §4.1, applied by precedence: lower/upper (40), lowerfirst/
 * upperfirst (30), quotewildcard (20), length (10). */
int sieve_set_modify(struct sieve_run *r, uint32_t flags, struct buf *val)
{
	if (flags & (SIEVE_F_LOWER | SIEVE_F_UPPER))
		for (size_t i = 0; i < val->len; i++)
			val->data[i] = (uint8_t)((flags & SIEVE_F_LOWER) ? tolower(val->data[i])
			                                                 : toupper(val->data[i]));
	if (val->len > 0 && (flags & (SIEVE_F_LOWERFIRST | SIEVE_F_UPPERFIRST)))
		val->data[0] = (uint8_t)((flags & SIEVE_F_LOWERFIRST) ? tolower(val->data[0])
		                                                      : toupper(val->data[0]));
	if (flags & SIEVE_F_QUOTEWILD) {
		struct buf q;
		buf_init(&q, SIEVE_MAX_STRING);
		for (size_t i = 0; i < val->len; i++) {
			uint8_t c = val->data[i];
			if ((c == '*' || c == '?' || c == '\\') && buf_append_u8(&q, '\\') < 0)
				break;
			if (buf_append_u8(&q, c) < 0)
				break;
		}
		buf_reset(val);
		if (q.len > 0)
			buf_append(val, q.data, q.len);
		buf_free(&q);
	}
	if (flags & SIEVE_F_LENGTH) {
		size_t k = utf8_len(val->data, val->len);
		buf_reset(val);
		buf_printf(val, "%zu", k);
	}
	(void)r;
	return 0;
}
