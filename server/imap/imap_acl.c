/* SPDX-License-Identifier: ISC */
/* Rights checks of delegated IMAP sessions (RFC 4314 section 4): one read
 * of the store per check, nothing cached across commands. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_acl.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "util.h"

bool imap_acl_owner(const struct imap_session *s)
{
	return s->auth_bal_id == s->bal_id;
}

int imap_acl_rights(const struct imap_session *s, struct store_txn *txn, uint64_t mailbox_id,
                    unsigned *rights_r)
{
	return store_deleg_rights(txn, s->auth_bal_id, s->bal_id, mailbox_id, rights_r);
}

static void reply_noperm(struct imap_cmd_ctx *ctx, unsigned need, unsigned have)
{
	char missing[STORE_RIGHTS_MAX + 1], text[80];

	store_rights_format(need & ~have, missing);
	snprintf(text, sizeof(text), "Permission denied (right %s missing)", missing);
	imap_reply_no(ctx, "NOPERM", text);
}

/* The rights on the mailbox name, or on the BAL when it does not exist
 * (*exists_r false). 0 or a store error. */
static int rights_by_name(const struct imap_session *s, struct store_txn *txn, const char *name,
                          unsigned *rights_r, bool *exists_r)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	int r = store_mailbox_get(txn, s->bal_id, name, mb);

	*exists_r = r == 1;
	if (r >= 0)
		r = imap_acl_rights(s, txn, r == 1 ? mb->id : 0, rights_r);
	free(mb);
	return r;
}

/* Replies and returns false unless need is within the rights. */
static bool grant_or_refuse(struct imap_cmd_ctx *ctx, int r, unsigned need, unsigned rights)
{
	if (r < 0) {
		log_warn("%s imap rights check failed: %s", imap_session_id(ctx->s),
		         store_strerror(r));
		imap_reply_no(ctx, "SERVERBUG", "Cannot check the rights");
		return false;
	}
	if ((rights & need) != need) {
		reply_noperm(ctx, need, rights);
		return false;
	}
	return true;
}

bool imap_acl_require(struct imap_cmd_ctx *ctx, const char *name, unsigned need,
                      unsigned *rights_r)
{
	struct imap_session *s = ctx->s;
	struct store_txn *txn;
	unsigned rights = 0;
	bool exists;
	int r;

	if (rights_r != NULL)
		*rights_r = STORE_RIGHTS_ALL;
	if (imap_acl_owner(s))
		return true;
	r = store_read_begin(s->srv->store, &txn);
	if (r == 0) {
		r = rights_by_name(s, txn, name, &rights, &exists);
		store_read_end(&txn);
	}
	if (rights_r != NULL)
		*rights_r = rights;
	return grant_or_refuse(ctx, r, need, rights);
}

bool imap_acl_require_create(struct imap_cmd_ctx *ctx, const char *name)
{
	struct imap_session *s = ctx->s;
	char *parent = xstrdup(name);
	struct store_txn *txn = NULL;
	unsigned rights = 0;
	bool exists = false;
	int r;

	if (imap_acl_owner(s)) {
		free(parent);
		return true;
	}
	r = store_read_begin(s->srv->store, &txn);
	for (char *slash; r == 0 && !exists && (slash = strrchr(parent, '/')) != NULL;) {
		*slash = '\0';
		r = rights_by_name(s, txn, parent, &rights, &exists);
	}
	if (r == 0 && !exists)
		r = imap_acl_rights(s, txn, 0, &rights);
	if (txn != NULL)
		store_read_end(&txn);
	free(parent);
	return grant_or_refuse(ctx, r, RIGHT_CREATE, rights);
}

/* Rights a command on the selected mailbox needs before it runs. */
static unsigned precheck_need(const char *name)
{
	static const struct {
		const char *cmd;
		unsigned need;
	} needs[] = {
	    {"FETCH", RIGHT_READ},
	    {"SEARCH", RIGHT_READ},
	    {"SORT", RIGHT_READ},
	    {"THREAD", RIGHT_READ},
	    {"COPY", RIGHT_READ},
	    {"MOVE", RIGHT_READ | RIGHT_DELMSG | RIGHT_EXPUNGE},
	    {"EXPUNGE", RIGHT_EXPUNGE},
	};

	for (size_t i = 0; i < ARRAY_LEN(needs); i++)
		if (strcmp(name, needs[i].cmd) == 0)
			return needs[i].need;
	return 0;
}

bool imap_acl_precheck(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	struct store_txn *txn;
	unsigned rights = 0, need;
	int r;

	if (imap_acl_owner(s) || s->state != IMAP_ST_SELECTED || s->view == NULL)
		return true;
	r = store_read_begin(s->srv->store, &txn);
	if (r == 0) {
		r = imap_acl_rights(s, txn, s->view->mb.id, &rights);
		store_read_end(&txn);
	}
	if (strcmp(ctx->def->name, "CLOSE") == 0) {
		if (r != 0 || !(rights & RIGHT_EXPUNGE))
			s->view->read_only = true; /* closes without expunging */
		return true;
	}
	if (strcmp(ctx->def->name, "STORE") == 0) {
		if (r == 0 && (rights & (RIGHT_SEEN | RIGHT_WRITE | RIGHT_DELMSG)) == 0)
			need = RIGHT_SEEN; /* none of the three: report one missing */
		else
			need = 0; /* the handler checks the flags it changes */
	} else {
		need = precheck_need(ctx->def->name);
	}
	return need == 0 && r == 0 ? true : grant_or_refuse(ctx, r, need, rights);
}

unsigned imap_acl_store_need(char op, uint32_t sys, unsigned n_kw)
{
	unsigned need = 0;

	if (op == '=') /* FLAGS replaces every flag */
		return RIGHT_SEEN | RIGHT_WRITE | RIGHT_DELMSG;
	if (sys & MSG_SEEN)
		need |= RIGHT_SEEN;
	if (sys & MSG_DELETED)
		need |= RIGHT_DELMSG;
	if ((sys & ~(uint32_t)(MSG_SEEN | MSG_DELETED)) != 0 || n_kw > 0)
		need |= RIGHT_WRITE;
	return need;
}

bool imap_acl_select_rw(unsigned rights)
{
	return (rights & (RIGHT_SEEN | RIGHT_WRITE | RIGHT_DELMSG | RIGHT_EXPUNGE)) != 0;
}

int imap_acl_selected_rights(const struct imap_session *s, unsigned *rights_r)
{
	struct store_txn *txn;
	int r;

	*rights_r = STORE_RIGHTS_ALL;
	if (imap_acl_owner(s))
		return 0;
	r = store_read_begin(s->srv->store, &txn);
	if (r == 0) {
		r = imap_acl_rights(s, txn, s->view->mb.id, rights_r);
		store_read_end(&txn);
	}
	return r;
}
