/* SPDX-License-Identifier: ISC */
/* vacation (RFC 5230) and vacation-seconds (RFC 6131): decides whether a
 * reply is due (§4.5 the user is a recipient, §4.6 no reply to lists and
 * robots, RFC 3834 §2 Auto-Submitted, §4.2 once per sender and period via
 * the caller's memory) and returns it as an action; the caller builds and
 * sends the reply. sieve_autoreply_refusal(), the RFC 3834 part, is shared
 * with Sieve at delivery. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rfc822_addr.h"
#include "sieve_run_int.h"
#include "util.h"

static bool robot_local(const char *sender)
{
	static const char *const names[] = {"mailer-daemon", "listserv", "majordomo"};
	const char *at = strrchr(sender, '@');
	size_t n = at != NULL ? (size_t)(at - sender) : strlen(sender);

	if (n == 0)
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n == strlen(names[i]) && strncasecmp(sender, names[i], n) == 0)
			return true;
	return (n >= 6 && strncasecmp(sender, "owner-", 6) == 0) ||
	       (n >= 8 && strncasecmp(sender + n - 8, "-request", 8) == 0);
}

/* RFC 3834 section 5.1: "no", alone or before parameters or a comment. */
static bool auto_submitted_no(struct slice raw)
{
	struct buf v;
	bool no;

	buf_init(&v, 1024);
	no = mime_unfold(raw, &v) == 0 && v.len >= 2 && strncasecmp((char *)v.data, "no", 2) == 0 &&
	     (v.len == 2 || v.data[2] == ';' || v.data[2] == '(' || isspace(v.data[2]));
	buf_free(&v);
	return no;
}

static bool precedence_bulk(struct slice raw)
{
	static const char *const kinds[] = {"bulk", "list", "junk"};
	struct buf v;
	bool yes = false;

	buf_init(&v, 1024);
	if (mime_unfold(raw, &v) == 0 && buf_cstr(&v) == 0)
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			yes = yes || strcasecmp((char *)v.data, kinds[i]) == 0;
	buf_free(&v);
	return yes;
}

const char *sieve_autoreply_refusal(struct slice hdr, const char *sender)
{
	struct mime_header_iter it;
	struct slice name, raw;

	if (sender == NULL || sender[0] == '\0')
		return "null sender";
	if (robot_local(sender))
		return "the sender is a robot or list address";
	mime_header_iter_init(&it, hdr);
	while (mime_header_next(&it, &name, &raw, NULL, NULL) == 1) {
		if (slice_casecmp_cstr(name, "Auto-Submitted") == 0 && !auto_submitted_no(raw))
			return "the message is auto-submitted";
		if (slice_casecmp_cstr(name, "Precedence") == 0 && precedence_bulk(raw))
			return "the message has Precedence bulk, list or junk";
		if (name.len > 5 && strncasecmp((const char *)name.p, "List-", 5) == 0)
			return "the message comes from a list";
	}
	return NULL;
}

static bool addr_in(const struct sieve_vals *mine, const char *mailbox, const char *host)
{
	size_t ml = strlen(mailbox);

	for (unsigned i = 0; i < mine->n; i++) {
		const char *a = mine->v[i].p, *at = strrchr(a, '@');
		if (at != NULL && (size_t)(at - a) == ml && strncasecmp(a, mailbox, ml) == 0 &&
		    strcasecmp(at + 1, host) == 0)
			return true;
	}
	return false;
}

/* §4.5: one of the user's addresses is in To, Cc, Bcc or a Resent- one. */
static bool user_is_recipient(struct sieve_run *r, const struct sieve_vals *mine)
{
	static const char *const fields[] = {"to", "cc", "bcc", "resent-to", "resent-cc",
	                                     "resent-bcc"};
	bool yes = false;

	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]) && !yes; f++) {
		struct sieve_vals raw = {0};
		sieve_header_values(r, NULL, fields[f], false, &raw);
		for (unsigned i = 0; i < raw.n && !yes; i++) {
			struct rfc822_addr_list l;
			rfc822_addr_parse((const uint8_t *)raw.v[i].p, raw.v[i].len, &l);
			for (unsigned j = 0; j < l.n && !yes; j++)
				yes = l.v[j].host != NULL && l.v[j].mailbox != NULL &&
				      addr_in(mine, l.v[j].mailbox, l.v[j].host);
			rfc822_addr_list_free(&l);
		}
		sieve_vals_free(&raw);
	}
	return yes;
}

