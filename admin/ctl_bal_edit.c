/* SPDX-License-Identifier: ISC */
/* balisectl bal set|passwd|delete|check-password: changes to an existing
 * BAL, each one write request that re-reads the BAL inside the writer's
 * transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctl.h"
#include "pwhash.h"
#include "util.h"

enum ctl_bal_change {
	CTL_CH_QUOTA = 1 << 0,
	CTL_CH_QMSGS = 1 << 1,
	CTL_CH_NAME = 1 << 2,
	CTL_CH_STATE = 1 << 3,
	CTL_CH_HOLDER = 1 << 4,
	CTL_CH_COHOLDERS = 1 << 5,
	CTL_CH_PASSWORD = 1 << 6,
	CTL_CH_DELETE = 1 << 7,
	CTL_CH_LIFECYCLE = 1 << 8, /* --sent-retention, --contact: ctl_bal_set_lifecycle */
};

struct ctl_bal_edit {
	const char *address;
	unsigned changes;      /* enum ctl_bal_change bits */
	struct store_bal want; /* new values of the changed fields */
	struct store_bal out;  /* the BAL after the change */
	const char *why;
};

static void ctl_bal_edit_patch(const struct ctl_bal_edit *e, struct store_bal *b)
{
	if (e->changes & CTL_CH_QUOTA)
		b->quota_bytes = e->want.quota_bytes;
	if (e->changes & CTL_CH_QMSGS)
		b->quota_messages = e->want.quota_messages;
	if (e->changes & CTL_CH_NAME)
		memcpy(b->display_name, e->want.display_name, sizeof(b->display_name));
	if (e->changes & CTL_CH_STATE)
		b->state = e->want.state;
	if (e->changes & CTL_CH_HOLDER) {
		b->holder_type = e->want.holder_type;
		memcpy(b->holder, e->want.holder, sizeof(b->holder));
	}
	if (e->changes & CTL_CH_COHOLDERS) {
		b->n_coholders = e->want.n_coholders;
		memcpy(b->coholders, e->want.coholders, sizeof(b->coholders));
	}
	if (e->changes & CTL_CH_PASSWORD)
		memcpy(b->password_hash, e->want.password_hash, sizeof(b->password_hash));
	if (e->changes & CTL_CH_LIFECYCLE) {
		if (e->want.sent_retention != UINT32_MAX)
			b->sent_retention = e->want.sent_retention;
		if (e->want.contact[0] != '\x01')
			memcpy(b->contact, e->want.contact, sizeof(b->contact));
	}
}

/* --sent-retention DAYS and --contact ADDRESS; an option not given is
 * marked (UINT32_MAX, "\x01") so that the patch keeps the stored value. */
static int ctl_bal_set_lifecycle(struct ctl *ctl, const struct ctl_args *args,
                                 struct ctl_bal_edit *e)
{
	const char *days = ctl_arg(args, "sent-retention"), *contact = ctl_arg(args, "contact");
	uint64_t d;

	e->want.sent_retention = UINT32_MAX;
	strcpy(e->want.contact, "\x01");
	if (days != NULL) {
		if (ctl_parse_uint(ctl, "sent-retention", days, 36500, &d) < 0)
			return CTL_EXIT_USAGE;
		e->want.sent_retention = (uint32_t)d;
		e->changes |= CTL_CH_LIFECYCLE;
	}
	if (contact != NULL) {
		const char *at = strchr(contact, '@');
		if (contact[0] != '\0' && (at == NULL || at == contact || at[1] == '\0' ||
		                           strpbrk(contact, " \t\r\n<>\"") != NULL))
			return ctl_usage(ctl, "--contact: expected an address local@domain");
		if (str_copy(e->want.contact, sizeof(e->want.contact), contact) < 0)
			return ctl_usage(ctl, "--contact: longer than %d bytes", STORE_ADDR_MAX);
		e->changes |= CTL_CH_LIFECYCLE;
	}
	return CTL_EXIT_OK;
}

