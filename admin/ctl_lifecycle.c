/* SPDX-License-Identifier: ISC */
/* balisectl bal purge-sent|inactive, store compact, deletion-request
 * create|list|approve|reject: the BAL lifecycle (CNIL Sent purge and
 * inactivity, EX_GBM_6021). Every change is traced with store_audit. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_json.h"
#include "templates_fr.h"
#include "util.h"

#define CTL_DAY 86400
#define CTL_DAYS_MAX 36500

/* "balisectl(uid=1000,user=alice)": who acted, for the trace. */
static const char *ctl_who(void)
{
	static char who[128];
	struct passwd *pw = getpwuid(getuid());

	snprintf(who, sizeof(who), "balisectl(uid=%u,user=%s)", (unsigned)getuid(),
	         pw != NULL ? pw->pw_name : "?");
	return who;
}

/* ---------------------------------------------------------------- purge-sent */

struct ctl_purge {
	const char *address;
	int64_t before;
	bool dry_run;
	uint64_t bal_id;
	struct store_purge r;
};

static int ctl_purge_apply(struct store_txn *txn, void *arg)
{
	struct ctl_purge *p = arg;
	struct store_bal b;
	int r = store_bal_get_by_addr(txn, p->address, &b);

	if (r <= 0)
		return r == 0 ? STORE_E_NOTFOUND : r;
	p->bal_id = b.id;
	return store_sent_purge(txn, b.id, p->before, p->dry_run, &p->r);
}

