/* SPDX-License-Identifier: ISC */
/* balisectl sieve put|list|get|activate|delete: a BAL's Sieve scripts in
 * the store; put compiles under the forwarding rule (server/sieve_upload).
 * Also what the Sieve commands share (ctl_sieve.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annuaire.h"
#include "ctl.h"
#include "ctl_json.h"
#include "ctl_sieve.h"
#include "sieve_upload.h"
#include "util.h"
#include "whitelist.h"

/* ---------------------------------------------------------------- shared */

int ctl_policy_load(struct ctl *ctl, struct ctl_policy *p)
{
	char err[ANNUAIRE_ERR_MAX > WHITELIST_ERR_MAX ? ANNUAIRE_ERR_MAX : WHITELIST_ERR_MAX];
	const char *ann = ctl->cfg.annuaire, *wl = ctl->cfg.whitelist;

	memset(p, 0, sizeof(*p));
	if (ann != NULL && ann[0] != '\0') {
		p->annuaire = annuaire_load(ann, err, sizeof(err));
		if (p->annuaire == NULL)
			return ctl_fail(ctl, "[trust] annuaire: %s", err);
	}
	if (wl != NULL && wl[0] != '\0') {
		p->whitelist = whitelist_load(wl, err, sizeof(err));
		if (p->whitelist == NULL) {
			annuaire_unref(&p->annuaire);
			return ctl_fail(ctl, "[trust] whitelist: %s", err);
		}
	}
	p->p.annuaire = p->annuaire;
	p->p.whitelist = p->whitelist;
	p->p.redirect_structures = ctl->cfg.redirect_structures;
	return CTL_EXIT_OK;
}

void ctl_policy_free(struct ctl_policy *p)
{
	annuaire_unref(&p->annuaire);
	whitelist_unref(&p->whitelist);
	memset(p, 0, sizeof(*p));
}

