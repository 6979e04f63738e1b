/* SPDX-License-Identifier: ISC */
/* Rights checks of delegated IMAP sessions (RFC 4314 section 4): one read
 * of the store per check, nothing cached across commands. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap_acl.h"
#include "imap_cmd_mailbox.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "util.h"

bool imap_acl_owner_of(const struct imap_session *s, uint64_t bal_id)
{
	return s->auth_bal_id == bal_id;
}

int imap_acl_rights(const struct imap_session *s, struct store_txn *txn, uint64_t bal_id,
                    uint64_t mailbox_id, unsigned *rights_r)
{
	return store_deleg_rights(txn, s->auth_bal_id, bal_id, mailbox_id, rights_r);
}

/* ---------------------------------------------------------------- other users namespace */

/* A background write of the access log: request and record together. */
struct access_note {
	struct store_wreq req;
	struct store_deleg_access a;
};

static int access_log_apply(struct store_txn *txn, void *arg)
{
	struct access_note *n = arg;
	struct store_deleg_access a = n->a; /* replayable: the copy is written */

	return store_deleg_log_add(txn, &a);
}

static void access_log_done(void *arg, int result)
{
	if (result != 0)
		log_warn("delegate access log not written: %s", store_strerror(result));
	free(arg);
}

/* The first use of a delegated BAL in the session goes to its access log
 * (written in the background: the command does not wait for it). */
static void note_access(struct imap_session *s, uint64_t bal_id)
{
	struct access_note *n;

	for (unsigned i = 0; i < s->n_deleg_noted; i++)
		if (s->deleg_noted[i] == bal_id)
			return;
	if (s->n_deleg_noted < IMAP_DELEG_NOTED_MAX)
		s->deleg_noted[s->n_deleg_noted++] = bal_id;
	n = xcalloc(1, sizeof(*n));
	n->a.bal_id = bal_id;
	n->a.grantee_id = s->auth_bal_id;
	str_copy(n->a.grantee, sizeof(n->a.grantee), s->user);
	str_copy(n->a.protocol, sizeof(n->a.protocol), "imap");
	n->a.time = (int64_t)time(NULL);
	n->req.apply = access_log_apply;
	n->req.done = access_log_done;
	n->req.ctx = n;
	store_write_async(s->srv->store, &n->req);
}

/* The BAL of "Other Users/<address>/..." when it is active and delegated
 * something to the user: 1 and *bal_r, 0 when not, or a store error. */
static int other_bal(const struct imap_session *s, const char *addr, uint64_t *bal_r)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct store_txn *txn;
	unsigned rights = 0;
	int r = store_read_begin(s->srv->store, &txn);

	if (r == 0) {
		r = store_bal_get_by_addr(txn, addr, bal);
		if (r == 1 && bal->state == BAL_ACTIVE) /* a suspended BAL is closed */
			r = store_deleg_rights_any(txn, s->auth_bal_id, bal->id, &rights);
		store_read_end(&txn);
	}
	*bal_r = bal->id;
	free(bal);
	return r < 0 ? r : rights != 0;
}

int imap_acl_resolve(struct imap_cmd_ctx *ctx, char *name, uint64_t *bal_r)
{
	const size_t plen = strlen(IMAP_OTHER_USERS);
	char addr[STORE_ADDR_MAX + 1], local[STORE_MBOX_NAME_MAX + 1];
	const char *at, *slash;
	int r;

	*bal_r = ctx->s->bal_id;
	if (strncmp(name, IMAP_OTHER_USERS, plen) != 0 && strcmp(name, "Other Users") != 0)
		return 0;
	at = name + (strlen(name) >= plen ? plen : strlen(name));
	slash = strchr(at, '/');
	r = 0;
	if (slash != NULL && slash > at && (size_t)(slash - at) <= STORE_ADDR_MAX &&
	    slash[1] != '\0') {
		memcpy(addr, at, (size_t)(slash - at));
		addr[slash - at] = '\0';
		r = other_bal(ctx->s, addr, bal_r);
	}
	if (r == 1 && imap_mailbox_name_norm(slash + 1, local, sizeof(local)) == 0) {
		strcpy(name, local);
		if (!imap_acl_owner_of(ctx->s, *bal_r) && *bal_r != ctx->s->bal_id)
			note_access(ctx->s, *bal_r);
		return 0;
	}
	if (r < 0)
		imap_reply_no(ctx, "SERVERBUG", "Cannot resolve the mailbox");
	else
		imap_reply_no(ctx, "NONEXISTENT", "No such mailbox");
	return -1;
}

