/* SPDX-License-Identifier: ISC */
/* balisectl queue list|show|retry|delete: the outbound queue as a table,
 * one entry in detail, making entries due now, and removing one (without a
 * bounce: logged). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_json.h"
#include "log.h"
#include "util.h"

/* Queue ids as given on the command line: a positive decimal number, else a
 * usage error (printed, -1). */
static int ctl_queue_id(struct ctl *ctl, const char *s, uint64_t *id_r)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v == 0) {
		ctl_usage(ctl, "ID: expected a queue id (a positive number), got \"%s\"", s);
		return -1;
	}
	*id_r = v;
	return 0;
}

static int ctl_queue_fail(struct ctl *ctl, uint64_t id, int r)
{
	if (r == STORE_E_NOTFOUND)
		return ctl_fail(ctl, "queue entry %llu: no such entry", (unsigned long long)id);
	return ctl_fail(ctl, "queue entry %llu: %s", (unsigned long long)id, store_strerror(r));
}

static void ctl_queue_json_time(struct ctl_json *j, const char *key, int64_t t)
{
	char s[32];

	ctl_json_key(j, key);
	if (t == 0) {
		ctl_json_null(j);
		return;
	}
	ctl_format_time(t, s, sizeof(s));
	ctl_json_str(j, s);
}

/* "" becomes null (ENVID, ORCPT, enhanced code not given). */
static void ctl_queue_json_opt(struct ctl_json *j, const char *key, const char *s)
{
	ctl_json_key(j, key);
	if (s[0] == '\0')
		ctl_json_null(j);
	else
		ctl_json_str(j, s);
}

static size_t ctl_queue_open_rcpts(const struct store_qentry *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n_rcpts; i++)
		n += !store_qrcpt_state_final(e->rcpts[i].state);
	return n;
}

/* ---------------------------------------------------------------- list */

struct ctl_queue_row {
	uint64_t id, size;
	int64_t arrival, next_attempt, expires;
	uint32_t attempts;
	char return_path[STORE_QADDR_MAX + 1];
	size_t n_rcpts, n_open;
	char (*rcpts)[STORE_QADDR_MAX + 1];
	enum store_qrcpt_state *states;
};

struct ctl_queue_list {
	struct store_txn *txn;
	struct ctl_queue_row *rows;
	size_t n, cap;
	int err;
};

static int ctl_queue_collect(void *arg, const struct store_qentry *e)
{
	struct ctl_queue_list *l = arg;
	struct ctl_queue_row *r;
	int rc;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->rows = xrealloc(l->rows, l->cap * sizeof(*l->rows));
	}
	r = &l->rows[l->n++];
	memset(r, 0, sizeof(*r));
	r->id = e->id;
	r->arrival = e->arrival;
	r->next_attempt = e->next_attempt;
	r->expires = e->expires;
	r->attempts = e->attempts;
	str_copy(r->return_path, sizeof(r->return_path), e->return_path);
	r->n_rcpts = e->n_rcpts;
	r->n_open = ctl_queue_open_rcpts(e);
	r->rcpts = xmalloc(e->n_rcpts * sizeof(*r->rcpts));
	r->states = xmalloc(e->n_rcpts * sizeof(*r->states));
	for (size_t i = 0; i < e->n_rcpts; i++) {
		str_copy(r->rcpts[i], sizeof(r->rcpts[i]), e->rcpts[i].address);
		r->states[i] = e->rcpts[i].state;
	}
	/* A blob gone (damage store check reports; balised fails such an
	 * entry) is listed with size 0 rather than hiding the whole queue. */
	rc = store_blob_info(l->txn, e->blob_id, &r->size, NULL, NULL, NULL);
	if (rc != 0 && rc != STORE_E_NOTFOUND) {
		l->err = rc;
		return 1;
	}
	return 0;
}

static void ctl_queue_list_free(struct ctl_queue_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->rows[i].rcpts);
		free(l->rows[i].states);
	}
	free(l->rows);
}

