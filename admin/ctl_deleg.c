/* SPDX-License-Identifier: ISC */
/* balisectl delegate grant|revoke|list|log: the rights a BAL gives another
 * BAL's user (RFC 4314 letters, whole BAL or one mailbox), and the list of
 * delegated accesses its owner may read. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_json.h"
#include "util.h"

const struct ctl_opt ctl_opts_delegate_grant[] = {
    {"rights", CTL_OPT_ARG, NULL}, {"mailbox", CTL_OPT_ARG, NULL}, {NULL, 0, NULL}};
const struct ctl_opt ctl_opts_delegate_revoke[] = {{"mailbox", CTL_OPT_ARG, NULL},
                                                   {NULL, 0, NULL}};
const struct ctl_opt ctl_opts_delegate_log[] = {
    {"since", CTL_OPT_ARG, NULL}, {"json", 0, NULL}, {NULL, 0, NULL}};

/* One grant or revocation, resolved by address inside the write. */
struct ctl_deleg_req {
	const char *bal, *grantee, *mailbox; /* mailbox NULL: the whole BAL */
	unsigned rights;                     /* 0: revoke */
	const char *why;                     /* the refusal */
	const char *why_arg, *why_val;       /* the argument at fault, or NULL */
};

static void ctl_deleg_why(struct ctl_deleg_req *q, const char *arg, const char *val,
                          const char *why)
{
	q->why_arg = arg;
	q->why_val = val;
	q->why = why;
}

static int ctl_deleg_apply(struct store_txn *txn, void *arg)
{
	struct ctl_deleg_req *q = arg;
	struct store_bal *b = xmalloc(sizeof(*b));
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	struct store_deleg g = {.rights = q->rights};
	int r = store_bal_get_by_addr(txn, q->bal, b);

	ctl_deleg_why(q, NULL, NULL, NULL);
	if (r == 0)
		ctl_deleg_why(q, "BAL", q->bal, "no such BAL");
	g.bal_id = b->id;
	if (r == 1 && (r = store_bal_get_by_addr(txn, q->grantee, b)) == 0)
		ctl_deleg_why(q, "GRANTEE", q->grantee, "no such BAL");
	g.grantee_id = b->id;
	if (r == 1 && q->mailbox != NULL && (r = store_mailbox_get(txn, g.bal_id, q->mailbox, mb)) == 0)
		ctl_deleg_why(q, "--mailbox", q->mailbox, "the BAL has no such mailbox");
	g.mailbox_id = q->mailbox != NULL ? mb->id : 0;
	if (r == 1 && g.bal_id == g.grantee_id) {
		ctl_deleg_why(q, "GRANTEE", q->grantee, "a BAL cannot delegate to itself");
		r = STORE_E_INVALID;
	}
	if (r == 1 && q->rights != 0) {
		r = store_deleg_set(txn, &g, &q->why);
	} else if (r == 1) {
		r = store_deleg_remove(txn, g.bal_id, g.grantee_id, g.mailbox_id);
		if (r == STORE_E_NOTFOUND)
			q->why = "no such delegation";
	} else if (r == 0) {
		r = STORE_E_NOTFOUND;
	}
	free(b);
	free(mb);
	return r;
}

static int ctl_deleg_write(struct ctl *ctl, struct ctl_deleg_req *q)
{
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = ctl_run_write(ctl, ctl_deleg_apply, q);
	if (r == 0)
		return CTL_EXIT_OK;
	if (q->why_arg != NULL)
		return ctl_fail(ctl, "%s %s: %s", q->why_arg, q->why_val, q->why);
	if (q->why != NULL)
		return ctl_fail(ctl, "%s", q->why);
	return ctl_fail(ctl, "%s", store_strerror(r));
}

int ctl_delegate_grant(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_deleg_req q = {args->pos[0], args->pos[1], ctl_arg(args, "mailbox"), 0, NULL,
	                          NULL, NULL};
	const char *letters = ctl_arg(args, "rights");
	char bad;

	if (letters == NULL)
		return ctl_usage(ctl, "--rights is required");
	if (store_rights_parse(letters, &q.rights, &bad) != 0) {
		if (bad == 0)
			return ctl_usage(ctl, "--rights: empty; give RFC 4314 letters among %s",
			                 STORE_RIGHTS_LETTERS);
		return ctl_usage(ctl, "--rights: '%c' is not a right; use letters among %s", bad,
		                 STORE_RIGHTS_LETTERS);
	}
	return ctl_deleg_write(ctl, &q);
}

int ctl_delegate_revoke(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_deleg_req q = {args->pos[0], args->pos[1], ctl_arg(args, "mailbox"), 0, NULL,
	                          NULL, NULL};

	return ctl_deleg_write(ctl, &q);
}

/* ---------------------------------------------------------------- list */

struct ctl_deleg_list {
	struct store_txn *txn;
	struct ctl_json *json; /* NULL: text */
	int err;
};

/* Address of a BAL id, or "?" when it cannot be read. */
static void ctl_deleg_addr(struct store_txn *txn, uint64_t id, char *out, size_t outsz)
{
	struct store_bal *b = xmalloc(sizeof(*b));

	str_copy(out, outsz, store_bal_get(txn, id, b) == 1 ? b->address : "?");
	free(b);
}

