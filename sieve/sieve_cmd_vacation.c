/* SPDX-License-Identifier: ISC */
/* vacation (RFC 5230) and vacation-seconds (RFC 6131): decides whether a
 * reply is due (§4.5 the user is a recipient, §4.6 no reply to lists and
 * robots, RFC 3834 §2 Auto-Submitted, §4.2 once per sender and period via
 * the caller's memory) and returns it as an action; the caller builds and
 * sends the reply. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rfc822_addr.h"
#include "sieve_run_int.h"
#include "util.h"

static bool has_prefix(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

/* §4.6: MAILER-DAEMON, owner-*, *-request, LISTSERV and the null path. */
static bool robot_sender(const char *from)
{
	const char *at = strrchr(from, '@');
	char local[256];
	size_t n = at != NULL ? (size_t)(at - from) : strlen(from);

	if (n == 0 || n >= sizeof(local))
		return n == 0;
	memcpy(local, from, n);
	local[n] = '\0';
	return strcasecmp(local, "mailer-daemon") == 0 || strcasecmp(local, "listserv") == 0 ||
	       strcasecmp(local, "majordomo") == 0 || has_prefix(local, "owner-") ||
	       has_suffix(local, "-request");
}

/* RFC 3834 §5.1 Auto-Submitted other than "no", Precedence bulk/list/junk,
 * and mailing list fields (RFC 2369, RFC 2919). */
static bool automatic_message(struct sieve_run *r)
{
	static const char *const list_fields[] = {"list-id", "list-help", "list-unsubscribe",
	                                          "list-subscribe", "list-post", "list-owner",
	                                          "list-archive"};
	struct sieve_vals v = {0};
	bool yes = false;

	sieve_header_values(r, NULL, "auto-submitted", false, &v);
	for (unsigned i = 0; i < v.n; i++)
		yes = yes || strncasecmp(v.v[i].p, "no", 2) != 0 ||
		      (v.v[i].len > 2 && isalnum((unsigned char)v.v[i].p[2]));
	sieve_vals_free(&v);
	sieve_header_values(r, NULL, "precedence", false, &v);
	for (unsigned i = 0; i < v.n; i++)
		yes = yes || strcasecmp(v.v[i].p, "bulk") == 0 || strcasecmp(v.v[i].p, "list") == 0 ||
		      strcasecmp(v.v[i].p, "junk") == 0;
	sieve_vals_free(&v);
	for (size_t i = 0; i < sizeof(list_fields) / sizeof(list_fields[0]); i++)
		yes = yes || mime_header_count(r->hdr, list_fields[i]) > 0;
	return yes;
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

	if (sender[0] == '\0' || robot_sender(sender) || automatic_message(r))
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
