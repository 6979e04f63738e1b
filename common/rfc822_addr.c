/* SPDX-License-Identifier: ISC */
/* RFC 5322 §3.4 address-list parser, lenient like the MUAs that read real
 * mail: the obsolete syntax of §4.4 (routes, phrases with dots, CFWS between
 * words), stray characters skipped, missing parts filled in. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rfc822_addr.h"
#include "util.h"

#define RFC822_MAX_COMMENT_DEPTH 32 /* nested comments followed */

struct addr_parser {
	const uint8_t *p;
	size_t pos, len;
	struct buf comment; /* text of the last comment seen in this address */
	struct rfc822_addr_list *out;
	unsigned cap;
	unsigned reserve; /* room kept for the end of an open group */
};

static bool at_end(const struct addr_parser *a)
{
	return a->pos >= a->len;
}

static uint8_t cur(const struct addr_parser *a)
{
	return a->p[a->pos];
}

/* RFC 5322 §3.2.3 atext, plus 8-bit bytes (RFC 6532) and "." so that
 * obs-phrase ("John Q. Public") and dot-atoms are one word. */
static bool is_atext(uint8_t c)
{
	return c > 0x20 && c != 0x7f && strchr("()<>[]:;@\\,\"", c) == NULL;
}

static void read_comment(struct addr_parser *a)
{
	unsigned depth = 0;

	buf_reset(&a->comment);
	while (!at_end(a)) {
		uint8_t c = a->p[a->pos++];
		if (c == '\\' && !at_end(a)) {
			buf_append_u8(&a->comment, a->p[a->pos++]);
			continue;
		}
		if (c == '(') {
			if (depth++ == 0)
				continue;
		} else if (c == ')') {
			if (--depth == 0)
				break;
		}
		if (depth > RFC822_MAX_COMMENT_DEPTH)
			depth = RFC822_MAX_COMMENT_DEPTH;
		buf_append_u8(&a->comment, c);
	}
}

/* CFWS (§3.2.2); remembers the last comment for a name-less addr-spec.
 * Returns whether any white space or comment was skipped. */
static bool skip_cfws(struct addr_parser *a)
{
	size_t start = a->pos;

	while (!at_end(a)) {
		uint8_t c = cur(a);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0')
			a->pos++;
		else if (c == '(')
			read_comment(a);
		else
			break;
	}
	return a->pos != start;
}

static void read_quoted(struct addr_parser *a, struct buf *b)
{
	a->pos++;
	while (!at_end(a) && cur(a) != '"') {
		if (cur(a) == '\\' && a->pos + 1 < a->len)
			a->pos++;
		buf_append_u8(b, a->p[a->pos++]);
	}
	if (!at_end(a))
		a->pos++;
}

/* Words of a phrase or local part: phrase gets them joined by one space,
 * local gets them joined as they are. Returns the number of words. */
static unsigned read_words(struct addr_parser *a, struct buf *phrase, struct buf *local)
{
	unsigned n = 0;

	for (;;) {
		size_t start;
		skip_cfws(a);
		if (at_end(a) || (cur(a) != '"' && !is_atext(cur(a))))
			return n;
		if (n > 0 && phrase->len > 0)
			buf_append_u8(phrase, ' ');
		if (cur(a) == '"') {
			size_t m = phrase->len;
			read_quoted(a, phrase);
			if (phrase->len > m)
				buf_append(local, phrase->data + m, phrase->len - m);
		} else {
			start = a->pos;
			while (!at_end(a) && is_atext(cur(a)))
				a->pos++;
			buf_append(phrase, a->p + start, a->pos - start);
			buf_append(local, a->p + start, a->pos - start);
		}
		n++;
	}
}

/* domain = dot-atom / domain-literal (§3.4.1), CFWS allowed around dots. */
static void read_domain(struct addr_parser *a, struct buf *b)
{
	for (;;) {
		skip_cfws(a);
		if (at_end(a))
			return;
		if (cur(a) == '[') {
			while (!at_end(a) && cur(a) != ']') {
				if (cur(a) == '\\' && a->pos + 1 < a->len)
					a->pos++;
				buf_append_u8(b, a->p[a->pos++]);
			}
			if (!at_end(a))
				buf_append_u8(b, a->p[a->pos++]);
		} else if (is_atext(cur(a))) {
			while (!at_end(a) && is_atext(cur(a)))
				buf_append_u8(b, a->p[a->pos++]);
		} else {
			return;
		}
	}
}

static char *dup_clean(const struct buf *b)
{
	char *s = xmalloc(b->len + 1);

	for (size_t i = 0; i < b->len; i++) {
		uint8_t c = b->data[i];
		s[i] = (char)(c == '\0' || c == '\r' || c == '\n' ? ' ' : c);
	}
	s[b->len] = '\0';
	return s;
}

static void emit(struct addr_parser *a, const struct buf *name, const struct buf *adl,
                 const struct buf *mailbox, const struct buf *host, const char *missing_host)
{
	struct rfc822_addr *r;

	bool group_end = mailbox == NULL;

	if (a->out->n + (group_end ? 0 : a->reserve) >= RFC822_ADDR_MAX)
		return;
	if (a->out->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 4;
		a->out->v = xrealloc(a->out->v, sizeof(*a->out->v) * a->cap);
	}
	r = &a->out->v[a->out->n++];
	r->name = name != NULL && name->len > 0 ? dup_clean(name) : NULL;
	r->adl = adl != NULL && adl->len > 0 ? dup_clean(adl) : NULL;
	r->mailbox = mailbox != NULL ? (mailbox->len > 0 ? dup_clean(mailbox)
	                                                 : xstrdup(RFC822_ADDR_MISSING_MAILBOX))
	                             : NULL;
	r->host = host != NULL && host->len > 0 ? dup_clean(host)
	          : missing_host != NULL        ? xstrdup(missing_host)
	                                        : NULL;
}