int ctl_bal_purge_sent(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_purge p = {.address = args->pos[0], .dry_run = ctl_flag(args, "dry-run")};
	const char *days_s = ctl_arg(args, "older-than");
	struct store_bal b;
	struct store_txn *txn;
	uint64_t days;
	int r;

	if (days_s != NULL && ctl_parse_uint(ctl, "older-than", days_s, CTL_DAYS_MAX, &days) < 0)
		return CTL_EXIT_USAGE;
	if (ctl_store_open(ctl) != CTL_EXIT_OK || ctl_bal_lookup(ctl, p.address, &b) != 1)
		return CTL_EXIT_REFUSED;
	if (days_s == NULL && b.sent_retention == 0)
		return ctl_fail(ctl, "%s has no Sent retention set: give --older-than DAYS",
		                b.address);
	if (days_s == NULL)
		days = b.sent_retention;
	p.before = time_now() - (int64_t)days * CTL_DAY;
	if (p.dry_run) {
		r = store_read_begin(ctl->store, &txn);
		if (r == 0)
			r = ctl_purge_apply(txn, &p);
		store_read_end(&txn);
	} else {
		r = ctl_run_write(ctl, ctl_purge_apply, &p);
	}
	if (r < 0)
		return ctl_bal_fail(ctl, p.address, r, NULL);
	if (!p.dry_run)
		store_audit(ctl_who(), "sent-purge",
		            "bal=%llu older_than_days=%llu messages=%llu "
		            "bytes=%llu",
		            (unsigned long long)p.bal_id, (unsigned long long)days,
		            (unsigned long long)p.r.messages, (unsigned long long)p.r.bytes);
	printf("%s %llu messages (%llu bytes) from Sent of %s\n",
	       p.dry_run ? "would purge" : "purged", (unsigned long long)p.r.messages,
	       (unsigned long long)p.r.bytes, b.address);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- inactive */

struct ctl_inactive {
	int64_t since;
	struct ctl_json *j;
	unsigned n;
};

static int ctl_inactive_one(void *arg, const struct store_bal *b)
{
	struct ctl_inactive *in = arg;
	char last[32], warned[32];

	if (store_bal_last_activity(b) > in->since)
		return 0;
	in->n++;
	ctl_format_time(b->last_login, last, sizeof(last));
	ctl_format_time(b->inactivity_warned, warned, sizeof(warned));
	if (in->j == NULL) {
		printf("%-40s %-20s %-18s warned %s\n", b->address, last,
		       store_bal_state_name(b->state), warned);
		return 0;
	}
	ctl_json_object_begin(in->j);
	ctl_json_kstr(in->j, "address", b->address);
	ctl_json_kstr(in->j, "last_login", last);
	ctl_json_kstr(in->j, "state", store_bal_state_name(b->state));
	ctl_json_kstr(in->j, "warned", warned);
	ctl_json_kstr(in->j, "contact", b->contact);
	ctl_json_object_end(in->j);
	return 0;
}

int ctl_bal_inactive(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_json j;
	struct ctl_inactive in = {0};
	struct store_txn *txn;
	const char *days_s = ctl_arg(args, "days");
	uint64_t days;
	int r;

	if (days_s == NULL)
		return ctl_usage(ctl, "--days N is required");
	if (ctl_parse_uint(ctl, "days", days_s, CTL_DAYS_MAX, &days) < 0)
		return CTL_EXIT_USAGE;
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	in.since = time_now() - (int64_t)days * CTL_DAY;
	if (ctl_flag(args, "json")) {
		ctl_json_init(&j);
		ctl_json_array_begin(&j);
		in.j = &j;
	}
	r = store_read_begin(ctl->store, &txn);
	if (r == 0)
		r = store_bal_each(txn, ctl_inactive_one, &in);
	store_read_end(&txn);
	if (in.j != NULL) {
		ctl_json_array_end(&j);
		if (r == 0)
			ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	}
	return r < 0 ? ctl_fail(ctl, "%s", store_strerror(r)) : CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- compact */

int ctl_store_compact(struct ctl *ctl, const struct ctl_args *args)
{
	uint64_t before = 0, after = 0;
	const char *why = NULL;
	int r;

	(void)args;
	r = store_compact(ctl->cfg.data_dir, &before, &after, &why);
	if (r < 0)
		return ctl_fail(ctl, "%s", why != NULL ? why : store_strerror(r));
	store_audit(ctl_who(), "store-compact", "bytes_before=%llu bytes_after=%llu",
	            (unsigned long long)before, (unsigned long long)after);
	printf("compacted %s: %llu -> %llu bytes; deleted records are wiped\n", ctl->cfg.data_dir,
	       (unsigned long long)before, (unsigned long long)after);
	return CTL_EXIT_OK;
}

/* balisectl backup DIR: a hot copy, balised may run. */
int ctl_backup(struct ctl *ctl, const struct ctl_args *args)
{
	const char *dir = args->pos[0], *why = NULL;
	uint64_t bytes = 0;
	int r;

	if (dir[0] == '\0')
		return ctl_usage(ctl, "empty backup directory name");
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_backup(ctl->store, dir, &bytes, &why);
	if (r < 0)
		return ctl_fail(ctl, "%s: %s", dir, why != NULL ? why : store_strerror(r));
	store_audit(ctl_who(), "store-backup", "bytes=%llu", (unsigned long long)bytes);
	printf("backed up %s to %s/data.mdb: %llu bytes\n", ctl->cfg.data_dir, dir,
	       (unsigned long long)bytes);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- deletion requests */

struct ctl_delreq {
	struct store_delreq req;
	const char *address, *why;
	char host[256];
	bool queued;
};

static int ctl_delreq_create_apply(struct store_txn *txn, void *arg)
{
	struct ctl_delreq *d = arg;
	struct store_bal b;
	struct buf text;
	struct store_notice n;
	int r = store_bal_get_by_addr(txn, d->address, &b);

	if (r <= 0)
		return r == 0 ? STORE_E_NOTFOUND : r;
	d->req.bal_id = b.id;
	d->req.created = 0;
	r = store_delreq_create(txn, &d->req, &d->why);
	if (r != 0)
		return r;
	buf_init(&text, 64 * 1024);
	if (tfr_delreq_ack_body(b.address, d->req.id, d->req.created, &text) < 0) {
		buf_free(&text);
		return STORE_E_INVALID;
	}
	n = (struct store_notice){.bal = &b,
	                          .kind = "delreq",
	                          .subject = tfr_delreq_ack_subject(),
	                          .text = buf_slice(&text),
	                          .contact = d->req.contact,
	                          .date = d->req.created,
	                          .host = d->host};
	r = store_notice_put(txn, &n, &d->queued);
	buf_free(&text);
	explicit_bzero(&b, sizeof(b));
	return r;
}

int ctl_delreq_create(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_delreq *d = xcalloc(1, sizeof(*d));
	const char *by = ctl_arg(args, "requested-by"), *reason = ctl_arg(args, "reason");
	const char *contact = ctl_arg(args, "contact");
	int r = CTL_EXIT_REFUSED;

	if (by == NULL || reason == NULL) {
		free(d);
		return ctl_usage(ctl, "--requested-by RPPS and --reason TEXT are required");
	}
	d->address = args->pos[0];
	if (str_copy(d->req.requested_by, sizeof(d->req.requested_by), by) != 0 ||
	    str_copy(d->req.reason, sizeof(d->req.reason), reason) != 0 ||
	    str_copy(d->req.contact, sizeof(d->req.contact), contact ? contact : "") != 0) {
		free(d);
		return ctl_usage(ctl, "an argument is too long");
	}
	if (gethostname(d->host, sizeof(d->host) - 1) != 0 || d->host[0] == '\0')
		strcpy(d->host, "localhost");
	if (ctl_store_open(ctl) == CTL_EXIT_OK) {
		r = ctl_run_write(ctl, ctl_delreq_create_apply, d);
		if (r != 0) {
			r = ctl_bal_fail(ctl, d->address, r, d->why);
		} else {
			store_audit(ctl_who(), "deletion-request",
			            "id=%llu bal=%llu requested_by=%s "
			            "contact_queued=%d",
			            (unsigned long long)d->req.id,
			            (unsigned long long)d->req.bal_id, d->req.requested_by,
			            d->queued);
			printf("deletion request %llu recorded for %s; acknowledgement sent%s\n",
			       (unsigned long long)d->req.id, d->req.address,
			       d->queued ? " (and queued to the contact address)" : "");
		}
	}
	free(d);
	return r;
}

static int ctl_delreq_list_one(void *arg, const struct store_delreq *q)
{
	struct ctl_json *j = arg;
	char created[32], decided[32];

	ctl_format_time(q->created, created, sizeof(created));
	ctl_format_time(q->decided, decided, sizeof(decided));
	if (j == NULL) {
		printf("%-6llu %-9s %-40s by %s created %s decided %s\n", (unsigned long long)q->id,
		       store_delreq_state_name(q->state), q->address, q->requested_by, created,
		       decided);
		return 0;
	}
	ctl_json_object_begin(j);
	ctl_json_ku64(j, "id", q->id);
	ctl_json_kstr(j, "address", q->address);
	ctl_json_kstr(j, "state", store_delreq_state_name(q->state));
	ctl_json_kstr(j, "requested_by", q->requested_by);
	ctl_json_kstr(j, "reason", q->reason);
	ctl_json_kstr(j, "contact", q->contact);
	ctl_json_kstr(j, "created", created);
	ctl_json_kstr(j, "decided", decided);
	ctl_json_kstr(j, "decision", q->decision);
	ctl_json_object_end(j);
	return 0;
}

int ctl_delreq_list(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_json j;
	bool json = ctl_flag(args, "json");
	struct store_txn *txn;
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	if (json) {
		ctl_json_init(&j);
		ctl_json_array_begin(&j);
	}
	r = store_read_begin(ctl->store, &txn);
	if (r == 0)
		r = store_delreq_each(txn, ctl_delreq_list_one, json ? &j : NULL);
	store_read_end(&txn);
	if (json) {
		ctl_json_array_end(&j);
		if (r == 0)
			ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	}
	return r < 0 ? ctl_fail(ctl, "%s", store_strerror(r)) : CTL_EXIT_OK;
}

struct ctl_decide {
	uint64_t id;
	const char *reason; /* NULL: approve */
	const char *why;
	struct store_delreq req;
};

static int ctl_decide_apply(struct store_txn *txn, void *arg)
{
	struct ctl_decide *d = arg;
	int r = store_delreq_get(txn, d->id, &d->req);

	if (r <= 0)
		return r == 0 ? STORE_E_NOTFOUND : r;
	if (d->reason == NULL)
		return store_delreq_approve(txn, d->id, time_now(), &d->why);
	return store_delreq_reject(txn, d->id, time_now(), d->reason, &d->why);
}

static int ctl_delreq_decide(struct ctl *ctl, const struct ctl_args *args, const char *reason)
{
	struct ctl_decide *d = xcalloc(1, sizeof(*d));
	int r;

	if (ctl_parse_uint(ctl, "ID", args->pos[0], UINT64_MAX, &d->id) < 0) {
		free(d);
		return CTL_EXIT_USAGE;
	}
	d->reason = reason;
	if (ctl_store_open(ctl) != CTL_EXIT_OK) {
		free(d);
		return CTL_EXIT_REFUSED;
	}
	r = ctl_run_write(ctl, ctl_decide_apply, d);
	if (r == STORE_E_NOTFOUND)
		r = ctl_fail(ctl, "no deletion request %llu", (unsigned long long)d->id);
	else if (r < 0)
		r = ctl_fail(ctl, "%s", d->why != NULL ? d->why : store_strerror(r));
	else {
		store_audit(ctl_who(), reason == NULL ? "bal-deleted" : "deletion-rejected",
		            "request=%llu bal=%llu address=%s", (unsigned long long)d->id,
		            (unsigned long long)d->req.bal_id, d->req.address);
		if (reason == NULL)
			printf("request %llu approved: %s deleted; its address stays retired. Run "
			       "'balisectl store compact' with balised stopped to wipe its bytes "
			       "from the disk (docs/deletion.md)\n",
			       (unsigned long long)d->id, d->req.address);
		else
			printf("request %llu rejected: %s is %s again\n", (unsigned long long)d->id,
			       d->req.address,
			       d->req.prev_state == BAL_SUSPENDED ? "suspended" : "active");
		r = CTL_EXIT_OK;
	}
	free(d);
	return r;
}

int ctl_delreq_approve(struct ctl *ctl, const struct ctl_args *args)
{
	return ctl_delreq_decide(ctl, args, NULL);
}

int ctl_delreq_reject(struct ctl *ctl, const struct ctl_args *args)
{
	const char *reason = ctl_arg(args, "reason");

	if (reason == NULL || reason[0] == '\0')
		return ctl_usage(ctl, "--reason TEXT is required");
	return ctl_delreq_decide(ctl, args, reason);
}

/* ---------------------------------------------------------------- inactivity-run */

/* "2027-01-31" (midnight UTC) or "2027-01-31T12:00:00Z". */
static int ctl_parse_date(const char *s, int64_t *t_r)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%d", &tm);

	if (end != NULL && *end == 'T')
		end = strptime(end + 1, "%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*t_r = (int64_t)timegm(&tm);
	return 0;
}

int ctl_bal_inactivity_run(struct ctl *ctl, const struct ctl_args *args)
{
	const char *now_s = ctl_arg(args, "now");
	struct store_inact_policy pol = {0};
	struct store_jobstat st;
	int64_t now = time_now();
	char host[256] = "localhost";
	int r;

	if (now_s != NULL && ctl_parse_date(now_s, &now) < 0)
		return ctl_usage(ctl, "--now: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
	pol.warn_after = (int64_t)ctl->cfg.inactivity_warn_after;
	pol.notice = (int64_t)ctl->cfg.inactivity_notice;
	r = store_inact_action_parse(ctl->cfg.inactivity_action);
	pol.action = r < 0 ? INACT_NONE : (enum store_inact_action)r;
	str_copy(host, sizeof(host), ctl->cfg.hostname);
	pol.host = host;
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_job_inactivity(ctl->store, &pol, now, ctl_who(), &st);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	printf("inactivity: %llu warned, %llu suspended, %llu due for an operator's deletion "
	       "(action %s)\n",
	       (unsigned long long)st.warned, (unsigned long long)st.suspended,
	       (unsigned long long)st.due, store_inact_action_name(pol.action));
	return CTL_EXIT_OK;
}