int imap_acl_mailbox_put(const struct imap_session *s, struct store_txn *txn, struct buf *out,
                         uint64_t bal_id, const char *name)
{
	struct store_bal *bal;
	struct store_txn *own = NULL;
	char *full;
	int r;

	if (bal_id == s->bal_id)
		return imap_cmd_mailbox_put(s, out, name);
	bal = xmalloc(sizeof(*bal));
	r = txn != NULL ? 0 : store_read_begin(s->srv->store, &own);
	if (r == 0)
		r = store_bal_get(txn != NULL ? txn : own, bal_id, bal);
	if (own != NULL)
		store_read_end(&own);
	full = xmalloc(strlen(IMAP_OTHER_USERS) + STORE_ADDR_MAX + strlen(name) + 2);
	sprintf(full, "%s%s/%s", IMAP_OTHER_USERS, r == 1 ? bal->address : "?", name);
	r = imap_cmd_mailbox_put(s, out, full);
	free(full);
	free(bal);
	return r;
}

/* ---------------------------------------------------------------- checks */

static void reply_noperm(struct imap_cmd_ctx *ctx, unsigned need, unsigned have)
{
	char missing[STORE_RIGHTS_MAX + 1], text[80];

	store_rights_format(need & ~have, missing);
	snprintf(text, sizeof(text), "Permission denied (right %s missing)", missing);
	imap_reply_no(ctx, "NOPERM", text);
}

/* The rights on the mailbox name, or on the BAL when it does not exist
 * (*exists_r false). 0 or a store error. */
static int rights_by_name(const struct imap_session *s, struct store_txn *txn, uint64_t bal_id,
                          const char *name, unsigned *rights_r, bool *exists_r)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	int r = store_mailbox_get(txn, bal_id, name, mb);

	*exists_r = r == 1;
	if (r >= 0)
		r = imap_acl_rights(s, txn, bal_id, r == 1 ? mb->id : 0, rights_r);
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

bool imap_acl_require(struct imap_cmd_ctx *ctx, uint64_t bal_id, const char *name, unsigned need,
                      unsigned *rights_r)
{
	struct imap_session *s = ctx->s;
	struct store_txn *txn;
	unsigned rights = 0;
	bool exists;
	int r;

	if (rights_r != NULL)
		*rights_r = STORE_RIGHTS_ALL;
	if (imap_acl_owner_of(s, bal_id))
		return true;
	r = store_read_begin(s->srv->store, &txn);
	if (r == 0) {
		r = rights_by_name(s, txn, bal_id, name, &rights, &exists);
		store_read_end(&txn);
	}
	if (rights_r != NULL)
		*rights_r = rights;
	return grant_or_refuse(ctx, r, need, rights);
}

bool imap_acl_require_create(struct imap_cmd_ctx *ctx, uint64_t bal_id, const char *name)
{
	struct imap_session *s = ctx->s;
	char *parent = xstrdup(name);
	struct store_txn *txn = NULL;
	unsigned rights = 0;
	bool exists = false;
	int r;

	if (imap_acl_owner_of(s, bal_id)) {
		free(parent);
		return true;
	}
	r = store_read_begin(s->srv->store, &txn);
	for (char *slash; r == 0 && !exists && (slash = strrchr(parent, '/')) != NULL;) {
		*slash = '\0';
		r = rights_by_name(s, txn, bal_id, parent, &rights, &exists);
	}
	if (r == 0 && !exists)
		r = imap_acl_rights(s, txn, bal_id, 0, &rights);
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

	if (s->state != IMAP_ST_SELECTED || s->view == NULL ||
	    imap_acl_owner_of(s, s->view->mb.bal_id))
		return true;
	r = store_read_begin(s->srv->store, &txn);
	if (r == 0) {
		r = imap_acl_rights(s, txn, s->view->mb.bal_id, s->view->mb.id, &rights);
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
	return need == 0 ? true : grant_or_refuse(ctx, r, need, rights);
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
	if (imap_acl_owner_of(s, s->view->mb.bal_id))
		return 0;
	r = store_read_begin(s->srv->store, &txn);
	if (r == 0) {
		r = imap_acl_rights(s, txn, s->view->mb.bal_id, s->view->mb.id, rights_r);
		store_read_end(&txn);
	}
	return r;
}
