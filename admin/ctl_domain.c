/* SPDX-License-Identifier: ISC */
/* balisectl domain add|remove|list. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "ctl_json.h"
#include "util.h"

struct ctl_domain_req {
	const char *domain;
	bool add;
};

static int ctl_domain_apply(struct store_txn *txn, void *arg)
{
	struct ctl_domain_req *req = arg;

	return req->add ? store_domain_add(txn, req->domain)
	                : store_domain_remove(txn, req->domain);
}

static int ctl_domain_change(struct ctl *ctl, const char *arg, bool add)
{
	char domain[STORE_DOMAIN_MAX + 1];
	struct ctl_domain_req req = {domain, add};
	const char *why;
	int r;

	if (str_copy(domain, sizeof(domain), arg) < 0)
		return ctl_fail(ctl, "domain longer than %d characters", STORE_DOMAIN_MAX);
	str_lower(domain); /* domains are case-insensitive; say it as stored */
	if (add && store_domain_check(domain, &why) != STORE_OK)
		return ctl_fail(ctl, "\"%s\": not a valid domain name: %s", domain, why);
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = ctl_run_write(ctl, ctl_domain_apply, &req);
	switch (r) {
	case STORE_OK:
		printf("domain %s: %s\n", domain, add ? "added" : "removed");
		return CTL_EXIT_OK;
	case STORE_E_EXISTS:
		return ctl_fail(ctl, "%s: domain already served here", domain);
	case STORE_E_NOTFOUND:
		return ctl_fail(ctl, "%s: no such domain", domain);
	case STORE_E_NOTEMPTY:
		return ctl_fail(ctl, "%s: domain still has BALs; delete them first", domain);
	case STORE_E_INVALID:
		return ctl_fail(ctl, "\"%s\": not a valid domain name", domain);
	default:
		return ctl_fail(ctl, "%s: %s", domain, store_strerror(r));
	}
}

int ctl_domain_add(struct ctl *ctl, const struct ctl_args *args)
{
	return ctl_domain_change(ctl, args->pos[0], true);
}

int ctl_domain_remove(struct ctl *ctl, const struct ctl_args *args)
{
	return ctl_domain_change(ctl, args->pos[0], false);
}

/* ---------------------------------------------------------------- list */

struct ctl_domain_row {
	char name[STORE_DOMAIN_MAX + 1];
	uint64_t bals;
};

struct ctl_domain_list {
	struct ctl_domain_row *rows;
	size_t n, cap;
};

static int ctl_domain_collect(void *arg, const char *domain)
{
	struct ctl_domain_list *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->rows = xrealloc(l->rows, l->cap * sizeof(*l->rows));
	}
	memset(&l->rows[l->n], 0, sizeof(l->rows[l->n]));
	str_copy(l->rows[l->n].name, sizeof(l->rows[l->n].name), domain);
	l->n++;
	return 0;
}

static int ctl_domain_count_bal(void *arg, const struct store_bal *bal)
{
	struct ctl_domain_list *l = arg;
	const char *at = strrchr(bal->address, '@');

	for (size_t i = 0; at != NULL && i < l->n; i++)
		if (strcasecmp(l->rows[i].name, at + 1) == 0)
			l->rows[i].bals++;
	return 0;
}

static void ctl_domain_print(const struct ctl_domain_list *l, bool json)
{
	size_t w = strlen("DOMAIN");

	if (json) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_json_array_begin(&j);
		for (size_t i = 0; i < l->n; i++) {
			ctl_json_object_begin(&j);
			ctl_json_kstr(&j, "domain", l->rows[i].name);
			ctl_json_ku64(&j, "bals", l->rows[i].bals);
			ctl_json_object_end(&j);
		}
		ctl_json_array_end(&j);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->rows[i].name) > w)
			w = strlen(l->rows[i].name);
	printf("%-*s  %s\n", (int)w, "DOMAIN", "BALS");
	for (size_t i = 0; i < l->n; i++)
		printf("%-*s  %llu\n", (int)w, l->rows[i].name,
		       (unsigned long long)l->rows[i].bals);
}

int ctl_domain_list(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_domain_list l = {0};
	struct store_txn *txn;
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = store_domain_each(txn, ctl_domain_collect, &l);
	if (r >= 0)
		r = store_bal_each(txn, ctl_domain_count_bal, &l);
	store_read_end(&txn);
	if (r < 0) {
		free(l.rows);
		return ctl_fail(ctl, "%s", store_strerror(r));
	}
	ctl_domain_print(&l, ctl_flag(args, "json"));
	free(l.rows);
	return CTL_EXIT_OK;
}
