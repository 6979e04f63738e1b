/* SPDX-License-Identifier: ISC */
/* balisectl bal show|list: read-only views of BALs, as "key: value" lines,
 * an aligned table, or JSON. Never the password hash. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "ctl_json.h"
#include "idnat.h"
#include "util.h"

/* ---------------------------------------------------------------- show */

struct ctl_bal_view {
	struct store_bal bal;
	struct store_quota quota;
	struct store_mailbox *mbs;
	size_t n_mbs, cap;
};

static int ctl_bal_view_mailbox(void *arg, const struct store_mailbox *mb)
{
	struct ctl_bal_view *v = arg;

	if (v->n_mbs == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->mbs = xrealloc(v->mbs, v->cap * sizeof(*v->mbs));
	}
	v->mbs[v->n_mbs++] = *mb;
	return 0;
}

/* Everything show prints, from one read transaction: 1, 0 not found, <0. */
static int ctl_bal_view_read(struct store_txn *txn, const char *address, struct ctl_bal_view *v)
{
	int r = store_bal_get_by_addr(txn, address, &v->bal);

	if (r <= 0)
		return r;
	r = store_quota_get(txn, v->bal.id, &v->quota);
	if (r < 0)
		return r;
	r = store_mailbox_each(txn, v->bal.id, ctl_bal_view_mailbox, v);
	return r < 0 ? r : 1;
}

static void ctl_bal_show_text(const struct ctl_bal_view *v)
{
	const struct store_bal *b = &v->bal;
	char s1[32], s2[32];

	printf("address: %s\n", b->address);
	printf("type: %s\n", store_bal_type_name(b->type));
	printf("state: %s\n", store_bal_state_name(b->state));
	printf("holder: %s (type %d, %s)\n", b->holder, b->holder_type,
	       idnat_type_name(b->holder_type));
	for (unsigned i = 0; i < b->n_coholders && i < STORE_COHOLDERS_MAX; i++)
		printf("co-holder: %s\n", b->coholders[i]);
	printf("name: ");
	ctl_print_text(stdout, b->display_name, 0);
	ctl_format_size(b->quota_bytes, true, s1, sizeof(s1));
	printf("\nquota: %s\n", s1);
	if (b->quota_messages != 0)
		printf("quota messages: %llu\n", (unsigned long long)b->quota_messages);
	else
		printf("quota messages: unlimited\n");
	printf("used: %llu bytes, %llu messages\n", (unsigned long long)v->quota.bytes,
	       (unsigned long long)v->quota.messages);
	printf("password: %s\n", b->password_hash[0] != '\0' ? "set" : "not set");
	ctl_format_time(b->created, s1, sizeof(s1));
	ctl_format_time(b->last_login, s2, sizeof(s2));
	printf("created: %s\nlast login: %s\nid: %llu\n", s1, s2, (unsigned long long)b->id);
	if (b->sent_retention != 0)
		printf("sent retention: %u days\n", b->sent_retention);
	else
		printf("sent retention: off\n");
	printf("contact: ");
	ctl_print_text(stdout, b->contact[0] ? b->contact : "none", 0);
	printf("\n");
	for (size_t i = 0; i < v->n_mbs; i++) {
		printf("mailbox: ");
		ctl_print_text(stdout, v->mbs[i].name, 0);
		printf(" (%u messages, %u unseen, %llu bytes)\n", v->mbs[i].messages,
		       v->mbs[i].unseen, (unsigned long long)v->mbs[i].bytes);
	}
}

int ctl_bal_show(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_bal_view v;
	struct store_txn *txn;
	int r;

	memset(&v, 0, sizeof(v));
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = ctl_bal_view_read(txn, args->pos[0], &v);
	store_read_end(&txn);
	if (r <= 0) {
		free(v.mbs);
		return r == 0 ? ctl_fail(ctl, "%s: no such BAL", args->pos[0])
		              : ctl_fail(ctl, "%s: %s", args->pos[0], store_strerror(r));
	}
	if (ctl_flag(args, "json")) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_bal_json(&j, &v.bal, &v.quota, v.mbs, v.n_mbs, true);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	} else {
		ctl_bal_show_text(&v);
	}
	explicit_bzero(v.bal.password_hash, sizeof(v.bal.password_hash));
	free(v.mbs);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- list */

struct ctl_bal_row {
	struct store_bal bal;
	struct store_quota quota;
};

