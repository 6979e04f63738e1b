/* SPDX-License-Identifier: ISC */
/* Mailbox management: CREATE (with RFC 6154 USE), DELETE, RENAME,
 * SUBSCRIBE, UNSUBSCRIBE (RFC 3501 section 6.3.3 to 6.3.7) and STATUS
 * (section 6.3.10, RFC 8438 SIZE); names in modified UTF-7 unless UTF-8
 * was enabled. Each change is one store write, answered once committed. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_acl.h"
#include "imap_cmd_mailbox.h"
#include "imap_mutf7.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "util.h"

/* ---------------------------------------------------------------- names */

bool imap_cmd_mailbox_utf8(const struct imap_session *s)
{
	return (s->enabled & (IMAP_EN_UTF8 | IMAP_EN_REV2)) != 0;
}

/* The client's form of a name to UTF-8 in b. NULL, or why it is refused. */
static const char *name_decode(const struct imap_session *s, struct slice raw, struct buf *b)
{
	if (raw.len == 0)
		return NULL; /* "": no such mailbox, the store says */
	if (memchr(raw.p, 0, raw.len) != NULL)
		return "Invalid mailbox name: NUL";
	if (imap_cmd_mailbox_utf8(s)) {
		if (!imap_utf8_valid(raw))
			return "Invalid mailbox name: not UTF-8";
		if (buf_append(b, raw.p, raw.len) < 0)
			return "Mailbox name too long";
	} else if (imap_mutf7_to_utf8(raw, b) < 0) {
		return b->len > STORE_MBOX_NAME_MAX ? "Mailbox name too long"
		                                    : "Invalid mailbox name: not modified UTF-7";
	}
	if (b->len > STORE_MBOX_NAME_MAX)
		return "Mailbox name too long";
	return NULL;
}

int imap_cmd_mailbox_arg(struct imap_cmd_ctx *ctx, const struct imap_arg *arg, char *out)
{
	const char *why = "Invalid mailbox name";
	struct slice raw;
	struct buf b;

	buf_init(&b, STORE_MBOX_NAME_MAX + 1);
	if (imap_arg_get_astring(arg, &raw))
		why = name_decode(ctx->s, raw, &b);
	if (why == NULL &&
	    (buf_cstr(&b) < 0 ||
	     imap_mailbox_name_norm((char *)b.data, out, STORE_MBOX_NAME_MAX + 1) < 0))
		why = "Mailbox name too long";
	buf_free(&b);
	if (why != NULL) {
		imap_reply_bad(ctx, NULL, why);
		return -1;
	}
	return 0;
}

int imap_cmd_mailbox_put(const struct imap_session *s, struct buf *out, const char *name)
{
	struct slice n = slice_from_cstr(name);
	struct buf m;
	int r;

	if (imap_cmd_mailbox_utf8(s)) /* a name that is not UTF-8 goes as a literal */
		return imap_resp_string(out, n, imap_utf8_valid(n));
	buf_init(&m, 0);
	r = imap_utf8_to_mutf7(n, &m);
	if (r < 0) { /* not UTF-8 in the store (written by an older tool): as is */
		buf_reset(&m);
		r = buf_append(&m, n.p, n.len);
	}
	if (r == 0)
		r = imap_resp_string(out, buf_slice(&m), false);
	buf_free(&m);
	return r;
}

/* ---------------------------------------------------------------- write results */

/* The tagged NO for a failed mailbox write (RFC 5530 response codes). */
static void reply_store_error(struct imap_cmd_ctx *ctx, int result, const char *what)
{
	switch (result) {
	case STORE_E_NOTFOUND:
		imap_reply_no(ctx, "NONEXISTENT", "No such mailbox");
		break;
	case STORE_E_EXISTS:
		imap_reply_no(ctx, "ALREADYEXISTS", "Mailbox already exists");
		break;
	case STORE_E_INVALID:
		imap_reply_no(ctx, "CANNOT",
		              "Invalid mailbox name (no * or %, control characters, empty "
		              "levels, or a mailbox moved under itself)");
		break;
	case STORE_E_QUOTA:
		imap_reply_no(ctx, "OVERQUOTA", "Quota exceeded");
		break;
	case STORE_E_NOTEMPTY: /* RFC 9051 section 6.3.4 */
		imap_reply_no(ctx, "HASCHILDREN", "Not a mailbox, only a level of its inferiors");
		break;
	case STORE_E_LIMIT:
	case STORE_E_FULL:
		imap_reply_no(ctx, "LIMIT", store_strerror(result));
		break;
	default:
		log_warn("%s imap %s failed: %s", imap_session_id(ctx->s), what,
		         store_strerror(result));
		imap_reply_no(ctx, "SERVERBUG", "Cannot change the mailbox");
		break;
	}
}

