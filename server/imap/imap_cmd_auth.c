/* SPDX-License-Identifier: ISC */
/* LOGIN (RFC 9051 section 6.2.3) and AUTHENTICATE PLAIN (section 6.2.2,
 * RFC 4616) with SASL-IR (RFC 4959), only over TLS (the table's
 * IMAP_CMDF_TLS). The check itself runs in server/auth.c. A PLAIN
 * authorization identity naming another BAL opens that BAL when it
 * delegated at least l or r to the user (imap_acl.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conn.h"
#include "imap_session.h"
#include "log.h"
#include "sasl.h"
#include "util.h"

#define SASL_PLAIN_MAX 2048 /* decoded PLAIN message */

struct login_job {
	char authcid[STORE_ADDR_MAX + 1];
	char authzid[STORE_ADDR_MAX + 1];
	/* Delegated login: the authenticated user, then the BAL opened. */
	uint64_t user_id;
	char user[STORE_ADDR_MAX + 1];
	uint64_t bal_id;
};

/* The session acts on bal_id for the user user_id (its owner or a
 * delegate) from now on. */
static void login_ok(struct imap_cmd_ctx *ctx, uint64_t bal_id, uint64_t user_id,
                     const char *user, const char *authzid)
{
	struct imap_session *s = ctx->s;
	struct buf b;

	s->bal_id = bal_id;
	s->auth_bal_id = user_id;
	str_copy(s->user, sizeof(s->user), user);
	str_copy(s->authzid, sizeof(s->authzid), authzid);
	imap_session_set_state(s, IMAP_ST_AUTH);
	buf_init(&b, 0);
	buf_append_str(&b, "CAPABILITY ");
	imap_capability_write(s, &b);
	buf_cstr(&b);
	imap_reply_ok(ctx, (const char *)b.data, "Logged in");
	buf_free(&b);
}

/* In the writer: the authorization identity is a BAL that granted the
 * user l or r (on it or one of its mailboxes); the access is logged for
 * its owner (balisectl delegate log) in the same transaction. */
static int delegated_apply(struct store_txn *txn, void *arg)
{
	struct login_job *j = arg;
	struct store_deleg_access *a = xcalloc(1, sizeof(*a));
	struct store_bal *bal = xmalloc(sizeof(*bal));
	unsigned rights = 0;
	int r = store_bal_get_by_addr(txn, j->authzid, bal);

	if (r == 1 && bal->state == BAL_ACTIVE)
		r = store_deleg_rights_any(txn, j->user_id, bal->id, &rights);
	else if (r >= 0)
		r = STORE_E_INVALID;
	if (r == 0 && !(rights & (RIGHT_LOOKUP | RIGHT_READ)))
		r = STORE_E_INVALID;
	if (r == 0) {
		j->bal_id = bal->id;
		str_copy(j->authzid, sizeof(j->authzid), bal->address);
		a->bal_id = bal->id;
		a->grantee_id = j->user_id;
		str_copy(a->grantee, sizeof(a->grantee), j->user);
		str_copy(a->protocol, sizeof(a->protocol), "imap");
		r = store_deleg_log_add(txn, a);
	}
	free(a);
	free(bal);
	return r;
}

static void delegated_done(struct imap_cmd_ctx *ctx, int result)
{
	struct login_job *j = ctx->data;

	if (result == 0) {
		log_info("%s imap delegated login: %s acts on %s", imap_session_id(ctx->s), j->user,
		         j->authzid);
		login_ok(ctx, j->bal_id, j->user_id, j->user, j->authzid);
	} else if (result == STORE_E_INVALID || result == STORE_E_NOTFOUND) {
		log_info("%s imap delegated login refused: %s for %s", imap_session_id(ctx->s),
		         j->user, j->authzid);
		imap_reply_no(ctx, "AUTHORIZATIONFAILED", "Not authorized for that identity");
	} else {
		imap_reply_no(ctx, "UNAVAILABLE", "Try again later");
	}
	imap_cmd_done(ctx);
}

static void login_done(void *arg, enum auth_result r, const struct store_bal *bal)
{
	struct imap_cmd_ctx *ctx = arg;
	struct login_job *j = ctx->data;

	if (r == AUTH_OK && j->authzid[0] != '\0' && strcasecmp(j->authzid, bal->address) != 0) {
		/* Acting for another BAL: delegation, decided by the store. */
		j->user_id = bal->id;
		str_copy(j->user, sizeof(j->user), bal->address);
		imap_cmd_store_write(ctx, delegated_apply, j, delegated_done);
		return;
	} else if (r == AUTH_OK) {
		login_ok(ctx, bal->id, bal->id, bal->address, j->authzid);
	} else if (r == AUTH_DISABLED) {
		imap_reply_no(ctx, "AUTHORIZATIONFAILED", "Account disabled");
	} else if (r == AUTH_TEMPFAIL) {
		imap_reply_no(ctx, "UNAVAILABLE", "Try again later");
	} else {
		imap_reply_no(ctx, "AUTHENTICATIONFAILED", "Authentication failed");
	}
	imap_cmd_done(ctx);
}