static int ctl_deleg_row(void *arg, const struct store_deleg *g)
{
	struct ctl_deleg_list *l = arg;
	char bal[STORE_ADDR_MAX + 1], grantee[STORE_ADDR_MAX + 1], rights[STORE_RIGHTS_MAX + 1];
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	const char *mailbox = NULL;

	ctl_deleg_addr(l->txn, g->bal_id, bal, sizeof(bal));
	ctl_deleg_addr(l->txn, g->grantee_id, grantee, sizeof(grantee));
	store_rights_format(g->rights, rights);
	if (g->mailbox_id != 0)
		mailbox = store_mailbox_get_by_id(l->txn, g->mailbox_id, mb) == 1 ? mb->name : "?";
	if (l->json != NULL) {
		ctl_json_object_begin(l->json);
		ctl_json_kstr(l->json, "bal", bal);
		ctl_json_kstr(l->json, "grantee", grantee);
		ctl_json_key(l->json, "mailbox");
		if (mailbox == NULL)
			ctl_json_null(l->json);
		else
			ctl_json_str(l->json, mailbox);
		ctl_json_kstr(l->json, "rights", rights);
		ctl_json_object_end(l->json);
	} else {
		ctl_print_text(stdout, bal, 32);
		fputc(' ', stdout);
		ctl_print_text(stdout, grantee, 32);
		printf(" %-11s ", rights[0] != '\0' ? rights : "none");
		ctl_print_text(stdout, mailbox != NULL ? mailbox : "*", 0);
		fputc('\n', stdout);
	}
	free(mb);
	return 0;
}

/* Opens the store and a read txn; with bal_addr, looks the BAL up. */
static int ctl_deleg_read_begin(struct ctl *ctl, const char *bal_addr, struct store_bal *bal,
                                struct store_txn **txn_r)
{
	int r;

	bal->id = 0;
	if (bal_addr != NULL && ctl_bal_lookup(ctl, bal_addr, bal) != 1)
		return CTL_EXIT_REFUSED;
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, txn_r);
	return r == 0 ? CTL_EXIT_OK : ctl_fail(ctl, "%s", store_strerror(r));
}

int ctl_delegate_list(struct ctl *ctl, const struct ctl_args *args)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct ctl_json j;
	struct ctl_deleg_list l = {0};
	int r = ctl_deleg_read_begin(ctl, args->npos > 0 ? args->pos[0] : NULL, bal, &l.txn);

	if (r != CTL_EXIT_OK)
		goto out;
	if (ctl_flag(args, "json")) {
		ctl_json_init(&j);
		ctl_json_array_begin(&j);
		l.json = &j;
	} else {
		printf("%-32s %-32s %-11s %s\n", "BAL", "GRANTEE", "RIGHTS", "MAILBOX");
	}
	r = store_deleg_each(l.txn, bal->id, ctl_deleg_row, &l);
	store_read_end(&l.txn);
	if (l.json != NULL) {
		ctl_json_array_end(&j);
		if (r == 0)
			ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	}
	r = r == 0 ? CTL_EXIT_OK : ctl_fail(ctl, "%s", store_strerror(r));
out:
	free(bal);
	return r;
}

/* ---------------------------------------------------------------- log */

/* "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ"; -1 when neither. */
static int64_t ctl_deleg_parse_date(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && *end == 'T')
		end = strptime(end, "T%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return (int64_t)timegm(&tm);
}

static int ctl_deleg_log_row(void *arg, const struct store_deleg_access *a)
{
	struct ctl_deleg_list *l = arg;
	char when[32];

	ctl_format_time(a->time, when, sizeof(when));
	if (l->json != NULL) {
		ctl_json_object_begin(l->json);
		ctl_json_kstr(l->json, "time", when);
		ctl_json_kstr(l->json, "grantee", a->grantee);
		ctl_json_kstr(l->json, "protocol", a->protocol);
		ctl_json_object_end(l->json);
	} else {
		printf("%-20s ", when);
		ctl_print_text(stdout, a->grantee, 32);
		putchar(' ');
		ctl_print_text(stdout, a->protocol, 0);
		putchar('\n');
	}
	return 0;
}

int ctl_delegate_log(struct ctl *ctl, const struct ctl_args *args)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	const char *since_s = ctl_arg(args, "since");
	int64_t since = since_s != NULL ? ctl_deleg_parse_date(since_s) : INT64_MIN;
	struct ctl_deleg_list l = {0};
	struct ctl_json j;
	int r;

	if (since == -1) {
		free(bal);
		return ctl_usage(ctl, "--since: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got \"%s\"",
		                 since_s);
	}
	r = ctl_deleg_read_begin(ctl, args->pos[0], bal, &l.txn);
	if (r != CTL_EXIT_OK)
		goto out;
	if (ctl_flag(args, "json")) {
		ctl_json_init(&j);
		ctl_json_array_begin(&j);
		l.json = &j;
	} else {
		printf("%-20s %-32s %s\n", "TIME", "DELEGATE", "PROTOCOL");
	}
	r = store_deleg_log_each(l.txn, bal->id, since, ctl_deleg_log_row, &l);
	store_read_end(&l.txn);
	if (l.json != NULL) {
		ctl_json_array_end(&j);
		if (r == 0)
			ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	}
	r = r == 0 ? CTL_EXIT_OK : ctl_fail(ctl, "%s", store_strerror(r));
out:
	free(bal);
	return r;
}
