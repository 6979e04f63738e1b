/* SPDX-License-Identifier: ISC */
/* Reverse and forward paths (RFC 5321 section 4.1.2), with the SMTPUTF8
 * extensions of RFC 6531 section 3.3: source routes dropped, quoted local
 * parts put in a canonical form, domains and address literals checked. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "smtp_cmd.h"
#include "smtp_xtext.h"

static bool is_alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext (ASCII part). */
static bool is_atext(uint8_t c)
{
	return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A label of letters, digits and inner hyphens; with utf8 a U-label's
 * UTF-8 characters count as letters. */
static bool label_valid(const uint8_t *p, size_t n, bool utf8)
{
	if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n;) {
		size_t k = 1;

		if (p[i] >= 0x80) {
			if (!utf8 || (k = smtp_utf8_char(p + i, n - i, NULL)) == 0)
				return false;
		} else if (!is_alnum(p[i]) && p[i] != '-') {
			return false;
		}
		i += k;
	}
	return true;
}

bool smtp_domain_valid(struct slice s, bool utf8)
{
	size_t start = 0;

	if (s.len == 0 || s.len > SMTP_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= s.len; i++) {
		if (i < s.len && s.p[i] != '.')
			continue;
		if (!label_valid(s.p + start, i - start, utf8))
			return false;
		start = i + 1;
	}
	return true;
}

/* RFC 5321 section 4.1.3: IPv4 dotted quad, "IPv6:" and an RFC 4291 address,
 * or a General-address-literal "tag:dcontent" (tag an Ldh-str). */