/* ---------------------------------------------------------------- CREATE */

struct mbox_job {
	uint64_t bal_id;
	char name[STORE_MBOX_NAME_MAX + 1];
	char new_name[STORE_MBOX_NAME_MAX + 1]; /* RENAME */
	unsigned special_use;                   /* CREATE (USE (...)) */
	bool on;                                /* SUBSCRIBE */
	uint64_t mailbox_id;                    /* set by the apply */
	uint32_t *uids;                         /* RENAME INBOX */
	size_t n, cap;
};

static struct mbox_job *job_new(struct imap_cmd_ctx *ctx)
{
	struct mbox_job *j = imap_cmd_alloc(ctx, sizeof(*j));

	memset(j, 0, sizeof(*j));
	j->bal_id = ctx->s->bal_id;
	ctx->data = j;
	return j;
}

/* A mailbox now named name takes over the subscription the name kept from
 * a deleted mailbox (see DELETE); otherwise its own flag becomes keep. */
static int adopt_subscription(struct store_txn *txn, uint64_t bal_id, const char *name,
                              uint64_t mailbox_id, bool keep)
{
	int kept = store_sub_orphan_get(txn, bal_id, name);

	if (kept < 0)
		return kept;
	if (kept == 0)
		return store_mailbox_set_subscribed(txn, mailbox_id, keep);
	kept = store_mailbox_set_subscribed(txn, mailbox_id, true);
	return kept < 0 ? kept : store_sub_orphan_set(txn, bal_id, name, false);
}

/* Creates name, unsubscribed (subscribing is the client's choice) unless
 * the name kept its subscription from a deleted mailbox. */
static int create_one(struct store_txn *txn, uint64_t bal_id, const char *name, unsigned su)
{
	struct store_mailbox mb;
	int r = store_mailbox_create(txn, bal_id, name, su, &mb);

	return r < 0 ? r : adopt_subscription(txn, bal_id, name, mb.id, false);
}

