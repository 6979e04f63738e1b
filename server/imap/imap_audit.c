/* SPDX-License-Identifier: ISC */
/* Audit traces of IMAP sessions (docs/audit.md): each LOGIN and
 * AUTHENTICATE (success and failure) and each command that reads or
 * changes data, once its tagged reply is written: the command, the
 * mailbox, the size of its message set, and the reply. Never a search
 * key, a flag name, a literal or a password. A delegate's commands name
 * the delegate as author and the owner's BAL as the BAL acted on. The
 * records go through the batching emitter (server/audit.h): no write
 * transaction per command. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "conn.h"
#include "imap_audit.h"
#include "imap_seqset.h"
#include "imap_session.h"
#include "imap_view.h"
#include "util.h"

enum cmd_kind {
	K_NONE,   /* not traced */
	K_AUTH,   /* LOGIN, AUTHENTICATE */
	K_ARG0,   /* the mailbox is the first argument */
	K_RENAME, /* first -> second */
	K_VIEW,   /* the selected mailbox */
	K_SET,    /* the selected mailbox and a message set (first argument) */
	K_COPY,   /* the selected mailbox, a set, the destination (second) */
	K_LIST,   /* reference and pattern */
};

static const struct {
	const char *name;
	enum cmd_kind kind;
} traced[] = {
    {"LOGIN", K_AUTH},        {"AUTHENTICATE", K_AUTH},   {"SELECT", K_ARG0},
    {"EXAMINE", K_ARG0},      {"STATUS", K_ARG0},         {"CREATE", K_ARG0},
    {"DELETE", K_ARG0},       {"SUBSCRIBE", K_ARG0},      {"UNSUBSCRIBE", K_ARG0},
    {"APPEND", K_ARG0},       {"GETACL", K_ARG0},         {"SETACL", K_ARG0},
    {"DELETEACL", K_ARG0},    {"MYRIGHTS", K_ARG0},       {"LISTRIGHTS", K_ARG0},
    {"GETQUOTAROOT", K_ARG0}, {"RENAME", K_RENAME},       {"FETCH", K_SET},
    {"STORE", K_SET},         {"EXPUNGE", K_VIEW},        {"CLOSE", K_VIEW},
    {"SEARCH", K_VIEW},       {"SORT", K_VIEW},           {"THREAD", K_VIEW},
    {"COPY", K_COPY},         {"MOVE", K_COPY},           {"LIST", K_LIST},
    {"LSUB", K_LIST},
};

static enum cmd_kind kind_of(const struct imap_cmd_def *def)
{
	if (def == NULL)
		return K_NONE;
	for (size_t i = 0; i < sizeof(traced) / sizeof(traced[0]); i++)
		if (strcmp(def->name, traced[i].name) == 0)
			return traced[i].kind;
	return K_NONE;
}

/* An argument as quoted text for the request, or "?" when not a string. */
static void arg_text(const struct imap_cmd_ctx *ctx, unsigned i, char *out, size_t outsz)
{
	struct slice v;
	size_t n = 0;

	if (i >= ctx->argc || !imap_arg_get_astring(&ctx->args[i], &v)) {
		str_copy(out, outsz, "?");
		return;
	}
	out[n++] = '"';
	for (size_t k = 0; k < v.len && n + 2 < outsz; k++) {
		uint8_t c = v.p[k];
		out[n++] = c < 0x20 || c == 0x7f || c == '"' ? '?' : (char)c;
	}
	out[n++] = '"';
	out[n] = '\0';
}

/* Messages named by the first argument's set, resolved in the view. */
static uint64_t set_size(const struct imap_cmd_ctx *ctx)
{
	const struct imap_view *v = ctx->s->view;
	struct imap_seqset set;
	struct slice text;
	const char *err;
	uint64_t n = 0;

	if (v == NULL || ctx->argc < 1 || !imap_arg_get_atom(&ctx->args[0], &text))
		return 0;
	if (text.len == 1 && text.p[0] == '$')
		return imap_seqset_count(&v->saved);
	imap_seqset_init(&set);
	if (imap_seqset_parse(&set, text, &err) == 0) {
		imap_seqset_resolve(&set, ctx->uid ? (v->uidnext > 0 ? v->uidnext - 1 : 0) : v->n);
		n = imap_seqset_count(&set);
	}
	imap_seqset_free(&set);
	return n;
}

/* The address of a BAL by id, through a small cache (addresses never
 * change and ids are never reused). */
static void bal_address(struct imap_session *s, uint64_t id, char *out, size_t outsz)
{
	static struct {
		uint64_t id;
		char addr[STORE_ADDR_MAX + 1];
	} cache[16];
	struct store_txn *txn;
	struct store_bal *b;
	unsigned slot = (unsigned)(id % 16);

	if (id == s->auth_bal_id) {
		str_copy(out, outsz, s->user);
		return;
	}
	if (id == s->bal_id && s->authzid[0] != '\0') {
		str_copy(out, outsz, s->authzid);
		return;
	}
	if (cache[slot].id == id && id != 0) {
		str_copy(out, outsz, cache[slot].addr);
		return;
	}
	out[0] = '\0';
	b = xmalloc(sizeof(*b));
	if (store_read_begin(s->srv->store, &txn) == 0) {
		if (store_bal_get(txn, id, b) == 1) {
			str_copy(out, outsz, b->address);
			cache[slot].id = id;
			str_copy(cache[slot].addr, sizeof(cache[slot].addr), b->address);
		}
		store_read_end(&txn);
	}
	explicit_bzero(b, sizeof(*b));
	free(b);
}

