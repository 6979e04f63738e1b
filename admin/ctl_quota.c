/* SPDX-License-Identifier: ISC */
/* balisectl quota report: every BAL's usage against its quota, fullest
 * first, with the last quota alert level sent (EX_GBM_4470). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_json.h"
#include "util.h"

#define CTL_QUOTA_PCT_MAX 100000u /* --over bound; usage may pass 100 % */

struct ctl_quota_row {
	char address[STORE_ADDR_MAX + 1];
	enum store_bal_type type;
	uint64_t quota_bytes, quota_messages;
	struct store_quota used;
	unsigned percent;
};

struct ctl_quota_rows {
	struct store_txn *txn;
	struct ctl_quota_row *rows;
	size_t n, cap;
	unsigned over;
	int err;
};

static int ctl_quota_collect(void *arg, const struct store_bal *bal)
{
	struct ctl_quota_rows *l = arg;
	struct ctl_quota_row row = {0};
	int r = store_quota_get(l->txn, bal->id, &row.used);

	if (r < 0 && r != STORE_E_NOTFOUND) {
		l->err = r;
		return 1;
	}
	row.percent = store_quota_percent(bal, &row.used);
	if (row.percent < l->over)
		return 0;
	str_copy(row.address, sizeof(row.address), bal->address);
	row.type = bal->type;
	row.quota_bytes = bal->quota_bytes;
	row.quota_messages = bal->quota_messages;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->rows = xrealloc(l->rows, l->cap * sizeof(*l->rows));
	}
	l->rows[l->n++] = row;
	return 0;
}

/* Fullest first; equal percentages by address. */
static int ctl_quota_cmp(const void *a, const void *b)
{
	const struct ctl_quota_row *x = a, *y = b;

	if (x->percent != y->percent)
		return x->percent > y->percent ? -1 : 1;
	return strcmp(x->address, y->address);
}

static void ctl_quota_json_limit(struct ctl_json *j, const char *key, uint64_t v)
{
	ctl_json_key(j, key);
	if (v == 0)
		ctl_json_null(j); /* unlimited */
	else
		ctl_json_u64(j, v);
}

static void ctl_quota_json(const struct ctl_quota_rows *l)
{
	struct ctl_json j;

	ctl_json_init(&j);
	ctl_json_array_begin(&j);
	for (size_t i = 0; i < l->n; i++) {
		const struct ctl_quota_row *r = &l->rows[i];

		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "address", r->address);
		ctl_json_kstr(&j, "type", store_bal_type_name(r->type));
		ctl_json_ku64(&j, "used_bytes", r->used.bytes);
		ctl_quota_json_limit(&j, "quota_bytes", r->quota_bytes);
		ctl_json_ku64(&j, "used_messages", r->used.messages);
		ctl_quota_json_limit(&j, "quota_messages", r->quota_messages);
		ctl_json_ku64(&j, "percent", r->percent);
		ctl_json_ku64(&j, "alert_level", r->used.alert_level);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_print(&j, stdout);
	ctl_json_free(&j);
}

static void ctl_quota_text(const struct ctl_quota_rows *l)
{
	size_t wa = strlen("ADDRESS");
	char used[32], quota[32], msgs[48], pct[16], alert[16];

	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->rows[i].address) > wa)
			wa = strlen(l->rows[i].address);
	printf("%-*s  %-4s  %9s  %9s  %15s  %5s  %s\n", (int)wa, "ADDRESS", "TYPE", "USED",
	       "QUOTA", "MESSAGES", "USE", "ALERT");
	for (size_t i = 0; i < l->n; i++) {
		const struct ctl_quota_row *r = &l->rows[i];

		ctl_format_size(r->used.bytes, false, used, sizeof(used));
		ctl_format_size(r->quota_bytes, true, quota, sizeof(quota));
		if (r->quota_messages != 0)
			snprintf(msgs, sizeof(msgs), "%llu/%llu", (unsigned long long)r->used.messages,
			         (unsigned long long)r->quota_messages);
		else
			snprintf(msgs, sizeof(msgs), "%llu", (unsigned long long)r->used.messages);
		if (r->quota_bytes == 0 && r->quota_messages == 0)
			snprintf(pct, sizeof(pct), "-");
		else
			snprintf(pct, sizeof(pct), "%u%%", r->percent);
		if (r->used.alert_level != 0)
			snprintf(alert, sizeof(alert), "%u%%", r->used.alert_level);
		else
			snprintf(alert, sizeof(alert), "-");
		ctl_print_text(stdout, r->address, wa);
		printf("  %-4s  %9s  %9s  %15s  %5s  %s\n", store_bal_type_name(r->type), used,
		       quota, msgs, pct, alert);
	}
}

/* --over PCT, "80" or "80%". 0, or a usage error (printed, -1). */
static int ctl_quota_over(struct ctl *ctl, const char *s, unsigned *over_r)
{
	char buf[16];
	size_t n = strlen(s);
	uint64_t v;

	if (n > 0 && n < sizeof(buf) && s[n - 1] == '%') {
		memcpy(buf, s, n - 1);
		buf[n - 1] = '\0';
		s = buf;
	}
	if (ctl_parse_uint(ctl, "over", s, CTL_QUOTA_PCT_MAX, &v) < 0)
		return -1;
	*over_r = (unsigned)v;
	return 0;
}

int ctl_quota_report(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_quota_rows l = {0};
	const char *over = ctl_arg(args, "over");
	int r;

	if (over != NULL && ctl_quota_over(ctl, over, &l.over) < 0)
		return CTL_EXIT_USAGE;
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &l.txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = store_bal_each(l.txn, ctl_quota_collect, &l);
	store_read_end(&l.txn);
	if (r == 0)
		r = l.err;
	if (r < 0) {
		free(l.rows);
		return ctl_fail(ctl, "%s", store_strerror(r));
	}
	if (l.n > 1)
		qsort(l.rows, l.n, sizeof(*l.rows), ctl_quota_cmp);
	if (ctl_flag(args, "json"))
		ctl_quota_json(&l);
	else
		ctl_quota_text(&l);
	free(l.rows);
	return CTL_EXIT_OK;
}