/* RFC 3501 section 6.3.3: superior levels needed by name are created. */
static int create_parents(struct store_txn *txn, uint64_t bal_id, const char *name)
{
	char level[STORE_MBOX_NAME_MAX + 1];
	struct store_mailbox mb;

	for (const char *p = strchr(name, '/'); p != NULL; p = strchr(p + 1, '/')) {
		int r;

		memcpy(level, name, (size_t)(p - name));
		level[p - name] = '\0';
		r = store_mailbox_get(txn, bal_id, level, &mb);
		if (r == 0)
			r = create_one(txn, bal_id, level, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int create_apply(struct store_txn *txn, void *arg)
{
	struct mbox_job *j = arg;
	struct store_mailbox mb;
	int r = store_mailbox_get(txn, j->bal_id, j->name, &mb);

	if (r != 0)
		return r == 1 ? STORE_E_EXISTS : r;
	r = create_parents(txn, j->bal_id, j->name);
	return r < 0 ? r : create_one(txn, j->bal_id, j->name, j->special_use);
}

static void create_done(struct imap_cmd_ctx *ctx, int result)
{
	if (result == 0)
		imap_reply_ok(ctx, NULL, "CREATE completed");
	else
		reply_store_error(ctx, result, "create");
	imap_cmd_done(ctx);
}

/* RFC 6154 section 3: "(USE (\Sent ...))". 0, or -1 after a reply. */
static int create_use(struct imap_cmd_ctx *ctx, const struct imap_arg *arg, unsigned *su_r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} uses[] = {{"\\ALL", MBOX_SU_ALL},       {"\\ARCHIVE", MBOX_SU_ARCHIVE},
	            {"\\DRAFTS", MBOX_SU_DRAFTS}, {"\\FLAGGED", MBOX_SU_FLAGGED},
	            {"\\JUNK", MBOX_SU_JUNK},     {"\\SENT", MBOX_SU_SENT},
	            {"\\TRASH", MBOX_SU_TRASH}};
	const struct imap_arg *l, *u;
	unsigned n, nu;

	if (!imap_arg_get_list(arg, &l, &n) || n != 2 || !imap_arg_atom_equals(&l[0], "USE") ||
	    !imap_arg_get_list(&l[1], &u, &nu)) {
		imap_reply_bad(ctx, NULL, "Invalid CREATE parameters");
		return -1;
	}
	for (unsigned i = 0; i < nu; i++) {
		size_t k;

		for (k = 0; k < ARRAY_LEN(uses); k++)
			if (imap_arg_atom_equals(&u[i], uses[k].name))
				break;
		if (k == ARRAY_LEN(uses)) {
			imap_reply_no(ctx, "USEATTR", "Unsupported special-use attribute");
			return -1;
		}
		*su_r |= uses[k].bit;
	}
	return 0;
}

imap_cmd_fn imap_cmd_create;
enum imap_cmd_result imap_cmd_create(struct imap_cmd_ctx *ctx)
{
	struct mbox_job *j = job_new(ctx);
	size_t len;

	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], j->name) < 0)
		return IMAP_CMD_DONE;
	if (ctx->argc > 1 && create_use(ctx, &ctx->args[1], &j->special_use) < 0)
		return IMAP_CMD_DONE;
	/* A trailing separator declares future inferiors (section 6.3.3). */
	len = strlen(j->name);
	if (len > 1 && j->name[len - 1] == '/')
		j->name[len - 1] = '\0';
	if (strcmp(j->name, "INBOX") == 0) {
		imap_reply_no(ctx, "ALREADYEXISTS", "INBOX always exists");
		return IMAP_CMD_DONE;
	}
	if (imap_acl_resolve(ctx, j->name, &j->bal_id) < 0 ||
	    !imap_acl_require_create(ctx, j->bal_id, j->name))
		return IMAP_CMD_DONE;
	imap_cmd_store_write(ctx, create_apply, j, create_done);
	return IMAP_CMD_WAIT;
}

/* ---------------------------------------------------------------- DELETE */

struct inferior_search {
	const char *name;
	bool found;
};

static int find_inferior(void *arg, const struct store_mailbox *mb)
{
	struct inferior_search *f = arg;
	size_t n = strlen(f->name);

	f->found = strncmp(mb->name, f->name, n) == 0 && mb->name[n] == '/';
	return f->found; /* stop at the first one */
}

/* The record goes with its messages; inferiors stay, so the name lives on
 * as a \Noselect level while they exist (section 6.3.4), which cannot be
 * deleted in turn. A subscription stays too (RFC 9051 section 6.3.9: not
 * removed unilaterally). */
static int delete_apply(struct store_txn *txn, void *arg)
{
	struct mbox_job *j = arg;
	struct store_mailbox mb;
	int r = store_mailbox_get(txn, j->bal_id, j->name, &mb);

	if (r == 0) {
		struct inferior_search f = {.name = j->name};

		r = store_mailbox_each(txn, j->bal_id, find_inferior, &f);
		return r < 0 ? r : f.found ? STORE_E_NOTEMPTY : STORE_E_NOTFOUND;
	}
	if (r != 1)
		return r;
	j->mailbox_id = mb.id;
	if (mb.subscribed)
		r = store_sub_orphan_set(txn, j->bal_id, j->name, true);
	return r < 0 ? r : store_mailbox_delete(txn, mb.id);
}

static void delete_done(struct imap_cmd_ctx *ctx, int result)
{
	struct mbox_job *j = ctx->data;
	struct imap_session *s = ctx->s;

	if (result == 0 && s->view != NULL && s->view->mb.id == j->mailbox_id) {
		/* This session's own selected mailbox: back to authenticated. */
		imap_session_set_state(s, IMAP_ST_AUTH);
		imap_untagged(s, "OK [CLOSED] Selected mailbox deleted");
	}
	if (result == 0)
		imap_reply_ok(ctx, NULL, "DELETE completed");
	else
		reply_store_error(ctx, result, "delete");
	imap_cmd_done(ctx);
}

