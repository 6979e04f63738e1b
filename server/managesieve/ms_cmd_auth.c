/* SPDX-License-Identifier: ISC */
/* The ManageSieve commands of the connection: CAPABILITY, STARTTLS
 * (RFC 5804 section 2.2), AUTHENTICATE with SASL PLAIN (section 2.1,
 * RFC 4616) only once TLS is up, UNAUTHENTICATE, LOGOUT
 * and NOOP. The password is checked off the loop by server/auth.c (its
 * cache, its failure delays, and the BAL's last login). An authorization
 * identity other than the authentication identity is refused: ManageSieve
 * gives no access to another BAL's scripts. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "mailgen.h"
#include "ms_session_int.h"
#include "sasl.h"
#include "util.h"

void ms_cmd_capability(struct ms_session *s, const struct ms_cmd *cmd)
{
	struct buf out;

	(void)cmd;
	buf_init(&out, 0);
	ms_capabilities(s, &out);
	ms_resp_status(&out, MS_OK, NULL, "Capability completed");
	ms_write(s, &out);
	buf_free(&out);
}

void ms_cmd_starttls(struct ms_session *s, const struct ms_cmd *cmd)
{
	(void)cmd;
	if (conn_is_tls(s->conn) || s->srv->tls == NULL) {
		ms_reply_error(s, "TLS is already active or not available");
		return;
	}
	ms_reply(s, MS_OK, NULL, "Begin TLS negotiation now");
	if (conn_starttls(s->conn, s->srv->tls) == 0)
		s->input_reset = true;
}

/* RFC 5804 section 2.2: after the handshake the server sends the
 * capabilities again, then OK. */
void ms_tls_ready(struct ms_session *s)
{
	struct buf out;

	log_debug("%s managesieve tls up", ms_sid(s));
	buf_init(&out, 0);
	ms_capabilities(s, &out);
	ms_resp_status(&out, MS_OK, NULL, "TLS negotiation successful");
	ms_write(s, &out);
	buf_free(&out);
}

/* ---------------------------------------------------------------- AUTHENTICATE */

struct auth_job {
	struct ms_session *s;
	char authzid[MS_SASL_FIELD_MAX + 1];
};

static void auth_failed(struct ms_session *s, const char *code, const char *text)
{
	ms_reply(s, MS_NO, code, text);
	if (++s->n_auth_fails >= MS_AUTH_FAILS_MAX) {
		log_info("%s managesieve closing: %u failed logins", ms_sid(s), s->n_auth_fails);
		ms_bye(s, NULL, "Too many failed authentications");
	}
}

static void auth_done(void *arg, enum auth_result r, const struct store_bal *bal)
{
	struct auth_job *j = arg;
	struct ms_session *s = j->s;

	if (r == AUTH_OK && j->authzid[0] != '\0' && strcasecmp(j->authzid, bal->address) != 0) {
		log_info("%s managesieve login refused: %s asked for another authorization "
		         "identity", ms_sid(s), bal->address);
		auth_failed(s, NULL, "Authorization identity refused: only your own BAL");
	} else if (r == AUTH_OK) {
		s->authed = true;
		s->bal_id = bal->id;
		str_copy(s->user, sizeof(s->user), bal->address);
		log_info("%s managesieve authenticated user=%s", ms_sid(s), s->user);
		ms_reply(s, MS_OK, NULL, "Authenticated");
	} else if (r == AUTH_TEMPFAIL) {
		ms_reply(s, MS_NO, "TRYLATER", "Temporary authentication failure");
	} else {
		/* AUTH_DISABLED too: the same answer as a wrong password. */
		auth_failed(s, NULL, "Authentication failed");
	}
	explicit_bzero(j, sizeof(*j));
	free(j);
	ms_wait_done(s);
}

/* Decodes a PLAIN message (common/sasl.c) into buf and *p, authcid
 * copied NUL-terminated; false when it is not one or authzid or authcid
 * is not UTF-8. */
static bool plain_decode(struct slice response, uint8_t *buf, size_t bufsz, struct sasl_plain *p,
                         char authcid[MS_SASL_FIELD_MAX + 1])
{
	if (sasl_plain_decode(response, buf, bufsz, MS_SASL_FIELD_MAX, MS_SASL_FIELD_MAX, p) !=
	        SASL_PLAIN_OK ||
	    !mailgen_utf8_valid(p->authzid.p, p->authzid.len) ||
	    !mailgen_utf8_valid(p->authcid.p, p->authcid.len))
		return false;
	memcpy(authcid, p->authcid.p, p->authcid.len);
	authcid[p->authcid.len] = '\0';
	return true;
}