static void ctl_queue_list_json(const struct ctl_queue_list *l)
{
	struct ctl_json j;

	ctl_json_init(&j);
	ctl_json_array_begin(&j);
	for (size_t i = 0; i < l->n; i++) {
		const struct ctl_queue_row *r = &l->rows[i];

		ctl_json_object_begin(&j);
		ctl_json_ku64(&j, "id", r->id);
		ctl_json_kstr(&j, "return_path", r->return_path);
		ctl_queue_json_time(&j, "arrival", r->arrival);
		ctl_queue_json_time(&j, "next_attempt", r->next_attempt);
		ctl_queue_json_time(&j, "expires", r->expires);
		ctl_json_ku64(&j, "attempts", r->attempts);
		ctl_json_ku64(&j, "size", r->size);
		ctl_json_key(&j, "recipients");
		ctl_json_array_begin(&j);
		for (size_t k = 0; k < r->n_rcpts; k++) {
			ctl_json_object_begin(&j);
			ctl_json_kstr(&j, "address", r->rcpts[k]);
			ctl_json_kstr(&j, "state", store_qrcpt_state_name(r->states[k]));
			ctl_json_object_end(&j);
		}
		ctl_json_array_end(&j);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_print(&j, stdout);
	ctl_json_free(&j);
}

/* One line per entry: the recipients still to do over all of them. */
static void ctl_queue_list_text(const struct ctl_queue_list *l)
{
	char arr[32], next[32], todo[48];

	printf("%-8s  %-20s  %-20s  %5s  %7s  %10s  %s\n", "ID", "ARRIVAL", "NEXT ATTEMPT",
	       "TRIES", "TO DO", "SIZE", "SENDER");
	for (size_t i = 0; i < l->n; i++) {
		const struct ctl_queue_row *r = &l->rows[i];

		ctl_format_time(r->arrival, arr, sizeof(arr));
		ctl_format_time(r->next_attempt, next, sizeof(next));
		snprintf(todo, sizeof(todo), "%zu/%zu", r->n_open, r->n_rcpts);
		printf("%-8llu  %-20s  %-20s  %5u  %7s  %10llu  <", (unsigned long long)r->id, arr,
		       next, r->attempts, todo, (unsigned long long)r->size);
		ctl_print_text(stdout, r->return_path, 0);
		printf(">\n");
	}
}

int ctl_queue_list(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_queue_list l = {0};
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &l.txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = store_queue_each(l.txn, ctl_queue_collect, &l);
	store_read_end(&l.txn);
	if (r == 0 && l.err != 0)
		r = l.err;
	if (r < 0) {
		ctl_queue_list_free(&l);
		return ctl_fail(ctl, "listing the queue: %s", store_strerror(r));
	}
	if (ctl_flag(args, "json"))
		ctl_queue_list_json(&l);
	else
		ctl_queue_list_text(&l);
	ctl_queue_list_free(&l);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- show */

struct ctl_queue_view {
	struct store_qentry e;
	uint64_t size;
	bool bal_found;
	struct store_bal bal;
};

/* 1, 0 not found, <0. */
static int ctl_queue_view_read(struct store_txn *txn, uint64_t id, struct ctl_queue_view *v)
{
	int r = store_queue_get(txn, id, &v->e);

	if (r <= 0)
		return r;
	r = store_blob_info(txn, v->e.blob_id, &v->size, NULL, NULL, NULL);
	if (r == STORE_E_NOTFOUND)
		r = STORE_E_IO; /* the entry exists: its blob must (store check says more) */
	if (r == 0 && v->e.bal_id != 0) {
		r = store_bal_get(txn, v->e.bal_id, &v->bal);
		v->bal_found = r == 1;
	}
	return r < 0 ? r : 1;
}

/* "SUCCESS,FAILURE" into out (48 bytes), "" when NOTIFY was not given. */
static void ctl_queue_notify(unsigned notify, char *out, size_t outsz)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{QNOTIFY_NEVER, "NEVER"},
	             {QNOTIFY_SUCCESS, "SUCCESS"},
	             {QNOTIFY_FAILURE, "FAILURE"},
	             {QNOTIFY_DELAY, "DELAY"}};

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (notify & names[i].bit) {
			if (out[0] != '\0')
				strncat(out, ",", outsz - strlen(out) - 1);
			strncat(out, names[i].name, outsz - strlen(out) - 1);
		}
}

static void ctl_queue_rcpt_json(struct ctl_json *j, const struct store_qrcpt *r)
{
	char notify[48];

	ctl_json_object_begin(j);
	ctl_json_kstr(j, "address", r->address);
	ctl_json_kstr(j, "state", store_qrcpt_state_name(r->state));
	ctl_queue_json_opt(j, "orcpt_type", r->orcpt_type);
	ctl_queue_json_opt(j, "orcpt", r->orcpt);
	ctl_json_key(j, "notify");
	if (r->notify == 0) {
		ctl_json_null(j);
	} else {
		ctl_queue_notify(r->notify, notify, sizeof(notify));
		ctl_json_str(j, notify);
	}
	ctl_json_ku64(j, "attempts", r->attempts);
	ctl_queue_json_time(j, "last_attempt", r->last_attempt);
	ctl_json_key(j, "last_reply");
	if (r->last_attempt == 0) {
		ctl_json_null(j);
	} else {
		ctl_json_object_begin(j);
		ctl_json_ku64(j, "code", r->reply.code);
		ctl_queue_json_opt(j, "enhanced", r->reply.enhanced);
		ctl_json_kstr(j, "text", r->reply.text);
		ctl_queue_json_opt(j, "host", r->reply.host);
		ctl_json_object_end(j);
	}
	ctl_json_object_end(j);
}