imap_cmd_fn imap_cmd_delete;
enum imap_cmd_result imap_cmd_delete(struct imap_cmd_ctx *ctx)
{
	struct mbox_job *j = job_new(ctx);

	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], j->name) < 0)
		return IMAP_CMD_DONE;
	if (strcmp(j->name, "INBOX") == 0) {
		imap_reply_no(ctx, "CANNOT", "INBOX cannot be deleted");
		return IMAP_CMD_DONE;
	}
	if (imap_acl_resolve(ctx, j->name, &j->bal_id) < 0 ||
	    !imap_acl_require(ctx, j->bal_id, j->name, RIGHT_DELMBOX, NULL))
		return IMAP_CMD_DONE;
	if (strcmp(j->name, "INBOX") == 0) { /* another BAL's */
		imap_reply_no(ctx, "CANNOT", "INBOX cannot be deleted");
		return IMAP_CMD_DONE;
	}
	imap_cmd_store_write(ctx, delete_apply, j, delete_done);
	return IMAP_CMD_WAIT;
}

/* ---------------------------------------------------------------- RENAME */

static int collect_uid(void *arg, const struct store_msg *m)
{
	struct mbox_job *j = arg;

	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->uids = xrealloc(j->uids, j->cap * sizeof(*j->uids));
	}
	j->uids[j->n++] = m->uid;
	return 0;
}

/* RFC 3501 section 6.3.5: renaming INBOX moves its messages to a new
 * mailbox and leaves INBOX empty; its inferiors are unaffected. */
static int rename_inbox(struct store_txn *txn, struct mbox_job *j, const struct store_mailbox *in)
{
	struct store_mailbox dst;
	struct store_msg m;
	int r = create_one(txn, j->bal_id, j->new_name, 0);

	if (r < 0)
		return r;
	r = store_mailbox_get(txn, j->bal_id, j->new_name, &dst);
	if (r != 1)
		return r == 0 ? STORE_E_IO : r;
	j->n = 0; /* the apply may be replayed */
	r = store_msg_each(txn, in->id, 1, collect_uid, j);
	for (size_t i = 0; r == 0 && i < j->n; i++) {
		r = store_msg_copy(txn, in->id, j->uids[i], dst.id, 0, &m);
		if (r == 0)
			r = store_msg_expunge(txn, in->id, j->uids[i]);
	}
	return r;
}

static int rename_apply(struct store_txn *txn, void *arg)
{
	struct mbox_job *j = arg;
	struct store_mailbox mb, other;
	int r = store_mailbox_get(txn, j->bal_id, j->name, &mb);

	if (r != 1)
		return r == 0 ? STORE_E_NOTFOUND : r;
	r = store_mailbox_get(txn, j->bal_id, j->new_name, &other);
	if (r != 0)
		return r == 1 ? STORE_E_EXISTS : r;
	if (strcmp(j->name, "INBOX") == 0)
		r = rename_inbox(txn, j, &mb);
	else if ((r = store_mailbox_rename(txn, mb.id, j->new_name)) == 0)
		r = adopt_subscription(txn, j->bal_id, j->new_name, mb.id, mb.subscribed);
	if (r == 0)
		r = create_parents(txn, j->bal_id, j->new_name);
	return r;
}

static void rename_done(struct imap_cmd_ctx *ctx, int result)
{
	struct mbox_job *j = ctx->data;

	free(j->uids);
	if (result == 0)
		imap_reply_ok(ctx, NULL, "RENAME completed");
	else
		reply_store_error(ctx, result, "rename");
	imap_cmd_done(ctx);
}

