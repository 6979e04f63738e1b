/* SPDX-License-Identifier: ISC */
/* The ACL extension (RFC 4314): GETACL, SETACL, DELETEACL, LISTRIGHTS and
 * MYRIGHTS over the delegations of storage/store_deleg.c. Identifiers are
 * BAL addresses; the BAL's own address stands for its owner, who always
 * has every right. SETACL and DELETEACL change a mailbox's own entry (it
 * replaces the whole-BAL grant that balisectl delegate grant makes for
 * that mailbox; DELETEACL lets the whole-BAL grant apply again). Only the
 * owner, or a holder of the a right, may read or change rights. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_acl.h"
#include "imap_cmd_mailbox.h"
#include "imap_session.h"
#include "log.h"
#include "util.h"

/* Mailbox argument, existing mailbox, and the a right (or only "any
 * right" for MYRIGHTS). Replies and returns false on failure. */
static bool acl_mailbox(struct imap_cmd_ctx *ctx, char *name, struct store_mailbox *mb,
                        unsigned need)
{
	struct store_txn *txn;
	uint64_t bal_id;
	int r;

	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], name) < 0 ||
	    imap_acl_resolve(ctx, name, &bal_id) < 0)
		return false;
	r = store_read_begin(ctx->s->srv->store, &txn);
	if (r == 0) {
		r = store_mailbox_get(txn, bal_id, name, mb);
		store_read_end(&txn);
	}
	if (r < 0) {
		imap_reply_no(ctx, "SERVERBUG", "Cannot read the mailbox");
		return false;
	}
	if (r == 0) {
		imap_reply_no(ctx, "NONEXISTENT", "No such mailbox");
		return false;
	}
	return need == 0 || imap_acl_require(ctx, mb->bal_id, name, need, NULL);
}

/* An identifier (a BAL address) as a BAL id. 1 found, 0 not, or an error. */
static int acl_identifier(struct imap_cmd_ctx *ctx, const struct imap_arg *arg, uint64_t *id_r)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct store_txn *txn;
	struct slice id;
	char addr[STORE_ADDR_MAX + 1];
	int r = 0;

	if (!imap_arg_get_astring(arg, &id) || id.len == 0 || id.len > STORE_ADDR_MAX ||
	    memchr(id.p, 0, id.len) != NULL) {
		free(bal);
		return 0;
	}
	memcpy(addr, id.p, id.len);
	addr[id.len] = '\0';
	r = store_read_begin(ctx->s->srv->store, &txn);
	if (r == 0) {
		r = store_bal_get_by_addr(txn, addr, bal);
		store_read_end(&txn);
	}
	*id_r = bal->id;
	free(bal);
	return r;
}

/* Letters of RFC 4314 with the obsolete c (k x) and d (t e) of RFC 2086
 * (section 2.1.1); an optional leading + or - (mode_r) adds or removes. */
static bool acl_parse_rights(struct slice s, char *mode_r, unsigned *rights_r)
{
	unsigned rights = 0;
	size_t i = 0;

	*mode_r = '=';
	if (s.len > 0 && (s.p[0] == '+' || s.p[0] == '-'))
		*mode_r = (char)s.p[i++];
	for (; i < s.len; i++) {
		const char *p = s.p[i] != 0 ? strchr(STORE_RIGHTS_LETTERS, s.p[i]) : NULL;

		if (s.p[i] == 'c')
			rights |= RIGHT_CREATE | RIGHT_DELMBOX;
		else if (s.p[i] == 'd')
			rights |= RIGHT_DELMSG | RIGHT_EXPUNGE;
		else if (p != NULL)
			rights |= 1u << (p - STORE_RIGHTS_LETTERS);
		else
			return false;
	}
	*rights_r = rights;
	return true;
}

/* ---------------------------------------------------------------- SETACL, DELETEACL */

struct acl_job {
	uint64_t bal_id, grantee_id, mailbox_id;
	char mode; /* '=', '+', '-'; 0: DELETEACL */
	unsigned rights;
};

static int acl_apply(struct store_txn *txn, void *arg)
{
	struct acl_job *j = arg;
	struct store_deleg g = {j->bal_id, j->grantee_id, j->mailbox_id, j->rights};
	const char *why;
	unsigned cur;
	int r;

	if (j->mode == 0) {
		r = store_deleg_remove(txn, j->bal_id, j->grantee_id, j->mailbox_id);
		return r == STORE_E_NOTFOUND ? 0 : r;
	}
	r = store_deleg_rights(txn, j->grantee_id, j->bal_id, j->mailbox_id, &cur);
	if (r != 0)
		return r;
	if (j->mode == '+')
		g.rights = cur | j->rights;
	else if (j->mode == '-')
		g.rights = cur & ~j->rights;
	return store_deleg_set(txn, &g, &why);
}