static void ctl_queue_show_json(const struct ctl_queue_view *v)
{
	const struct store_qentry *e = &v->e;
	struct ctl_json j;

	ctl_json_init(&j);
	ctl_json_object_begin(&j);
	ctl_json_ku64(&j, "id", e->id);
	ctl_json_kstr(&j, "return_path", e->return_path);
	ctl_queue_json_opt(&j, "envid", e->envid);
	ctl_queue_json_opt(&j, "ret", store_qret_name(e->ret));
	ctl_json_ku64(&j, "bal_id", e->bal_id);
	ctl_json_key(&j, "bal");
	if (v->bal_found)
		ctl_json_str(&j, v->bal.address);
	else
		ctl_json_null(&j);
	ctl_queue_json_time(&j, "arrival", e->arrival);
	ctl_queue_json_time(&j, "next_attempt", e->next_attempt);
	ctl_queue_json_time(&j, "expires", e->expires);
	ctl_json_ku64(&j, "attempts", e->attempts);
	ctl_json_ku64(&j, "blob_id", e->blob_id);
	ctl_json_ku64(&j, "size", v->size);
	ctl_json_key(&j, "recipients");
	ctl_json_array_begin(&j);
	for (size_t i = 0; i < e->n_rcpts; i++)
		ctl_queue_rcpt_json(&j, &e->rcpts[i]);
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	ctl_json_print(&j, stdout);
	ctl_json_free(&j);
}

static void ctl_queue_rcpt_text(const struct store_qrcpt *r)
{
	char s[48];

	printf("recipient: ");
	ctl_print_text(stdout, r->address, 0);
	printf("\n  state: %s\n", store_qrcpt_state_name(r->state));
	ctl_queue_notify(r->notify, s, sizeof(s));
	printf("  notify: %s\n", s[0] != '\0' ? s : "not given");
	if (r->orcpt_type[0] != '\0') {
		printf("  orcpt: ");
		ctl_print_text(stdout, r->orcpt_type, 0);
		printf(";");
		ctl_print_text(stdout, r->orcpt, 0);
		printf("\n");
	}
	ctl_format_time(r->last_attempt, s, sizeof(s));
	printf("  attempts: %u (last: %s)\n", r->attempts, s);
	if (r->last_attempt == 0)
		return;
	printf("  last reply: ");
	if (r->reply.code != 0)
		printf("%u ", r->reply.code);
	if (r->reply.enhanced[0] != '\0') {
		ctl_print_text(stdout, r->reply.enhanced, 0);
		printf(" ");
	}
	ctl_print_text(stdout, r->reply.text, 0);
	if (r->reply.host[0] != '\0') {
		printf(" (from ");
		ctl_print_text(stdout, r->reply.host, 0);
		printf(")");
	}
	printf("\n");
}

static void ctl_queue_show_text(const struct ctl_queue_view *v)
{
	const struct store_qentry *e = &v->e;
	char s[32];

	printf("id: %llu\nreturn path: <", (unsigned long long)e->id);
	ctl_print_text(stdout, e->return_path, 0);
	printf(">\nenvid: ");
	ctl_print_text(stdout, e->envid[0] != '\0' ? e->envid : "not given", 0);
	printf("\nret: %s\n", e->ret != QRET_UNSET ? store_qret_name(e->ret) : "not given");
	if (e->bal_id == 0)
		printf("submitted by: another operator\n");
	else if (v->bal_found)
		printf("submitted by: %s\n", v->bal.address);
	else
		printf("submitted by: BAL %llu (deleted)\n", (unsigned long long)e->bal_id);
	ctl_format_time(e->arrival, s, sizeof(s));
	printf("arrival: %s\n", s);
	ctl_format_time(e->next_attempt, s, sizeof(s));
	printf("next attempt: %s\n", s);
	ctl_format_time(e->expires, s, sizeof(s));
	printf("expires: %s\n", s);
	printf("attempts: %u\nsize: %llu bytes\n", e->attempts, (unsigned long long)v->size);
	for (size_t i = 0; i < e->n_rcpts; i++)
		ctl_queue_rcpt_text(&e->rcpts[i]);
}