/* A PLAIN message (base64, as sent): checked off the loop. */
static void plain(struct ms_session *s, struct slice response)
{
	uint8_t buf[3 * MS_SASL_FIELD_MAX + 2];
	char authcid[MS_SASL_FIELD_MAX + 1];
	struct sasl_plain p;
	struct auth_job *j;

	if (response.len == 1 && response.p[0] == '*') {
		ms_reply(s, MS_NO, NULL, "Authentication cancelled");
		return;
	}
	if (!plain_decode(response, buf, sizeof(buf), &p, authcid)) {
		explicit_bzero(buf, sizeof(buf));
		auth_failed(s, NULL, "Authentication failed: invalid PLAIN message");
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->s = s;
	memcpy(j->authzid, p.authzid.p, p.authzid.len);
	str_copy(s->audit_user, sizeof(s->audit_user), authcid);
	ms_wait(s);
	auth_check(s->srv->auth, authcid, p.passwd.p, p.passwd.len, conn_peer_addr(s->conn),
	           ms_sid(s), auth_done, j);
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(&p, sizeof(p));
}

void ms_cmd_authenticate(struct ms_session *s, const struct ms_cmd *cmd)
{
	if (!conn_is_tls(s->conn) && !s->srv->test_plaintext) {
		/* RFC 5804 section 1.3: ENCRYPT-NEEDED. */
		ms_reply(s, MS_NO, "ENCRYPT-NEEDED", "Use STARTTLS first");
		return;
	}
	if (!ms_arg_is_string(cmd, 0) || (cmd->argc == 2 && !ms_arg_is_string(cmd, 1))) {
		ms_reply_error(s, "AUTHENTICATE takes a mechanism and a response as strings");
		return;
	}
	if (slice_casecmp_cstr(cmd->arg[0].str, "PLAIN") != 0) {
		ms_reply(s, MS_NO, NULL, "Unsupported mechanism: only PLAIN");
		return;
	}
	if (cmd->argc == 2) { /* the initial response */
		plain(s, cmd->arg[1].str);
		return;
	}
	/* An empty challenge: the client's response is the next line. */
	s->sasl = true;
	ms_parser_expect_response(&s->parser);
	if (!ms_gone(s))
		conn_write_str(s->conn, "\"\"\r\n");
}

void ms_sasl_response(struct ms_session *s, const struct ms_cmd *cmd)
{
	if (cmd->argc != 1) {
		ms_reply(s, MS_NO, NULL, "Authentication failed: one string expected");
		return;
	}
	plain(s, cmd->arg[0].str);
}

void ms_cmd_unauthenticate(struct ms_session *s, const struct ms_cmd *cmd)
{
	(void)cmd;
	log_info("%s managesieve unauthenticated user=%s", ms_sid(s), s->user);
	s->authed = false;
	s->bal_id = 0;
	s->user[0] = '\0';
	ms_reply(s, MS_OK, NULL, "Unauthenticated");
}

/* ---------------------------------------------------------------- LOGOUT, NOOP */

void ms_cmd_logout(struct ms_session *s, const struct ms_cmd *cmd)
{
	(void)cmd;
	ms_reply(s, MS_OK, NULL, "Logout completed");
	conn_close(s->conn);
}

/* NOOP ["tag"] answers OK (TAG "tag") (RFC 5804). */
void ms_cmd_noop(struct ms_session *s, const struct ms_cmd *cmd)
{
	struct buf code;

	if (cmd->argc == 0) {
		ms_reply(s, MS_OK, NULL, "Done");
		return;
	}
	if (!ms_arg_is_string(cmd, 0)) {
		ms_reply_error(s, "NOOP takes a string");
		return;
	}
	buf_init(&code, 0);
	buf_append_str(&code, "TAG ");
	ms_resp_string(&code, cmd->arg[0].str);
	buf_cstr(&code);
	ms_reply(s, MS_OK, (const char *)code.data, "Done");
	buf_free(&code);
}