static void acl_done(struct imap_cmd_ctx *ctx, int result)
{
	if (result == 0)
		imap_reply_ok(ctx, NULL, "ACL changed");
	else if (result == STORE_E_NOTFOUND)
		imap_reply_no(ctx, "NONEXISTENT", "No such mailbox or identifier");
	else
		imap_reply_no(ctx, "SERVERBUG", "Cannot change the ACL");
	imap_cmd_done(ctx);
}

static enum imap_cmd_result acl_change(struct imap_cmd_ctx *ctx, bool set)
{
	struct acl_job *j = imap_cmd_alloc(ctx, sizeof(*j));
	char *name = imap_cmd_alloc(ctx, STORE_MBOX_NAME_MAX + 1);
	struct store_mailbox *mb = imap_cmd_alloc(ctx, sizeof(*mb));
	struct slice letters;
	int r;

	if (!acl_mailbox(ctx, name, mb, RIGHT_ADMIN))
		return IMAP_CMD_DONE;
	if (set && (!imap_arg_get_astring(&ctx->args[2], &letters) ||
	            !acl_parse_rights(letters, &j->mode, &j->rights))) {
		imap_reply_bad(ctx, NULL, "Rights are letters among lrswipkxtea (c and d obsolete)");
		return IMAP_CMD_DONE;
	}
	r = acl_identifier(ctx, &ctx->args[1], &j->grantee_id);
	if (r <= 0) {
		imap_reply_no(ctx, r < 0 ? "SERVERBUG" : "NONEXISTENT",
		              r < 0 ? "Cannot read the identifier" : "No such identifier");
		return IMAP_CMD_DONE;
	}
	if (j->grantee_id == mb->bal_id) {
		imap_reply_no(ctx, "CANNOT", "The owner's rights cannot change");
		return IMAP_CMD_DONE;
	}
	j->bal_id = mb->bal_id;
	j->mailbox_id = mb->id;
	ctx->data = j;
	imap_cmd_store_write(ctx, acl_apply, j, acl_done);
	return IMAP_CMD_WAIT;
}

imap_cmd_fn imap_cmd_setacl;
enum imap_cmd_result imap_cmd_setacl(struct imap_cmd_ctx *ctx)
{
	return acl_change(ctx, true);
}

imap_cmd_fn imap_cmd_deleteacl;
enum imap_cmd_result imap_cmd_deleteacl(struct imap_cmd_ctx *ctx)
{
	return acl_change(ctx, false);
}

/* ---------------------------------------------------------------- GETACL */

struct getacl {
	struct store_txn *txn;
	const struct imap_session *s;
	uint64_t mailbox_id;
	uint64_t *seen; /* grantees listed */
	size_t n_seen;
	struct buf *out;
	int err;
};

static void put_entry(struct buf *out, const char *who, unsigned rights)
{
	char letters[STORE_RIGHTS_MAX + 1];

	store_rights_format(rights, letters);
	buf_append_str(out, " ");
	imap_resp_astring(out, slice_from_cstr(who), false);
	buf_append_str(out, " ");
	imap_resp_astring(out, slice_from_cstr(letters), false);
}

static int getacl_one(void *arg, const struct store_deleg *g)
{
	struct getacl *ga = arg;
	struct store_bal *bal;
	unsigned rights;

	for (size_t i = 0; i < ga->n_seen; i++)
		if (ga->seen[i] == g->grantee_id)
			return 0;
	ga->seen = xrealloc(ga->seen, (ga->n_seen + 1) * sizeof(*ga->seen));
	ga->seen[ga->n_seen++] = g->grantee_id;
	ga->err = store_deleg_rights(ga->txn, g->grantee_id, g->bal_id, ga->mailbox_id, &rights);
	if (ga->err != 0 || rights == 0)
		return ga->err != 0;
	bal = xmalloc(sizeof(*bal));
	if (store_bal_get(ga->txn, g->grantee_id, bal) == 1)
		put_entry(ga->out, bal->address, rights);
	free(bal);
	return 0;
}