imap_cmd_fn imap_cmd_rename;
enum imap_cmd_result imap_cmd_rename(struct imap_cmd_ctx *ctx)
{
	struct mbox_job *j = job_new(ctx);
	uint64_t new_bal;

	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], j->name) < 0 ||
	    imap_cmd_mailbox_arg(ctx, &ctx->args[1], j->new_name) < 0)
		return IMAP_CMD_DONE;
	if (strcmp(j->new_name, "INBOX") == 0) {
		imap_reply_no(ctx, "ALREADYEXISTS", "INBOX always exists");
		return IMAP_CMD_DONE;
	}
	if (imap_acl_resolve(ctx, j->name, &j->bal_id) < 0 ||
	    imap_acl_resolve(ctx, j->new_name, &new_bal) < 0)
		return IMAP_CMD_DONE;
	if (new_bal != j->bal_id || strcmp(j->new_name, "INBOX") == 0) {
		imap_reply_no(ctx, "CANNOT", "A mailbox stays in its BAL; INBOX always exists");
		return IMAP_CMD_DONE;
	}
	if (!imap_acl_require(ctx, j->bal_id, j->name, RIGHT_DELMBOX, NULL) ||
	    !imap_acl_require_create(ctx, j->bal_id, j->new_name))
		return IMAP_CMD_DONE;
	imap_cmd_store_write(ctx, rename_apply, j, rename_done);
	return IMAP_CMD_WAIT;
}

/* ---------------------------------------------------------------- SUBSCRIBE */

/* Subscription is a flag of the mailbox record: only existing mailboxes
 * can be subscribed (RFC 3501 section 6.3.6 allows either). */
static int subscribe_apply(struct store_txn *txn, void *arg)
{
	struct mbox_job *j = arg;
	struct store_mailbox mb;
	int r = store_mailbox_get(txn, j->bal_id, j->name, &mb);

	if (r == 0) { /* a deleted mailbox's subscription can be removed */
		r = store_sub_orphan_get(txn, j->bal_id, j->name);
		if (r == 1)
			return j->on ? 0 : store_sub_orphan_set(txn, j->bal_id, j->name, false);
		return r == 0 ? STORE_E_NOTFOUND : r;
	}
	if (r < 0)
		return r;
	return store_mailbox_set_subscribed(txn, mb.id, j->on);
}

static void subscribe_done(struct imap_cmd_ctx *ctx, int result)
{
	struct mbox_job *j = ctx->data;

	if (result == 0)
		imap_reply_ok(ctx, NULL, j->on ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
	else
		reply_store_error(ctx, result, "subscribe");
	imap_cmd_done(ctx);
}

static enum imap_cmd_result do_subscribe(struct imap_cmd_ctx *ctx, bool on)
{
	struct mbox_job *j = job_new(ctx);

	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], j->name) < 0 ||
	    imap_acl_resolve(ctx, j->name, &j->bal_id) < 0 ||
	    !imap_acl_require(ctx, j->bal_id, j->name, RIGHT_LOOKUP, NULL))
		return IMAP_CMD_DONE;
	j->on = on;
	imap_cmd_store_write(ctx, subscribe_apply, j, subscribe_done);
	return IMAP_CMD_WAIT;
}

imap_cmd_fn imap_cmd_subscribe;
enum imap_cmd_result imap_cmd_subscribe(struct imap_cmd_ctx *ctx)
{
	return do_subscribe(ctx, true);
}

imap_cmd_fn imap_cmd_unsubscribe;
enum imap_cmd_result imap_cmd_unsubscribe(struct imap_cmd_ctx *ctx)
{
	return do_subscribe(ctx, false);
}

/* ---------------------------------------------------------------- STATUS */

enum status_item {
	ST_MESSAGES,
	ST_RECENT,
	ST_UIDNEXT,
	ST_UIDVALIDITY,
	ST_UNSEEN,
	ST_DELETED,
	ST_SIZE,
	ST_HIGHESTMODSEQ,
	ST_APPENDLIMIT,
	ST_DELETED_STORAGE,
	ST_COUNT,
};

static const char *const status_names[ST_COUNT] = {
    "MESSAGES", "RECENT", "UIDNEXT",       "UIDVALIDITY", "UNSEEN",
    "DELETED",  "SIZE",   "HIGHESTMODSEQ", "APPENDLIMIT", "DELETED-STORAGE",
};