/* Session fields common to every record. */
static void fill_session(struct imap_session *s, struct store_audit *r)
{
	str_copy(r->client, sizeof(r->client), s->client_name);
	if (s->conn != NULL)
		audit_set_src(r, conn_peer_addr(s->conn));
}

static void fill_response(const struct imap_cmd_ctx *ctx, struct store_audit *r)
{
	snprintf(r->response, sizeof(r->response), "%s%s%s", ctx->result != NULL ? ctx->result : "-",
	         ctx->result_text != NULL ? " " : "",
	         ctx->result_text != NULL ? ctx->result_text : "");
}

static void trace_auth(struct imap_cmd_ctx *ctx, struct store_audit *r)
{
	struct imap_session *s = ctx->s;
	bool ok = ctx->result != NULL && strcmp(ctx->result, "OK") == 0;

	r->cat = AUDIT_CAT_AUTH;
	snprintf(r->action, sizeof(r->action), "imap.%s%s", ok ? "login" : "login-failed",
	         "");
	snprintf(r->request, sizeof(r->request), "%s%s", ctx->def->name,
	         strcmp(ctx->def->name, "AUTHENTICATE") == 0 ? " PLAIN" : "");
	if (ok) {
		r->by = s->bal_id != s->auth_bal_id ? AUDIT_BY_DELEGATE : AUDIT_BY_BAL;
		str_copy(r->actor, sizeof(r->actor), s->user);
		bal_address(s, s->bal_id, r->bal, sizeof(r->bal));
	} else {
		r->by = AUDIT_BY_NONE;
		str_copy(r->actor, sizeof(r->actor), s->audit_user);
		str_copy(r->bal, sizeof(r->bal),
		         s->audit_authzid[0] != '\0' ? s->audit_authzid : s->audit_user);
	}
}

static void trace_command(struct imap_cmd_ctx *ctx, enum cmd_kind k, struct store_audit *r)
{
	struct imap_session *s = ctx->s;
	char a0[STORE_MBOX_NAME_MAX / 4], a1[STORE_MBOX_NAME_MAX / 4];
	const char *view = s->view != NULL ? s->view->mb.name : "";
	uint64_t owner = s->view != NULL ? s->view->mb.bal_id : s->bal_id;
	size_t n;

	r->cat = AUDIT_CAT_ACCESS;
	snprintf(r->action, sizeof(r->action), "imap.%s", ctx->def->name);
	str_lower(r->action);
	r->by = owner != s->auth_bal_id ? AUDIT_BY_DELEGATE : AUDIT_BY_BAL;
	str_copy(r->actor, sizeof(r->actor), s->user);
	bal_address(s, owner, r->bal, sizeof(r->bal));
	n = (size_t)snprintf(r->request, sizeof(r->request), "%s%s", ctx->uid ? "UID " : "",
	                     ctx->def->name);
	switch (k) {
	case K_ARG0:
		arg_text(ctx, 0, a0, sizeof(a0));
		snprintf(r->request + n, sizeof(r->request) - n, " mailbox=%s", a0);
		break;
	case K_RENAME:
		arg_text(ctx, 0, a0, sizeof(a0));
		arg_text(ctx, 1, a1, sizeof(a1));
		snprintf(r->request + n, sizeof(r->request) - n, " mailbox=%s to=%s", a0, a1);
		break;
	case K_LIST:
		arg_text(ctx, 0, a0, sizeof(a0));
		arg_text(ctx, 1, a1, sizeof(a1));
		snprintf(r->request + n, sizeof(r->request) - n, " reference=%s pattern=%s", a0, a1);
		break;
	case K_SET:
		snprintf(r->request + n, sizeof(r->request) - n, " mailbox=\"%.300s\" %s=%llu", view,
		         ctx->uid ? "uids" : "messages", (unsigned long long)set_size(ctx));
		break;
	case K_COPY:
		arg_text(ctx, 1, a1, sizeof(a1));
		snprintf(r->request + n, sizeof(r->request) - n,
		         " mailbox=\"%.300s\" %s=%llu to=%s", view, ctx->uid ? "uids" : "messages",
		         (unsigned long long)set_size(ctx), a1);
		break;
	default: /* UID EXPUNGE names a set too */
		if (ctx->uid && ctx->argc >= 1)
			snprintf(r->request + n, sizeof(r->request) - n, " mailbox=\"%.300s\" uids=%llu",
			         view, (unsigned long long)set_size(ctx));
		else
			snprintf(r->request + n, sizeof(r->request) - n, " mailbox=\"%.300s\"", view);
		break;
	}
}

void imap_audit_cmd(struct imap_cmd_ctx *ctx)
{
	enum cmd_kind k = kind_of(ctx->def);
	struct imap_session *s = ctx->s;
	struct store_audit *r;

	if (k == K_NONE || ctx->result == NULL)
		return;
	if (k != K_AUTH && s->state == IMAP_ST_NOT_AUTH)
		return; /* refused before login: nothing was read */
	r = xcalloc(1, sizeof(*r));
	fill_session(s, r);
	if (k == K_AUTH)
		trace_auth(ctx, r);
	else
		trace_command(ctx, k, r);
	fill_response(ctx, r);
	str_copy(r->ref, sizeof(r->ref), ctx->audit_ref != NULL ? ctx->audit_ref : "");
	str_copy(r->message_id, sizeof(r->message_id),
	         ctx->audit_msgid != NULL ? ctx->audit_msgid : "");
	r->size = ctx->audit_size;
	audit_emit(r);
	free(r);
}