/* Same outcome when replayed: everything is read again from the txn. */
static int ctl_bal_edit_apply(struct store_txn *txn, void *arg)
{
	struct ctl_bal_edit *e = arg;
	int r;

	e->why = NULL;
	r = store_bal_get_by_addr(txn, e->address, &e->out);
	if (r == 0)
		return STORE_E_NOTFOUND;
	if (r < 0)
		return r;
	if (e->changes & CTL_CH_DELETE)
		return store_bal_delete(txn, e->out.id);
	ctl_bal_edit_patch(e, &e->out);
	return store_bal_update(txn, &e->out, &e->why);
}

static int ctl_bal_edit_run(struct ctl *ctl, struct ctl_bal_edit *e, const char *done)
{
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = ctl_run_write(ctl, ctl_bal_edit_apply, e);
	explicit_bzero(e->want.password_hash, sizeof(e->want.password_hash));
	explicit_bzero(e->out.password_hash, sizeof(e->out.password_hash));
	if (r != STORE_OK)
		return ctl_bal_fail(ctl, e->address, r, e->why);
	printf("%s %s\n", done, e->out.address);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- set */

static int ctl_bal_set_state(struct ctl *ctl, const char *s, struct ctl_bal_edit *e)
{
	int st = store_bal_state_parse(s);

	if (st == BAL_DELETION_REQUESTED)
		return ctl_usage(ctl, "--state: deletion-requested is recorded from the holder's "
		                      "deletion request, not set here; use active or suspended");
	if (st != BAL_ACTIVE && st != BAL_SUSPENDED)
		return ctl_usage(ctl, "--state: expected active or suspended, got \"%s\"", s);
	e->want.state = (enum store_bal_state)st;
	e->changes |= CTL_CH_STATE;
	return CTL_EXIT_OK;
}

static int ctl_bal_set_quota(struct ctl *ctl, const struct ctl_args *args, struct ctl_bal_edit *e)
{
	const char *q = ctl_arg(args, "quota"), *qm = ctl_arg(args, "quota-messages");

	if (q != NULL) {
		if (ctl_parse_size(ctl, "quota", q, &e->want.quota_bytes) < 0)
			return CTL_EXIT_USAGE;
		e->changes |= CTL_CH_QUOTA;
	}
	if (qm != NULL) {
		if (ctl_parse_uint(ctl, "quota-messages", qm, UINT64_MAX, &e->want.quota_messages) <
		    0)
			return CTL_EXIT_USAGE;
		e->changes |= CTL_CH_QMSGS;
	}
	return CTL_EXIT_OK;
}

static int ctl_bal_set_parse(struct ctl *ctl, const struct ctl_args *args, struct ctl_bal_edit *e)
{
	const char *name = ctl_arg(args, "name"), *state = ctl_arg(args, "state");
	bool holder;
	unsigned nco;
	int r;

	if ((r = ctl_bal_set_quota(ctl, args, e)) != CTL_EXIT_OK)
		return r;
	if (name != NULL) {
		if (str_copy(e->want.display_name, sizeof(e->want.display_name), name) < 0)
			return ctl_usage(ctl, "--name: longer than %d bytes", STORE_DISPLAY_MAX);
		e->changes |= CTL_CH_NAME;
	}
	if (state != NULL && (r = ctl_bal_set_state(ctl, state, e)) != CTL_EXIT_OK)
		return r;
	if ((r = ctl_bal_holder_args(ctl, args, &e->want, false, &holder)) != CTL_EXIT_OK)
		return r;
	if (holder)
		e->changes |= CTL_CH_HOLDER;
	ctl_arg_all(args, "co-holder", &nco);
	if (nco > 0 && ctl_flag(args, "no-co-holders"))
		return ctl_usage(ctl, "--co-holder and --no-co-holders exclude each other");
	if (nco > 0 || ctl_flag(args, "no-co-holders"))
		e->changes |= CTL_CH_COHOLDERS; /* want.n_coholders is 0 for --no-co-holders */
	if ((r = ctl_bal_set_lifecycle(ctl, args, e)) != CTL_EXIT_OK)
		return r;
	if (e->changes == 0)
		return ctl_usage(ctl, "nothing to change (--quota, --quota-messages, --name, "
		                      "--state, --holder-type/--holder, --co-holder, "
		                      "--sent-retention, --contact)");
	return CTL_EXIT_OK;
}

int ctl_bal_set(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_bal_edit e;
	int r;

	memset(&e, 0, sizeof(e));
	e.address = args->pos[0];
	r = ctl_bal_set_parse(ctl, args, &e);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_bal_edit_run(ctl, &e, "updated BAL");
}

/* ---------------------------------------------------------------- passwd */

int ctl_bal_passwd(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_bal_edit e;
	int r;

	memset(&e, 0, sizeof(e));
	e.address = args->pos[0];
	/* Say "no such BAL" before asking for a password. */
	r = ctl_bal_lookup(ctl, e.address, &e.out);
	explicit_bzero(e.out.password_hash, sizeof(e.out.password_hash));
	if (r <= 0)
		return CTL_EXIT_REFUSED;
	r = ctl_bal_password_hash(ctl, e.want.password_hash, sizeof(e.want.password_hash));
	if (r != CTL_EXIT_OK)
		return r;
	e.changes = CTL_CH_PASSWORD;
	return ctl_bal_edit_run(ctl, &e, "password set for");
}

/* ---------------------------------------------------------------- delete */

static int ctl_bal_delete_confirm(struct ctl *ctl, const char *address)
{
	char line[STORE_ADDR_MAX + 2];

	fprintf(stderr, "This deletes %s with all its mail; it cannot be undone.\n", address);
	ctl_read_tty_line("Type the address to confirm: ", line, sizeof(line), false);
	if (strcasecmp(line, address) != 0)
		return ctl_fail(ctl, "confirmation did not match; nothing deleted");
	return CTL_EXIT_OK;
}

int ctl_bal_delete(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_bal_edit e;
	bool yes = ctl_flag(args, "yes");
	int r;

	memset(&e, 0, sizeof(e));
	e.address = args->pos[0];
	if (!yes && !isatty(STDIN_FILENO))
		return ctl_fail(ctl, "refusing to delete without --yes");
	r = ctl_bal_lookup(ctl, e.address, &e.out);
	explicit_bzero(e.out.password_hash, sizeof(e.out.password_hash));
	if (r <= 0)
		return CTL_EXIT_REFUSED;
	if (!yes && (r = ctl_bal_delete_confirm(ctl, e.out.address)) != CTL_EXIT_OK)
		return r;
	e.changes = CTL_CH_DELETE;
	return ctl_bal_edit_run(ctl, &e, "deleted BAL");
}

/* ---------------------------------------------------------------- check-password */

int ctl_bal_check_password(struct ctl *ctl, const struct ctl_args *args)
{
	struct store_bal bal;
	char pw[CTL_PASSWORD_MAX + 2];
	size_t len;
	int r;

	r = ctl_bal_lookup(ctl, args->pos[0], &bal);
	if (r <= 0)
		return CTL_EXIT_REFUSED;
	if (bal.password_hash[0] == '\0')
		return ctl_fail(ctl, "%s: no password set", bal.address);
	if (ctl_read_password(ctl, "Password: ", pw, sizeof(pw), &len, false) < 0) {
		explicit_bzero(bal.password_hash, sizeof(bal.password_hash));
		return CTL_EXIT_REFUSED;
	}
	r = pwhash_verify(bal.password_hash, pw, len);
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(bal.password_hash, sizeof(bal.password_hash));
	if (r < 0)
		return ctl_fail(ctl, "%s: the stored password hash is unreadable", bal.address);
	if (r == 0)
		return ctl_fail(ctl, "%s: password does not match", bal.address);
	printf("password matches\n");
	return CTL_EXIT_OK;
}