bool imap_cmd_status_parse(const struct imap_arg *list, unsigned n, struct imap_status_req *req)
{
	unsigned seen = 0;

	req->n = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned k;

		for (k = 0; k < ST_COUNT; k++)
			if (imap_arg_atom_equals(&list[i], status_names[k]))
				break;
		if (k == ST_COUNT)
			return false;
		if (seen & (1u << k))
			continue;
		seen |= 1u << k;
		req->item[req->n++] = (unsigned char)k;
	}
	return req->n > 0;
}

struct deleted_sum {
	uint64_t count, bytes;
};

static int sum_deleted(void *arg, const struct store_msg *m)
{
	struct deleted_sum *d = arg;

	if (m->flags & MSG_DELETED) {
		d->count++;
		d->bytes += m->size;
	}
	return 0;
}

static bool wants_deleted(const struct imap_status_req *req)
{
	for (unsigned i = 0; i < req->n; i++)
		if (req->item[i] == ST_DELETED || req->item[i] == ST_DELETED_STORAGE)
			return true;
	return false;
}

static uint64_t status_value(const struct imap_session *s, const struct store_mailbox *mb,
                             const struct deleted_sum *d, unsigned item)
{
	switch (item) {
	case ST_MESSAGES:
		return mb->messages;
	case ST_UIDNEXT:
		return mb->uidnext;
	case ST_UIDVALIDITY:
		return mb->uidvalidity;
	case ST_UNSEEN:
		return mb->unseen;
	case ST_DELETED:
		return d->count;
	case ST_SIZE:
		return mb->bytes;
	case ST_HIGHESTMODSEQ:
		return mb->highestmodseq;
	case ST_APPENDLIMIT:
		return s->srv->append_max;
	case ST_DELETED_STORAGE: /* RFC 9208 section 3.2: in KiB */
		return (d->bytes + 1023) / 1024;
	default:
		return 0; /* RECENT: no \Recent is kept */
	}
}

int imap_cmd_status_write(const struct imap_session *s, struct store_txn *txn,
                          const struct store_mailbox *mb, const struct imap_status_req *req,
                          struct buf *out)
{
	struct deleted_sum d = {0};
	int r = 0;

	if (wants_deleted(req))
		r = store_msg_each(txn, mb->id, 1, sum_deleted, &d);
	if (r < 0)
		return r;
	buf_append_str(out, "* STATUS ");
	imap_acl_mailbox_put(s, txn, out, mb->bal_id, mb->name);
	for (unsigned i = 0; i < req->n; i++)
		buf_printf(out, "%s%s %llu", i == 0 ? " (" : " ", status_names[req->item[i]],
		           (unsigned long long)status_value(s, mb, &d, req->item[i]));
	buf_append_str(out, ")\r\n");
	return 0;
}

imap_cmd_fn imap_cmd_status;
enum imap_cmd_result imap_cmd_status(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	char name[STORE_MBOX_NAME_MAX + 1];
	struct imap_status_req req;
	const struct imap_arg *list;
	struct store_mailbox mb;
	struct store_txn *txn;
	uint64_t bal_id;
	unsigned n;
	struct buf out;
	int r;

	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], name) < 0 ||
	    imap_acl_resolve(ctx, name, &bal_id) < 0 ||
	    !imap_acl_require(ctx, bal_id, name, RIGHT_READ, NULL))
		return IMAP_CMD_DONE;
	if (!imap_arg_get_list(&ctx->args[1], &list, &n) || !imap_cmd_status_parse(list, n, &req)) {
		imap_reply_bad(ctx, NULL, "Invalid STATUS items");
		return IMAP_CMD_DONE;
	}
	r = store_read_begin(s->srv->store, &txn);
	if (r < 0) {
		reply_store_error(ctx, r, "status");
		return IMAP_CMD_DONE;
	}
	buf_init(&out, 0);
	r = store_mailbox_get(txn, bal_id, name, &mb);
	if (r == 1)
		r = imap_cmd_status_write(s, txn, &mb, &req, &out);
	store_read_end(&txn);
	if (r == 0 && out.len > 0) {
		imap_write(s, out.data, out.len);
		imap_reply_ok(ctx, NULL, "STATUS completed");
	} else {
		reply_store_error(ctx, r == 0 ? STORE_E_NOTFOUND : r, "status");
	}
	buf_free(&out);
	return IMAP_CMD_DONE;
}
