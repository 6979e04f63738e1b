/* SPDX-License-Identifier: ISC */
/* balisectl sieve list|get|activate|delete: a BAL's Sieve scripts in the
 * store. (sieve put needs the Sieve compiler and comes with it.) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_json.h"
#include "util.h"

/* ---------------------------------------------------------------- list */

struct ctl_sieve_list {
	struct store_sieve *v;
	size_t n, cap;
};

static int ctl_sieve_collect(void *arg, const struct store_sieve *s)
{
	struct ctl_sieve_list *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *s;
	return 0;
}

static void ctl_sieve_list_json(const struct store_bal *bal, const struct ctl_sieve_list *l,
                                uint64_t bytes)
{
	struct ctl_json j;
	char t[32];

	ctl_json_init(&j);
	ctl_json_object_begin(&j);
	ctl_json_kstr(&j, "bal", bal->address);
	ctl_json_ku64(&j, "bytes", bytes);
	ctl_json_ku64(&j, "bytes_max", STORE_SIEVE_TOTAL_MAX);
	ctl_json_ku64(&j, "scripts_max", STORE_SIEVE_SCRIPTS_MAX);
	ctl_json_key(&j, "scripts");
	ctl_json_array_begin(&j);
	for (size_t i = 0; i < l->n; i++) {
		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "name", l->v[i].name);
		ctl_json_kbool(&j, "active", l->v[i].active);
		ctl_json_ku64(&j, "size", l->v[i].text_len);
		ctl_json_ku64(&j, "compiled_size", l->v[i].compiled_len);
		ctl_json_ku64(&j, "compiled_version", l->v[i].compiled_version);
		ctl_format_time(l->v[i].updated, t, sizeof(t));
		ctl_json_kstr(&j, "updated", t);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	ctl_json_print(&j, stdout);
	ctl_json_free(&j);
}

static void ctl_sieve_list_text(const struct ctl_sieve_list *l, uint64_t bytes)
{
	char t[32];

	printf("%-6s  %8s  %-20s  %s\n", "ACTIVE", "SIZE", "UPDATED", "NAME");
	for (size_t i = 0; i < l->n; i++) {
		ctl_format_time(l->v[i].updated, t, sizeof(t));
		printf("%-6s  %8u  %-20s  ", l->v[i].active ? "yes" : "", l->v[i].text_len, t);
		ctl_print_text(stdout, l->v[i].name, 0);
		putchar('\n');
	}
	printf("%zu of %d scripts, %llu of %d bytes\n", l->n, STORE_SIEVE_SCRIPTS_MAX,
	       (unsigned long long)bytes, STORE_SIEVE_TOTAL_MAX);
}

int ctl_sieve_list(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_sieve_list l = {0};
	struct store_bal bal;
	struct store_txn *txn;
	uint64_t bytes = 0;
	int r = ctl_bal_lookup(ctl, args->pos[0], &bal);

	if (r <= 0)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = store_sieve_each(txn, bal.id, ctl_sieve_collect, &l);
	store_read_end(&txn);
	for (size_t i = 0; i < l.n; i++)
		bytes += l.v[i].text_len;
	if (r < 0) {
		free(l.v);
		return ctl_fail(ctl, "%s: listing scripts: %s", bal.address, store_strerror(r));
	}
	if (ctl_flag(args, "json"))
		ctl_sieve_list_json(&bal, &l, bytes);
	else
		ctl_sieve_list_text(&l, bytes);
	free(l.v);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- get */

int ctl_sieve_get(struct ctl *ctl, const struct ctl_args *args)
{
	struct store_bal bal;
	struct store_sieve s;
	struct store_txn *txn;
	int r = ctl_bal_lookup(ctl, args->pos[0], &bal);

	if (r <= 0)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = store_sieve_get(txn, bal.id, args->pos[1], &s);
	if (r == 1 && fwrite(s.text.p, 1, s.text.len, stdout) != s.text.len)
		r = STORE_E_IO;
	store_read_end(&txn);
	if (r == 0)
		return ctl_fail(ctl, "%s: no script named \"%s\"", bal.address, args->pos[1]);
	if (r < 0)
		return ctl_fail(ctl, "%s: %s", bal.address, store_strerror(r));
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- activate, delete */

struct ctl_sieve_edit {
	const char *address, *name; /* name NULL: deactivate */
	bool delete;
	uint64_t bal_id;
	const char *why;
};

static int ctl_sieve_edit_apply(struct store_txn *txn, void *arg)
{
	struct ctl_sieve_edit *e = arg;
	struct store_bal *b = xmalloc(sizeof(*b));
	int r = store_bal_get_by_addr(txn, e->address, b);

	e->why = NULL;
	e->bal_id = r == 1 ? b->id : 0;
	free(b);
	if (r <= 0)
		return r == 0 ? STORE_E_NOTFOUND : r;
	if (e->delete)
		return store_sieve_delete(txn, e->bal_id, e->name, &e->why);
	return store_sieve_set_active(txn, e->bal_id, e->name);
}

static int ctl_sieve_edit_run(struct ctl *ctl, struct ctl_sieve_edit *e)
{
	struct store_bal bal;
	int r = ctl_bal_lookup(ctl, e->address, &bal);

	if (r <= 0)
		return CTL_EXIT_REFUSED;
	r = ctl_run_write(ctl, ctl_sieve_edit_apply, e);
	if (r == STORE_E_NOTFOUND)
		return ctl_fail(ctl, "%s: no script named \"%s\"", bal.address, e->name);
	if (r == STORE_E_INVALID && e->delete)
		return ctl_fail(ctl, "%s: script \"%s\" is active; deactivate it first (sieve "
		                     "activate %s --none)",
		                bal.address, e->name, bal.address);
	if (r < 0)
		return ctl_fail(ctl, "%s: %s", bal.address, e->why ? e->why : store_strerror(r));
	if (e->delete)
		printf("script \"%s\" of %s deleted\n", e->name, bal.address);
	else if (e->name != NULL)
		printf("script \"%s\" of %s is now the active one\n", e->name, bal.address);
	else
		printf("%s has no active script now\n", bal.address);
	return CTL_EXIT_OK;
}

int ctl_sieve_activate(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_sieve_edit e = {.address = args->pos[0]};
	bool none = ctl_flag(args, "none");

	if (none == (args->npos == 2))
		return ctl_usage(ctl, "name one script, or --none to deactivate every script");
	e.name = none ? NULL : args->pos[1];
	return ctl_sieve_edit_run(ctl, &e);
}

int ctl_sieve_delete(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_sieve_edit e = {.address = args->pos[0], .name = args->pos[1], .delete = true};

	return ctl_sieve_edit_run(ctl, &e);
}