/* obs-route (§4.4): "@a,@b:" before the addr-spec in an angle-addr. */
static void read_route(struct addr_parser *a, struct buf *adl)
{
	while (!at_end(a) && (cur(a) == '@' || cur(a) == ',')) {
		uint8_t c = a->p[a->pos++];
		if (c == ',') {
			skip_cfws(a);
			if (!at_end(a) && cur(a) == '@')
				buf_append_u8(adl, ',');
			continue;
		}
		buf_append_u8(adl, '@');
		read_domain(a, adl);
		skip_cfws(a);
	}
	if (!at_end(a) && cur(a) == ':')
		a->pos++;
}

struct addr_bufs {
	struct buf phrase, local, adl, host, lp2, unused;
};

/* angle-addr (§3.4): "<" [route] addr-spec ">". */
static void read_angle(struct addr_parser *a, struct addr_bufs *b)
{
	bool had_comment = b->phrase.len == 0 && a->comment.len > 0;
	struct buf name;

	buf_init(&name, RFC822_ADDR_MAX_PART);
	buf_append(&name, b->phrase.data, b->phrase.len);
	if (had_comment)
		buf_append(&name, a->comment.data, a->comment.len);
	a->pos++;
	skip_cfws(a);
	if (!at_end(a) && cur(a) == '@')
		read_route(a, &b->adl);
	read_words(a, &b->unused, &b->lp2);
	skip_cfws(a);
	if (!at_end(a) && cur(a) == '@') {
		a->pos++;
		read_domain(a, &b->host);
	}
	while (!at_end(a) && cur(a) != '>' && cur(a) != ',')
		a->pos++; /* junk before ">" */
	if (!at_end(a) && cur(a) == '>')
		a->pos++;
	emit(a, &name, &b->adl, &b->lp2, &b->host, RFC822_ADDR_MISSING_DOMAIN);
	buf_free(&name);
}

static void bufs_init(struct addr_bufs *b)
{
	buf_init(&b->phrase, RFC822_ADDR_MAX_PART);
	buf_init(&b->local, RFC822_ADDR_MAX_PART);
	buf_init(&b->adl, RFC822_ADDR_MAX_PART);
	buf_init(&b->host, RFC822_ADDR_MAX_PART);
	buf_init(&b->lp2, RFC822_ADDR_MAX_PART);
	buf_init(&b->unused, RFC822_ADDR_MAX_PART);
}

static void bufs_free(struct addr_bufs *b)
{
	buf_free(&b->phrase);
	buf_free(&b->local);
	buf_free(&b->adl);
	buf_free(&b->host);
	buf_free(&b->lp2);
	buf_free(&b->unused);
}

static void parse_list(struct addr_parser *a, bool in_group);

/* One address or group (§3.4 address = mailbox / group). */
static void parse_address(struct addr_parser *a, bool in_group)
{
	struct addr_bufs b;

	bufs_init(&b);
	/* only a comment after the address names it, as in Dovecot */
	buf_reset(&a->comment);
	read_words(a, &b.phrase, &b.local);
	skip_cfws(a);
	if (!at_end(a) && cur(a) == ':' && !in_group) {
		unsigned before = a->out->n;
		a->pos++;
		a->reserve = 1;
		emit(a, NULL, NULL, &b.phrase, NULL, NULL); /* group start */
		parse_list(a, true);
		if (!at_end(a) && cur(a) == ';')
			a->pos++;
		a->reserve = 0;
		if (a->out->n > before)
			emit(a, NULL, NULL, NULL, NULL, NULL); /* group end */
	} else if (!at_end(a) && cur(a) == '<') {
		read_angle(a, &b);
	} else if (!at_end(a) && cur(a) == '@') {
		a->pos++;
		read_domain(a, &b.host);
		skip_cfws(a);
		emit(a, &a->comment, NULL, &b.local, &b.host, RFC822_ADDR_MISSING_DOMAIN);
	} else if (b.local.len > 0) {
		emit(a, &a->comment, NULL, &b.local, NULL, RFC822_ADDR_MISSING_DOMAIN);
	}
	bufs_free(&b);
}

static void parse_list(struct addr_parser *a, bool in_group)
{
	while (!at_end(a)) {
		size_t before;

		buf_reset(&a->comment);
		skip_cfws(a);
		if (at_end(a) || (in_group && cur(a) == ';'))
			return;
		if (cur(a) == ',' || cur(a) == ';') {
			a->pos++;
			continue;
		}
		before = a->pos;
		parse_address(a, in_group);
		skip_cfws(a);
		/* anything up to the next separator is junk */
		while (!at_end(a) && cur(a) != ',' && cur(a) != ';')
			a->pos++;
		if (a->pos == before)
			a->pos++;
	}
}

void rfc822_addr_parse(const uint8_t *p, size_t len, struct rfc822_addr_list *out)
{
	struct addr_parser a = {.p = p, .len = p != NULL ? len : 0, .out = out};

	out->v = NULL;
	out->n = 0;
	buf_init(&a.comment, RFC822_ADDR_MAX_PART);
	parse_list(&a, false);
	buf_free(&a.comment);
}

void rfc822_addr_list_free(struct rfc822_addr_list *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].adl);
		free(l->v[i].mailbox);
		free(l->v[i].host);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct rfc822_addr *rfc822_addr_first(const struct rfc822_addr_list *l)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->v[i].host != NULL && l->v[i].mailbox != NULL)
			return &l->v[i];
	return NULL;
}