int ctl_read_input(struct ctl *ctl, const char *path, size_t max, struct buf *out)
{
	bool std = strcmp(path, "-") == 0;
	int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int r = 0;

	buf_reset(out);
	if (fd < 0)
		return ctl_fail(ctl, "%s: %s", path, strerror(errno)), -1;
	while (out->len <= max) {
		ssize_t n;

		if (buf_reserve(out, 65536) < 0) {
			r = 1;
			break;
		}
		n = read(fd, out->data + out->len, out->cap - out->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ctl_fail(ctl, "%s: %s", std ? "standard input" : path, strerror(errno));
			r = -1;
			break;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	if (!std)
		close(fd);
	if (r == 0 && out->len > max)
		r = 1;
	return r;
}

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

/* ---------------------------------------------------------------- put */

struct ctl_sieve_put {
	const char *address, *name;
	struct slice text;
	bool activate;
	const struct sieve_policy *policy;
	struct sieve_upload up;
	int status; /* enum sieve_upload_status once compiled */
	bool replaced;
	enum store_sieve_space space;
	const char *why;
};

static int ctl_sieve_put_apply(struct store_txn *txn, void *arg)
{
	struct ctl_sieve_put *q = arg;
	struct store_bal *b = xmalloc(sizeof(*b));
	struct store_sieve old;
	int r = store_bal_get_by_addr(txn, q->address, b);

	q->why = NULL;
	q->status = -1;
	q->space = SIEVE_SPACE_OK;
	if (r == 0)
		r = STORE_E_NOTFOUND;
	else if (r == 1)
		r = store_sieve_space(txn, b->id, q->name, q->text.len, &q->space, &q->why);
	if (r == 0) {
		r = sieve_upload_compile(q->policy, txn, b, (const char *)q->text.p, q->text.len,
		                         &q->up);
		q->status = r;
		r = r > 0 ? STORE_E_INVALID : r;
	}
	if (r == 0)
		r = store_sieve_get(txn, b->id, q->name, &old);
	if (r >= 0) {
		q->replaced = r == 1;
		r = store_sieve_put(txn, b->id, q->name, q->text, q->up.compiled_version,
		                    buf_slice(&q->up.compiled), 0, &q->space, &q->why);
	}
	if (r == 0 && q->activate)
		r = store_sieve_set_active(txn, b->id, q->name);
	free(b);
	return r;
}

/* The refusal of a compiled script: where, what, and the rule's reason. */
static int ctl_sieve_put_refused(struct ctl *ctl, const struct ctl_sieve_put *q, const char *file)
{
	const struct sieve_error *e = &q->up.err;

	if (e->line > 0)
		ctl_fail(ctl, "%s: script \"%s\" refused: %s: line %u, column %u: %s", q->address,
		         q->name, file, e->line, e->col, e->msg);
	else
		ctl_fail(ctl, "%s: script \"%s\" refused: %s: %s", q->address, q->name, file, e->msg);
	if (q->status == SIEVE_UPLOAD_REFUSED)
		fprintf(stderr, "%s\n", (const char *)q->up.reason_fr.data);
	return CTL_EXIT_REFUSED;
}

static int ctl_sieve_put_run(struct ctl *ctl, struct ctl_sieve_put *q, const char *file)
{
	struct ctl_policy pol;
	int r = ctl_policy_load(ctl, &pol);

	if (r != CTL_EXIT_OK)
		return r;
	q->policy = &pol.p;
	sieve_upload_init(&q->up);
	r = ctl_run_write(ctl, ctl_sieve_put_apply, q);
	ctl_policy_free(&pol);
	if (r == STORE_E_INVALID && q->status > 0)
		r = ctl_sieve_put_refused(ctl, q, file);
	else if (r == STORE_E_QUOTA)
		r = ctl_fail(ctl, "%s: script \"%s\" not stored: %s (limits: %d scripts, %d KiB "
		                  "per script, %d KiB in all)",
		             q->address, q->name, q->why ? q->why : "no space left",
		             STORE_SIEVE_SCRIPTS_MAX, STORE_SIEVE_SCRIPT_MAX / 1024,
		             STORE_SIEVE_TOTAL_MAX / 1024);
	else if (r == STORE_E_NOTFOUND)
		r = ctl_fail(ctl, "%s: no such BAL", q->address);
	else if (r < 0)
		r = ctl_fail(ctl, "%s: %s", q->address, q->why ? q->why : store_strerror(r));
	else
		printf("script \"%s\" of %s %s (%zu bytes)%s\n", q->name, q->address,
		       q->replaced ? "replaced" : "stored", q->text.len,
		       q->activate ? ", now the active one" : "");
	sieve_upload_free(&q->up);
	return r < 0 ? CTL_EXIT_REFUSED : r;
}

int ctl_sieve_put(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_sieve_put q = {.address = args->pos[0], .name = args->pos[1]};
	const char *file = args->pos[2], *why = NULL;
	struct store_bal bal;
	struct buf text;
	int r;

	if (store_sieve_name_check(q.name, &why) != 0)
		return ctl_usage(ctl, "NAME: %s", why);
	r = ctl_bal_lookup(ctl, q.address, &bal);
	if (r <= 0)
		return CTL_EXIT_REFUSED;
	q.address = bal.address;
	buf_init(&text, 0);
	r = ctl_read_input(ctl, file, STORE_SIEVE_SCRIPT_MAX, &text);
	if (r == 1)
		r = ctl_fail(ctl, "%s: script \"%s\" not stored: %s: the script is larger than "
		                  "%d KiB (the limit per script)",
		             q.address, q.name, file, STORE_SIEVE_SCRIPT_MAX / 1024);
	else if (r == 0 && text.len == 0)
		r = ctl_fail(ctl, "%s: script \"%s\" not stored: %s is empty", q.address, q.name,
		             file);
	else if (r == 0) {
		q.text = buf_slice(&text);
		q.activate = ctl_flag(args, "activate");
		r = ctl_sieve_put_run(ctl, &q, strcmp(file, "-") == 0 ? "standard input" : file);
	} else {
		r = CTL_EXIT_REFUSED;
	}
	buf_free(&text);
	return r;
}