imap_cmd_fn imap_cmd_getacl;
enum imap_cmd_result imap_cmd_getacl(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	char *name = imap_cmd_alloc(ctx, STORE_MBOX_NAME_MAX + 1);
	struct store_mailbox *mb = imap_cmd_alloc(ctx, sizeof(*mb));
	struct store_bal *owner = imap_cmd_alloc(ctx, sizeof(*owner));
	struct getacl ga = {.s = s};
	struct buf out;
	int r;

	if (!acl_mailbox(ctx, name, mb, RIGHT_ADMIN))
		return IMAP_CMD_DONE;
	buf_init(&out, 0);
	buf_append_str(&out, "* ACL ");
	imap_acl_mailbox_put(s, NULL, &out, mb->bal_id, mb->name);
	ga.out = &out;
	ga.mailbox_id = mb->id;
	r = store_read_begin(s->srv->store, &ga.txn);
	if (r == 0) {
		r = store_bal_get(ga.txn, mb->bal_id, owner);
		if (r == 1)
			put_entry(&out, owner->address, STORE_RIGHTS_ALL);
		r = r < 0 ? r : store_deleg_each(ga.txn, mb->bal_id, getacl_one, &ga);
		store_read_end(&ga.txn);
	}
	free(ga.seen);
	if (r == 0 && ga.err == 0) {
		buf_append_str(&out, "\r\n");
		imap_write(s, out.data, out.len);
		imap_reply_ok(ctx, NULL, "GETACL completed");
	} else {
		imap_reply_no(ctx, "SERVERBUG", "Cannot read the ACL");
	}
	buf_free(&out);
	return IMAP_CMD_DONE;
}

/* ---------------------------------------------------------------- LISTRIGHTS, MYRIGHTS */

imap_cmd_fn imap_cmd_listrights;
enum imap_cmd_result imap_cmd_listrights(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	char *name = imap_cmd_alloc(ctx, STORE_MBOX_NAME_MAX + 1);
	struct store_mailbox *mb = imap_cmd_alloc(ctx, sizeof(*mb));
	struct slice id;
	uint64_t who;
	struct buf out;
	int r;

	if (!acl_mailbox(ctx, name, mb, RIGHT_ADMIN))
		return IMAP_CMD_DONE;
	r = acl_identifier(ctx, &ctx->args[1], &who);
	if (r <= 0) {
		imap_reply_no(ctx, r < 0 ? "SERVERBUG" : "NONEXISTENT",
		              r < 0 ? "Cannot read the identifier" : "No such identifier");
		return IMAP_CMD_DONE;
	}
	imap_arg_get_astring(&ctx->args[1], &id);
	buf_init(&out, 0);
	buf_append_str(&out, "* LISTRIGHTS ");
	imap_acl_mailbox_put(s, NULL, &out, mb->bal_id, mb->name);
	buf_append_str(&out, " ");
	imap_resp_astring(&out, id, false);
	/* The owner always has every right; anyone else may get each one. */
	if (who == mb->bal_id)
		buf_append_str(&out, " " STORE_RIGHTS_LETTERS "\r\n");
	else
		buf_append_str(&out, " \"\" l r s w i p k x t e a\r\n");
	imap_write(s, out.data, out.len);
	buf_free(&out);
	imap_reply_ok(ctx, NULL, "LISTRIGHTS completed");
	return IMAP_CMD_DONE;
}

imap_cmd_fn imap_cmd_myrights;
enum imap_cmd_result imap_cmd_myrights(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	char *name = imap_cmd_alloc(ctx, STORE_MBOX_NAME_MAX + 1);
	struct store_mailbox *mb = imap_cmd_alloc(ctx, sizeof(*mb));
	char letters[STORE_RIGHTS_MAX + 1];
	unsigned rights;
	struct buf out;

	if (!acl_mailbox(ctx, name, mb, 0) || !imap_acl_require(ctx, mb->bal_id, name, 0, &rights))
		return IMAP_CMD_DONE;
	/* RFC 4314 section 4: MYRIGHTS needs any right; with none the mailbox
	 * does not exist for the user. */
	if (rights == 0) {
		imap_reply_no(ctx, "NONEXISTENT", "No such mailbox");
		return IMAP_CMD_DONE;
	}
	store_rights_format(rights, letters);
	buf_init(&out, 0);
	buf_append_str(&out, "* MYRIGHTS ");
	imap_acl_mailbox_put(s, NULL, &out, mb->bal_id, mb->name);
	buf_append_str(&out, " ");
	imap_resp_astring(&out, slice_from_cstr(letters), false);
	buf_append_str(&out, "\r\n");
	imap_write(s, out.data, out.len);
	buf_free(&out);
	imap_reply_ok(ctx, NULL, "MYRIGHTS completed");
	return IMAP_CMD_DONE;
}