/* Starts the check; the command waits for login_done. */
static enum imap_cmd_result login_start(struct imap_cmd_ctx *ctx, struct login_job *j,
                                        struct slice pw)
{
	struct imap_session *s = ctx->s;

	ctx->data = j;
	auth_check(s->srv->auth, j->authcid, pw.p, pw.len, conn_peer_addr(s->conn),
	           imap_session_id(s), login_done, ctx);
	return IMAP_CMD_WAIT;
}

/* The parser's copy of a secret is ours: wipe it once used. */
static void wipe(struct slice s)
{
	if (s.len > 0)
		explicit_bzero((void *)s.p, s.len);
}

imap_cmd_fn imap_cmd_login;
enum imap_cmd_result imap_cmd_login(struct imap_cmd_ctx *ctx)
{
	struct login_job *j = imap_cmd_alloc(ctx, sizeof(*j));
	struct slice user, pw;
	enum imap_cmd_result r;

	if (!imap_arg_get_astring(&ctx->args[0], &user) ||
	    !imap_arg_get_astring(&ctx->args[1], &pw)) {
		imap_reply_bad(ctx, NULL, "LOGIN takes a user name and a password");
		return IMAP_CMD_DONE;
	}
	if (user.len == 0 || user.len > STORE_ADDR_MAX || memchr(user.p, 0, user.len) != NULL) {
		wipe(pw);
		imap_reply_no(ctx, "AUTHENTICATIONFAILED", "Authentication failed");
		return IMAP_CMD_DONE;
	}
	memcpy(j->authcid, user.p, user.len);
	r = login_start(ctx, j, pw);
	wipe(pw);
	return r;
}

/* ---------------------------------------------------------------- AUTHENTICATE */

/* RFC 4616 section 2: [authzid] NUL authcid NUL passwd (common/sasl.c). */
static enum imap_cmd_result plain_response(struct imap_cmd_ctx *ctx, struct slice line)
{
	uint8_t msg[SASL_PLAIN_MAX];
	struct login_job *j = imap_cmd_alloc(ctx, sizeof(*j));
	struct sasl_plain p;
	int rc;
	enum imap_cmd_result r;

	if (line.len == 1 && line.p[0] == '*') {
		imap_reply_bad(ctx, NULL, "Authentication cancelled");
		return IMAP_CMD_DONE;
	}
	rc = sasl_plain_decode(line, msg, sizeof(msg), STORE_ADDR_MAX, SASL_PLAIN_MAX, &p);
	wipe(line);
	if (rc != SASL_PLAIN_OK) {
		explicit_bzero(msg, sizeof(msg));
		if (rc == SASL_PLAIN_BASE64)
			imap_reply_bad(ctx, NULL, "Invalid base64");
		else
			imap_reply_no(ctx, "AUTHENTICATIONFAILED", "Invalid PLAIN message");
		return IMAP_CMD_DONE;
	}
	memcpy(j->authzid, p.authzid.p, p.authzid.len);
	memcpy(j->authcid, p.authcid.p, p.authcid.len);
	r = login_start(ctx, j, p.passwd);
	explicit_bzero(msg, sizeof(msg));
	return r;
}

imap_cmd_fn imap_cmd_authenticate;
enum imap_cmd_result imap_cmd_authenticate(struct imap_cmd_ctx *ctx)
{
	struct slice mech, ir;

	if (!imap_arg_get_atom(&ctx->args[0], &mech)) {
		imap_reply_bad(ctx, NULL, "Invalid mechanism");
		return IMAP_CMD_DONE;
	}
	if (slice_casecmp_cstr(mech, "PLAIN") != 0) {
		imap_reply_no(ctx, NULL, "Unsupported authentication mechanism");
		return IMAP_CMD_DONE;
	}
	if (ctx->argc == 2) { /* SASL-IR; "=" is an empty response */
		if (!imap_arg_get_atom(&ctx->args[1], &ir)) {
			imap_reply_bad(ctx, NULL, "Invalid initial response");
			return IMAP_CMD_DONE;
		}
		if (ir.len == 1 && ir.p[0] == '=')
			ir.len = 0;
		return plain_response(ctx, ir);
	}
	imap_write(ctx->s, "+ \r\n", 4);
	imap_cmd_wait_line(ctx, plain_response);
	return IMAP_CMD_WAIT;
}