struct ctl_bal_rows {
	const char *domain; /* filter, or NULL */
	int type;           /* filter, or -1 */
	struct ctl_bal_row *rows;
	size_t n, cap;
};

static int ctl_bal_list_collect(void *arg, const struct store_bal *bal)
{
	struct ctl_bal_rows *l = arg;
	const char *at = strrchr(bal->address, '@');

	if (l->domain != NULL && (at == NULL || strcasecmp(at + 1, l->domain) != 0))
		return 0;
	if (l->type >= 0 && (int)bal->type != l->type)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->rows = xrealloc(l->rows, l->cap * sizeof(*l->rows));
	}
	memset(&l->rows[l->n], 0, sizeof(l->rows[l->n]));
	l->rows[l->n].bal = *bal;
	explicit_bzero(l->rows[l->n].bal.password_hash, STORE_HASH_MAX);
	/* keep only whether it is set */
	l->rows[l->n].bal.password_hash[0] = bal->password_hash[0] != '\0' ? '*' : '\0';
	l->n++;
	return 0;
}

static int ctl_bal_row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ctl_bal_row *)a)->bal.address,
	              ((const struct ctl_bal_row *)b)->bal.address);
}

static int ctl_bal_list_read(struct store_txn *txn, struct ctl_bal_rows *l)
{
	int r = store_bal_each(txn, ctl_bal_list_collect, l);

	for (size_t i = 0; r >= 0 && i < l->n; i++) {
		r = store_quota_get(txn, l->rows[i].bal.id, &l->rows[i].quota);
		if (r == 0 || r == STORE_E_NOTFOUND) /* no usage record yet */
			r = 0;
	}
	return r;
}

static void ctl_bal_list_json(const struct ctl_bal_rows *l)
{
	struct ctl_json j;

	ctl_json_init(&j);
	ctl_json_array_begin(&j);
	for (size_t i = 0; i < l->n; i++)
		ctl_bal_json(&j, &l->rows[i].bal, &l->rows[i].quota, NULL, 0, false);
	ctl_json_array_end(&j);
	ctl_json_print(&j, stdout);
	ctl_json_free(&j);
}

static void ctl_bal_list_text(const struct ctl_bal_rows *l)
{
	size_t wa = strlen("ADDRESS"), wh = strlen("HOLDER");
	char quota[32], used[32];

	for (size_t i = 0; i < l->n; i++) {
		if (strlen(l->rows[i].bal.address) > wa)
			wa = strlen(l->rows[i].bal.address);
		if (strlen(l->rows[i].bal.holder) > wh)
			wh = strlen(l->rows[i].bal.holder);
	}
	printf("%-*s  %-4s  %-18s  %-*s  %9s  %9s  %s\n", (int)wa, "ADDRESS", "TYPE", "STATE",
	       (int)wh, "HOLDER", "QUOTA", "USED", "NAME");
	for (size_t i = 0; i < l->n; i++) {
		const struct ctl_bal_row *row = &l->rows[i];
		ctl_format_size(row->bal.quota_bytes, true, quota, sizeof(quota));
		ctl_format_size(row->quota.bytes, false, used, sizeof(used));
		printf("%-*s  %-4s  %-18s  %-*s  %9s  %9s  ", (int)wa, row->bal.address,
		       store_bal_type_name(row->bal.type), store_bal_state_name(row->bal.state),
		       (int)wh, row->bal.holder, quota, used);
		ctl_print_text(stdout, row->bal.display_name, 0);
		putchar('\n');
	}
}

int ctl_bal_list(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_bal_rows l = {.domain = ctl_arg(args, "domain"), .type = -1};
	const char *type = ctl_arg(args, "type");
	struct store_txn *txn;
	int r;

	if (type != NULL && (l.type = ctl_bal_type_parse(type)) < 0)
		return ctl_usage(ctl, "--type: expected PER, ORG, CAB or APP, got \"%s\"", type);
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = ctl_bal_list_read(txn, &l);
	store_read_end(&txn);
	if (r < 0) {
		free(l.rows);
		return ctl_fail(ctl, "%s", store_strerror(r));
	}
	if (l.n > 1)
		qsort(l.rows, l.n, sizeof(*l.rows), ctl_bal_row_cmp);
	if (ctl_flag(args, "json"))
		ctl_bal_list_json(&l);
	else
		ctl_bal_list_text(&l);
	free(l.rows);
	return CTL_EXIT_OK;
}