bool smtp_address_literal_valid(struct slice s)
{
	char tmp[SMTP_DOMAIN_MAX + 1];
	unsigned char bin[16];
	const uint8_t *colon;
	size_t n, tag;

	if (s.len < 3 || s.len > SMTP_DOMAIN_MAX || s.p[0] != '[' || s.p[s.len - 1] != ']')
		return false;
	n = s.len - 2;
	memcpy(tmp, s.p + 1, n);
	tmp[n] = '\0';
	if (memchr(tmp, '\0', n) != NULL)
		return false;
	if (n > 5 && strncasecmp(tmp, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, tmp + 5, bin) == 1;
	colon = memchr(s.p + 1, ':', n);
	if (colon == NULL)
		return inet_pton(AF_INET, tmp, bin) == 1;
	tag = (size_t)(colon - (s.p + 1));
	if (!label_valid(s.p + 1, tag, false) || tag + 1 == n)
		return false;
	for (size_t i = tag + 1; i < n; i++) {
		uint8_t c = (uint8_t)tmp[i];

		if (c < 33 || c > 126 || (c >= 91 && c <= 93))
			return false;
	}
	return true;
}

struct path_ctx {
	struct slice in; /* inside the brackets */
	size_t i;
	bool utf8;
	bool saw_8bit;
};

/* One UTF-8 character at c->in.p[c->i] where the grammar allows
 * UTF8-non-ascii: its length, 0 when refused (saw_8bit tells why). */
static size_t take_8bit(struct path_ctx *c)
{
	c->saw_8bit = true;
	if (!c->utf8)
		return 0;
	return smtp_utf8_char(c->in.p + c->i, c->in.len - c->i, NULL);
}

/* "@dom,@dom:" before the mailbox: checked, then dropped (RFC 5321
 * section 4.1.2 and appendix C: servers MUST accept and MAY ignore it). */
static bool skip_source_route(struct path_ctx *c)
{
	while (c->i < c->in.len && c->in.p[c->i] == '@') {
		size_t start = ++c->i;

		while (c->i < c->in.len && c->in.p[c->i] != ',' && c->in.p[c->i] != ':')
			c->i++;
		if (c->i == c->in.len ||
		    !smtp_domain_valid((struct slice){c->in.p + start, c->i - start}, c->utf8))
			return false;
		if (c->in.p[c->i++] == ':')
			return true;
	}
	return false;
}

/* A quoted local part: its unescaped content into q (at most
 * SMTP_LOCAL_MAX bytes), c->i left after the closing quote. */
static bool take_quoted(struct path_ctx *c, char *q, size_t *qlen)
{
	*qlen = 0;
	for (c->i++; c->i < c->in.len; c->i++) {
		uint8_t ch = c->in.p[c->i];
		size_t k = 1;

		if (ch == '"') {
			c->i++;
			return true;
		}
		if (ch == '\\') {
			if (++c->i == c->in.len || c->in.p[c->i] < 32 || c->in.p[c->i] > 126)
				return false;
			ch = c->in.p[c->i];
		} else if (ch >= 0x80) {
			if ((k = take_8bit(c)) == 0)
				return false;
		} else if (ch < 32 || ch > 126) {
			return false;
		}
		if (*qlen + k > SMTP_LOCAL_MAX)
			return false;
		memcpy(q + *qlen, c->in.p + c->i, k);
		*qlen += k;
		c->i += k - 1;
	}
	return false;
}

/* A Dot-string local part, c->i left on the "@" (or the end). */
static bool take_dot_string(struct path_ctx *c)
{
	bool need_atext = true;

	for (; c->i < c->in.len && c->in.p[c->i] != '@'; c->i++) {
		uint8_t ch = c->in.p[c->i];

		if (ch == '.' && !need_atext) {
			need_atext = true;
			continue;
		}
		if (ch >= 0x80) {
			size_t k = take_8bit(c);

			if (k == 0)
				return false;
			c->i += k - 1;
		} else if (!is_atext(ch)) {
			return false;
		}
		need_atext = false;
	}
	return !need_atext;
}

/* Is s (unescaped content) a Dot-string that needs no quotes? */
static bool dot_string_ok(const char *s, size_t n)
{
	struct path_ctx c = {{(const uint8_t *)s, n}, 0, true, false};

	return n > 0 && memchr(s, '@', n) == NULL && take_dot_string(&c) && c.i == n;
}

/* Writes the canonical local part into addr. */
static size_t put_local(struct smtp_path *path, const char *q, size_t qlen)
{
	size_t n = 0;

	if (dot_string_ok(q, qlen)) {
		memcpy(path->addr, q, qlen);
		return qlen;
	}
	path->quoted = true;
	path->addr[n++] = '"';
	for (size_t i = 0; i < qlen; i++) {
		if (q[i] == '"' || q[i] == '\\')
			path->addr[n++] = '\\';
		path->addr[n++] = q[i];
	}
	path->addr[n++] = '"';
	return n;
}

static int fail(enum smtp_reply_id *err_r, enum smtp_reply_id id)
{
	*err_r = id;
	return -1;
}

/* The mailbox after any source route: local part "@" domain. */
static int take_mailbox(struct path_ctx *c, struct smtp_path *path)
{
	char q[SMTP_LOCAL_MAX];
	size_t qlen, start = c->i, n;
	struct slice dom;

	if (c->i < c->in.len && c->in.p[c->i] == '"') {
		if (!take_quoted(c, q, &qlen))
			return -1;
	} else {
		if (!take_dot_string(c) || c->i - start > SMTP_LOCAL_MAX)
			return -1;
		qlen = c->i - start;
		memcpy(q, c->in.p + start, qlen);
	}
	if (c->i - start > SMTP_LOCAL_MAX || c->i >= c->in.len || c->in.p[c->i] != '@')
		return -1;
	dom = (struct slice){c->in.p + c->i + 1, c->in.len - c->i - 1};
	path->literal = dom.len > 0 && dom.p[0] == '[';
	if (path->literal ? !smtp_address_literal_valid(dom) : !smtp_domain_valid(dom, c->utf8)) {
		for (size_t i = 0; i < dom.len; i++)
			c->saw_8bit |= dom.p[i] >= 0x80;
		return -1;
	}
	n = put_local(path, q, qlen);
	path->local_len = n;
	path->addr[n++] = '@';
	memcpy(path->addr + n, dom.p, dom.len);
	path->addr[n + dom.len] = '\0';
	return 0;
}

int smtp_path_parse(struct slice s, bool is_mail, bool utf8, struct smtp_path *path,
                    enum smtp_reply_id *err_r)
{
	enum smtp_reply_id bad = is_mail ? SMTP_R_BAD_SENDER : SMTP_R_BAD_RCPT;
	struct path_ctx c = {{NULL, 0}, 0, utf8, false};

	memset(path, 0, sizeof(*path));
	if (s.len < 2 || s.p[0] != '<' || s.p[s.len - 1] != '>')
		return fail(err_r, is_mail ? SMTP_R_MAIL_SYNTAX : SMTP_R_RCPT_SYNTAX);
	c.in = (struct slice){s.p + 1, s.len - 2};
	if (s.len > SMTP_PATH_MAX)
		return fail(err_r, is_mail ? SMTP_R_SENDER_TOO_LONG : SMTP_R_RCPT_TOO_LONG);
	if (c.in.len == 0) {
		path->null = true;
		return is_mail ? 0 : fail(err_r, bad);
	}
	if (c.in.p[0] == '@' && !skip_source_route(&c))
		return fail(err_r, bad);
	if (!is_mail && c.in.len - c.i == 10 &&
	    strncasecmp((const char *)c.in.p + c.i, "postmaster", 10) == 0) {
		memcpy(path->addr, c.in.p + c.i, 10);
		path->local_len = 10;
		path->postmaster = true;
		return 0;
	}
	if (take_mailbox(&c, path) < 0) {
		memset(path, 0, sizeof(*path));
		return fail(err_r, c.saw_8bit && !utf8 ? SMTP_R_UTF8_NOT_ALLOWED : bad);
	}
	for (size_t i = 0; path->addr[i] != '\0'; i++)
		path->utf8 |= (uint8_t)path->addr[i] >= 0x80;
	return 0;
}