int ctl_queue_show(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_queue_view v;
	struct store_txn *txn;
	uint64_t id;
	int r;

	memset(&v, 0, sizeof(v));
	if (ctl_queue_id(ctl, args->pos[0], &id) != 0)
		return CTL_EXIT_USAGE;
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = ctl_queue_view_read(txn, id, &v);
	store_read_end(&txn);
	if (r <= 0) {
		store_queue_entry_free(&v.e);
		return ctl_queue_fail(ctl, id, r == 0 ? STORE_E_NOTFOUND : r);
	}
	if (ctl_flag(args, "json"))
		ctl_queue_show_json(&v);
	else
		ctl_queue_show_text(&v);
	store_queue_entry_free(&v.e);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- retry */

struct ctl_queue_retry_req {
	uint64_t id; /* 0: every entry */
	int64_t now;
	uint64_t *ids; /* --all: the entries found, rescheduled */
	size_t n, cap;
};

static int ctl_queue_retry_collect(void *arg, const struct store_qentry *e)
{
	struct ctl_queue_retry_req *q = arg;

	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->ids = xrealloc(q->ids, q->cap * sizeof(*q->ids));
	}
	q->ids[q->n++] = e->id;
	return 0;
}

/* May run again on replay: starts over each time. */
static int ctl_queue_retry_apply(struct store_txn *txn, void *arg)
{
	struct ctl_queue_retry_req *q = arg;
	int r;

	if (q->id != 0)
		return store_queue_retry(txn, q->id, q->now);
	q->n = 0;
	r = store_queue_each(txn, ctl_queue_retry_collect, q);
	for (size_t i = 0; i < q->n && r == 0; i++)
		r = store_queue_retry(txn, q->ids[i], q->now);
	return r;
}

int ctl_queue_retry(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_queue_retry_req q = {0};
	bool all = ctl_flag(args, "all");
	int r;

	if (all && args->npos > 0)
		return ctl_usage(ctl, "give either an ID or --all, not both");
	if (!all && args->npos == 0)
		return ctl_usage(ctl, "missing ID (or --all)");
	if (!all && ctl_queue_id(ctl, args->pos[0], &q.id) != 0)
		return CTL_EXIT_USAGE;
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	q.now = time_now();
	r = ctl_run_write(ctl, ctl_queue_retry_apply, &q);
	free(q.ids);
	if (r != 0 && !all)
		return ctl_queue_fail(ctl, q.id, r);
	if (r != 0)
		return ctl_fail(ctl, "retrying the queue: %s", store_strerror(r));
	if (all)
		printf("%zu queue %s due now\n", q.n, q.n == 1 ? "entry" : "entries");
	else
		printf("queue entry %llu: due now\n", (unsigned long long)q.id);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- delete */

struct ctl_queue_delete_req {
	uint64_t id;
	char return_path[STORE_QADDR_MAX + 1];
	size_t n_rcpts, n_open;
};

static int ctl_queue_delete_apply(struct store_txn *txn, void *arg)
{
	struct ctl_queue_delete_req *q = arg;
	struct store_qentry e;
	int r = store_queue_get(txn, q->id, &e);

	if (r <= 0)
		return r == 0 ? STORE_E_NOTFOUND : r;
	str_copy(q->return_path, sizeof(q->return_path), e.return_path);
	q->n_rcpts = e.n_rcpts;
	q->n_open = ctl_queue_open_rcpts(&e);
	store_queue_entry_free(&e);
	return store_queue_delete(txn, q->id);
}

int ctl_queue_delete(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_queue_delete_req q;
	int r;

	memset(&q, 0, sizeof(q));
	if (ctl_queue_id(ctl, args->pos[0], &q.id) != 0)
		return CTL_EXIT_USAGE;
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = ctl_run_write(ctl, ctl_queue_delete_apply, &q);
	if (r != 0)
		return ctl_queue_fail(ctl, q.id, r);
	/* No bounce goes out for a deleted entry: leave a trace. */
	log_warn("queue: entry deleted by an administrator id=%llu return_path=<%s> "
	         "recipients=%zu undelivered=%zu",
	         (unsigned long long)q.id, q.return_path, q.n_rcpts, q.n_open);
	printf("queue entry %llu: deleted (%zu of %zu recipients not delivered, no bounce sent)\n",
	       (unsigned long long)q.id, q.n_open, q.n_rcpts);
	return CTL_EXIT_OK;
}
