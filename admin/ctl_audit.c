/* SPDX-License-Identifier: ISC */
/* balisectl audit search|export|expire: reading the audit traces
 * (EX_GDT_5040, 5050, 5070) and running their retention (docs/audit.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "util.h"

#define CTL_DAY 86400

struct ctl_audit_out {
	bool json, lines;
	uint64_t n;
	struct buf b;
};

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
static void ctl_audit_time(int64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec % 60,
	         (int)(ms % 1000));
}

static int ctl_audit_row(void *arg, const struct store_audit *r)
{
	struct ctl_audit_out *o = arg;
	char t[80];

	if (o->json || o->lines) {
		o->b.len = 0;
		store_audit_json(r, &o->b);
		printf("%s%.*s%s", o->json ? (o->n == 0 ? "[\n" : ",\n") : "", (int)o->b.len,
		       (const char *)o->b.data, o->lines ? "\n" : "");
	} else {
		ctl_audit_time(r->time_ms, t, sizeof(t));
		printf("%s %-28s %-8s %s bal=%s src=%s%s%.0u client=%s request=\"%s\" "
		       "response=\"%s\"",
		       t, r->action, store_audit_by_name(r->by), r->actor[0] ? r->actor : "-",
		       r->bal[0] ? r->bal : "-", r->src[0] ? r->src : "-", r->port ? ":" : "",
		       (unsigned)r->port, r->client[0] ? r->client : "-", r->request, r->response);
		if (r->ref[0] != '\0' || r->size != 0)
			printf(" ref=%s message_id=%s sender=<%s> rcpts=%s size=%llu",
			       r->ref[0] ? r->ref : "-", r->message_id[0] ? r->message_id : "-",
			       r->sender, r->rcpts != NULL && r->rcpts[0] ? r->rcpts : "-",
			       (unsigned long long)r->size);
		printf("\n");
	}
	o->n++;
	return 0;
}

/* --since / --until into milliseconds; a usage error names the option. */
static int ctl_audit_range(struct ctl *ctl, const struct ctl_args *args, bool required,
                           struct store_audit_filter *f)
{
	static const char *const names[2] = {"since", "until"};
	int64_t *dst[2] = {&f->since_ms, &f->until_ms};

	for (int i = 0; i < 2; i++) {
		const char *v = ctl_arg(args, names[i]);
		int64_t t;

		if (v == NULL && required)
			return ctl_usage(ctl, "--%s DATE is required", names[i]);
		if (v == NULL)
			continue;
		if (ctl_parse_date(v, &t) < 0)
			return ctl_usage(ctl, "--%s: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not "
			                      "\"%s\"", names[i], v);
		if (t < 0)
			return ctl_usage(ctl, "--%s: before 1970", names[i]);
		*dst[i] = t * 1000;
	}
	if (f->until_ms != 0 && f->until_ms <= f->since_ms)
		return ctl_usage(ctl, "--until must be after --since");
	return CTL_EXIT_OK;
}

static int ctl_audit_list(struct ctl *ctl, const struct store_audit_filter *f,
                          struct ctl_audit_out *o)
{
	struct store_txn *txn;
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	buf_init(&o->b, 0);
	r = store_read_begin(ctl->store, &txn);
	if (r == 0)
		r = store_audit_each(txn, f, ctl_audit_row, o);
	store_read_end(&txn);
	buf_free(&o->b);
	if (o->json)
		printf(o->n == 0 ? "[]\n" : "\n]\n");
	return r < 0 ? ctl_fail(ctl, "%s", store_strerror(r)) : CTL_EXIT_OK;
}

int ctl_audit_search(struct ctl *ctl, const struct ctl_args *args)
{
	struct store_audit_filter f = {0};
	struct ctl_audit_out o = {.json = ctl_flag(args, "json")};
	int r = ctl_audit_range(ctl, args, false, &f);

	if (r != CTL_EXIT_OK)
		return r;
	f.bal = ctl_arg(args, "bal");
	f.actor = ctl_arg(args, "actor");
	f.action = ctl_arg(args, "action");
	if (f.bal != NULL && (strlen(f.bal) > STORE_ADDR_MAX || f.bal[0] == '\0'))
		return ctl_usage(ctl, "--bal: expected an address of at most %d bytes",
		                 STORE_ADDR_MAX);
	if (f.action != NULL && f.action[0] == '\0')
		return ctl_usage(ctl, "--action: expected an action or a prefix (\"imap\")");
	if (f.actor != NULL && f.actor[0] == '\0')
		return ctl_usage(ctl, "--actor: expected an address, a user or a DN");
	return ctl_audit_list(ctl, &f, &o);
}

int ctl_audit_export(struct ctl *ctl, const struct ctl_args *args)
{
	struct store_audit_filter f = {0};
	struct ctl_audit_out o = {.lines = true};
	int r = ctl_audit_range(ctl, args, true, &f);

	return r != CTL_EXIT_OK ? r : ctl_audit_list(ctl, &f, &o);
}

/* The retention of [audit] as of now (seconds). */
static void ctl_audit_expiry(const struct config *cfg, int64_t now,
                             struct store_audit_expiry *x)
{
	const uint64_t days[STORE_AUDIT_CATS + 1] = {0, cfg->audit_days_auth, cfg->audit_days_access,
	                                             cfg->audit_days_message, cfg->audit_days_admin};

	memset(x, 0, sizeof(*x));
	for (int c = 1; c <= STORE_AUDIT_CATS; c++)
		x->before_ms[c] = days[c] == 0 ? 0 : (now - (int64_t)days[c] * CTL_DAY) * 1000;
	x->anonymise = cfg->audit_anonymise;
}

int ctl_audit_expire(struct ctl *ctl, const struct ctl_args *args)
{
	const char *now_s = ctl_arg(args, "now");
	struct store_audit_expiry x;
	int64_t now = time_now();
	uint64_t done = 0;
	int r;

	if (now_s != NULL && ctl_parse_date(now_s, &now) < 0)
		return ctl_usage(ctl, "--now: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not \"%s\"",
		                 now_s);
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	ctl_audit_expiry(&ctl->cfg, now, &x);
	r = store_job_audit_retention(ctl->store, &x, &done);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	printf("audit retention: %llu records %s\n", (unsigned long long)done,
	       x.anonymise ? "anonymised" : "deleted");
	return CTL_EXIT_OK;
}