/* §4.2: without :handle, the reply's arguments identify it. */
static char *default_handle(const struct sieve_action *a)
{
	uint64_t h = 1469598103934665603ull;
	const char *parts[] = {a->text, a->subject ? a->subject : "", a->from ? a->from : "",
	                       a->mime ? "mime" : ""};
	char out[17];

	for (size_t i = 0; i < 4; i++)
		for (const char *p = parts[i];; p++) {
			h = (h ^ (uint8_t)*p) * 1099511628211ull;
			if (*p == '\0')
				break;
		}
	snprintf(out, sizeof(out), "%016llx", (unsigned long long)h);
	return xstrdup(out);
}

static int opt_string(struct sieve_run *r, const struct sieve_node *n, unsigned slot,
                      char **out)
{
	if (n->tag[slot].n == 0)
		return 0;
	*out = sieve_expand_dup(r, &n->tag[slot].v[0]);
	return *out == NULL ? -1 : 0;
}

static int build(struct sieve_run *r, const struct sieve_node *n, struct sieve_action *a)
{
	a->type = SIEVE_ACT_VACATION;
	a->mime = (n->flags & SIEVE_F_MIME) != 0;
	a->seconds = n->num[SIEVE_N_SECONDS];
	if ((a->text = sieve_expand_dup(r, &n->pos[0].v[0])) == NULL ||
	    opt_string(r, n, SIEVE_S_SUBJECT, &a->subject) < 0 ||
	    opt_string(r, n, SIEVE_S_FROM, &a->from) < 0 ||
	    opt_string(r, n, SIEVE_S_HANDLE, &a->handle) < 0)
		return -1;
	if (a->from != NULL && !sieve_addr_valid(a->from, strlen(a->from)) &&
	    strchr(a->from, '<') == NULL)
		return sieve_rt_error(r, "vacation :from is not an address");
	if (a->handle == NULL)
		a->handle = default_handle(a);
	return 0;
}

/* 1 when a reply is due, 0 when the rules say no, -1 on error. */
static int reply_due(struct sieve_run *r, const struct sieve_node *n, const struct sieve_action *a)
{
	const struct sieve_msg_env *e = r->env;
	const char *sender = e->mail_from != NULL ? e->mail_from : "";
	struct sieve_vals mine = {0};
	bool ok;
	int rc;

	if (sieve_autoreply_refusal(r->hdr, sender) != NULL)
		return 0;
	if (e->rcpt_to != NULL)
		sieve_vals_push(&mine, e->rcpt_to, strlen(e->rcpt_to));
	if (sieve_expand_list(r, &n->tag[SIEVE_S_ADDRESSES], &mine) < 0) {
		sieve_vals_free(&mine);
		return -1;
	}
	ok = user_is_recipient(r, &mine);
	sieve_vals_free(&mine);
	if (!ok)
		return 0;
	if (e->vacation_sent == NULL)
		return 1;
	rc = e->vacation_sent(e->ctx, sender, a->handle, a->seconds);
	if (rc < 0)
		return sieve_rt_error(r, "vacation memory lookup failed");
	return rc == 0;
}

int sieve_cmd_vacation(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_action a;
	int rc;

	if (r->vacation_done)
		return sieve_rt_error(r, "vacation used twice");
	r->vacation_done = true;
	memset(&a, 0, sizeof(a));
	if (build(r, n, &a) < 0 || (rc = reply_due(r, n, &a)) < 0) {
		sieve_action_clear(&a);
		return -1;
	}
	if (rc == 0) {
		sieve_action_clear(&a);
		return 0;
	}
	a.target = xstrdup(r->env->mail_from);
	return sieve_act_add(r, &a);
}
