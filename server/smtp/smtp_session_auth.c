/* SPDX-License-Identifier: ISC */
/* SMTP AUTH (RFC 4954) on the submission ports: PLAIN and LOGIN, only
 * once TLS is up (RFC 8314 section 3.3 / RFC 4954 section 4, 538 5.7.11
 * otherwise). The password is checked off the loop by server/auth.c, with
 * its cache and failure delays, as IMAP does. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "conn.h"
#include "log.h"
#include "smtp_audit.h"
#include "smtp_session_int.h"
#include "util.h"

struct auth_job {
	struct smtp_session *s;
	char authzid[SMTP_SASL_FIELD_MAX + 1];
	char user[SMTP_SASL_FIELD_MAX + 1]; /* as tried, for the trace */
};

static void auth_done(void *arg, enum auth_result r, const struct store_bal *bal)
{
	struct auth_job *j = arg;
	struct smtp_session *s = j->s;

	if (r == AUTH_OK && j->authzid[0] != '\0' && strcasecmp(j->authzid, bal->address) != 0) {
		/* Acting for another BAL is delegation (a later issue). */
		smtp_reply(s, 535, "5.7.8", "Identite d'autorisation refusee");
	} else if (r == AUTH_OK) {
		s->authed = true;
		s->bal_id = bal->id;
		str_copy(s->user, sizeof(s->user), bal->address);
		log_info("%s smtp authenticated user=%s", smtp_sid(s), s->user);
		smtp_reply(s, 235, "2.7.0", "Authentification reussie");
	} else if (r == AUTH_TEMPFAIL) {
		smtp_reply(s, 454, "4.7.0", "Erreur temporaire d'authentification");
	} else {
		/* AUTH_DISABLED too: the same answer as a wrong password. */
		smtp_reply(s, 535, "5.7.8", "Identifiants invalides");
	}
	smtp_audit_auth(s, s->authed ? s->user : j->user, j->authzid, s->authed, s->last_code,
	                s->last_text);
	explicit_bzero(j, sizeof(*j));
	free(j);
	smtp_wait_done(s);
}

static void check(struct smtp_session *s, const char *authzid, const char *user, const char *pw,
                  size_t pwlen)
{
	struct auth_job *j = xcalloc(1, sizeof(*j));

	j->s = s;
	str_copy(j->authzid, sizeof(j->authzid), authzid);
	str_copy(j->user, sizeof(j->user), user);
	smtp_wait(s);
	auth_check(s->srv->auth, user, (const uint8_t *)pw, pwlen, conn_peer_addr(s->conn),
	           smtp_sid(s), auth_done, j);
}

static void plain(struct smtp_session *s, struct slice response)
{
	struct smtp_sasl_plain p;
	enum smtp_reply_id err;

	if (smtp_sasl_plain_decode(response, &p, &err) < 0) {
		smtp_reply_id(s, err);
		return;
	}
	check(s, p.authzid, p.authcid, p.passwd, p.passwd_len);
	smtp_sasl_plain_wipe(&p);
}

static void login_step(struct smtp_session *s, enum smtp_sasl_result r, enum smtp_reply_id err)
{
	switch (r) {
	case SMTP_SASL_CONTINUE:
		s->in = SMTP_IN_AUTH_LOGIN;
		smtp_reply(s, 334, NULL, "%s", smtp_sasl_login_challenge(&s->login));
		break;
	case SMTP_SASL_DONE:
		check(s, "", s->login.user, s->login.passwd, s->login.passwd_len);
		smtp_sasl_login_wipe(&s->login);
		break;
	case SMTP_SASL_ERR:
		smtp_reply_id(s, err);
		break;
	}
}

void smtp_cmd_auth(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	enum smtp_reply_id err = SMTP_R_OK;

	if (s->mode != SMTP_MODE_SUBMISSION) {
		smtp_reply(s, 503, "5.5.1", "AUTH n'est pas disponible sur ce port");
		return;
	}
	if (!conn_is_tls(s->conn) && !s->srv->test_plaintext) {
		smtp_reply(s, 538, "5.7.11", "Chiffrement requis: utilisez STARTTLS d'abord");
		return;
	}
	if (s->authed || s->mail) {
		smtp_reply(s, 503, "5.5.1",
		           s->authed ? "Deja authentifie" : "Transaction en cours");
		return;
	}
	if (slice_casecmp_cstr(cmd->arg, "PLAIN") == 0) {
		if (cmd->has_ir) {
			plain(s, cmd->ir);
		} else {
			s->in = SMTP_IN_AUTH_PLAIN;
			smtp_reply(s, 334, NULL, "%s", "");
		}
	} else if (slice_casecmp_cstr(cmd->arg, "LOGIN") == 0) {
		login_step(s, smtp_sasl_login_start(&s->login, cmd->has_ir ? &cmd->ir : NULL, &err),
		           err);
	} else {
		smtp_reply(s, 504, "5.5.4", "Mecanisme d'authentification non supporte");
	}
}

void smtp_auth_line(struct smtp_session *s, struct slice line)
{
	enum smtp_reply_id err = SMTP_R_OK;
	enum smtp_input in = s->in;

	s->in = SMTP_IN_LINES;
	if (in == SMTP_IN_AUTH_PLAIN)
		plain(s, line);
	else
		login_step(s, smtp_sasl_login_step(&s->login, line, &err), err);
}
