/* SPDX-License-Identifier: ISC */
/* The SMTP session core: the connection in raw mode, bytes cut into
 * command lines (smtp_cmd.h) or fed to the DATA/BDAT readers
 * (smtp_data.h), one command at a time with its reply in order; the
 * greeting, EHLO, STARTTLS, the simple commands, the session limits. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "metrics.h"
#include "smtp_audit.h"
#include "smtp_session_int.h"
#include "util.h"

static struct session_set sessions;

static const struct conn_ops smtp_conn_ops;

/* ---------------------------------------------------------------- lifetime */

bool smtp_gone(const struct smtp_session *s)
{
	return s->conn == NULL || conn_closing(s->conn);
}

const char *smtp_sid(const struct smtp_session *s)
{
	return s->conn != NULL ? conn_id(s->conn) : "-";
}

static void session_free(struct smtp_session *s)
{
	smtp_tx_reset(s);
	buf_free(&s->msg);
	smtp_sasl_login_wipe(&s->login);
	explicit_bzero(s, sizeof(*s));
	free(s);
	session_set_freed(&sessions);
}

static void session_unref(struct smtp_session *s)
{
	if (--s->refs == 0)
		session_free(s);
}

static void on_close(struct conn *c, void *arg)
{
	struct smtp_session *s = arg;

	log_debug("%s smtp closed", conn_id(c));
	session_set_remove(&sessions, &s->link);
	s->conn = NULL;
	session_unref(s);
}

void smtp_wait(struct smtp_session *s)
{
	s->waiting = true;
	s->refs++;
	if (s->conn != NULL)
		conn_pause(s->conn);
}

void smtp_wait_done(struct smtp_session *s)
{
	struct conn *c = s->conn;

	s->waiting = false;
	if (c != NULL && s->shutdown && !conn_closing(c))
		smtp_close(s, "4.3.2", "Service en cours d'arret");
	if (--s->refs == 0) {
		session_free(s);
		return;
	}
	if (c != NULL)
		conn_resume(c);
}

static void accept_session(struct conn *c, struct smtp_server *srv, enum smtp_mode mode)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));

	s->srv = srv;
	s->conn = c;
	s->mode = mode;
	s->refs = 1;
	buf_init(&s->msg, srv->size_max);
	smtp_line_init(&s->lr, SMTP_LINE_MAX_AUTH);
	session_set_add(&sessions, &s->link);
	conn_set_handler(c, &smtp_conn_ops, s);
	conn_set_raw(c, true);
	conn_set_line_max(c, SMTP_LINE_MAX_AUTH);
	conn_set_timeouts(c, srv->idle_ms, CONN_CMD_TIMEOUT_MS);
	/* Under implicit TLS this goes out once the handshake is done. */
	conn_printf(c, "220 %s ESMTP balise pret\r\n", srv->hostname);
	log_info("%s smtp accepted peer=%s service=%s tls=%d", conn_id(c), conn_peer(c),
	         mode == SMTP_MODE_INBOUND ? "smtp" : "submission", conn_is_tls(c));
}

void smtp_session_accept_inbound(struct conn *c, void *arg)
{
	accept_session(c, arg, SMTP_MODE_INBOUND);
}

void smtp_session_accept_submission(struct conn *c, void *arg)
{
	accept_session(c, arg, SMTP_MODE_SUBMISSION);
}

void smtp_sessions_shutdown(void)
{
	struct smtp_session *s;

	session_set_stop(&sessions);
	session_set_each(&sessions, s, struct smtp_session, link) {
		if (s->conn == NULL)
			continue;
		if (s->waiting) /* its reply comes first */
			s->shutdown = true;
		else
			smtp_close(s, "4.3.2", "Service en cours d'arret");
	}
	session_set_settle(&sessions);
}

size_t smtp_sessions_count(void)
{
	return session_set_count(&sessions);
}

void smtp_sessions_on_empty(void (*fn)(void *arg), void *arg)
{
	session_set_on_empty(&sessions, fn, arg);
}

/* ---------------------------------------------------------------- replies */

void smtp_close(struct smtp_session *s, const char *enh, const char *text)
{
	if (smtp_gone(s))
		return;
	conn_printf(s->conn, "421 %s %s %s\r\n", enh, s->srv->hostname, text);
	metrics_smtp_reply(421);
	conn_close(s->conn);
}

static void count_error(struct smtp_session *s, int code)
{
	if (code < 500 || smtp_gone(s))
		return;
	if (++s->n_errs >= s->srv->err_max) {
		log_info("%s smtp closing: %u errors", smtp_sid(s), s->n_errs);
		smtp_close(s, "4.7.0", "Trop d'erreurs, fermeture de la connexion");
	}
}

void smtp_reply(struct smtp_session *s, int code, const char *enh, const char *fmt, ...)
{
	char text[1024];
	struct buf out;
	va_list ap;

	if (smtp_gone(s))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buf_init(&out, 0);
	if (smtp_reply_format(&out, code, enh, text) == 0)
		conn_write(s->conn, out.data, out.len);
	buf_free(&out);
	s->last_code = code;
	snprintf(s->last_text, sizeof(s->last_text), "%s%s%.*s", enh != NULL ? enh : "",
	         enh != NULL ? " " : "", (int)strcspn(text, "\n"), text);
	metrics_smtp_reply(code);
	count_error(s, code);
}

void smtp_reply_id(struct smtp_session *s, enum smtp_reply_id id)
{
	const struct smtp_reply_info *ri = smtp_reply_info(id);

	smtp_reply(s, ri->code, ri->enh, "%s", ri->text);
}

/* ---------------------------------------------------------------- transaction */

void smtp_tx_reset(struct smtp_session *s)
{
	s->mail = false;
	s->from[0] = '\0';
	memset(&s->mp, 0, sizeof(s->mp));
	free(s->rcpts);
	s->rcpts = NULL;
	s->n_rcpts = 0;
	/* Not kept between messages: an idle session holds no message memory. */
	buf_free(&s->msg);
	buf_init(&s->msg, s->srv->size_max);
	s->bdat = s->bdat_refused = s->bdat_last = false;
	s->bdat_left = 0;
}

/* ---------------------------------------------------------------- commands */

static bool tls_offered(const struct smtp_session *s)
{
	if (conn_is_tls(s->conn))
		return false;
	return (s->mode == SMTP_MODE_INBOUND ? s->srv->tls_inbound : s->srv->tls_submission) !=
	       NULL;
}

static bool auth_offered(const struct smtp_session *s)
{
	return s->mode == SMTP_MODE_SUBMISSION && !s->authed &&
	       (conn_is_tls(s->conn) || s->srv->test_plaintext);
}

static void cmd_ehlo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_ehlo_caps caps = {
	    .pipelining = true,
	    .size = true,
	    .size_max = s->srv->size_max,
	    .eightbitmime = true,
	    .chunking = true,
	    .smtputf8 = true,
	    .enhancedstatuscodes = true,
	    .dsn = true,
	};
	struct buf out;

	smtp_tx_reset(s); /* RFC 5321 section 4.1.4 */
	str_copy(s->helo, sizeof(s->helo), "");
	if (cmd->arg.len <= SMTP_HELO_MAX) {
		memcpy(s->helo, cmd->arg.p, cmd->arg.len);
		s->helo[cmd->arg.len] = '\0';
	}
	s->greeted = true;
	s->esmtp = cmd->verb == SMTP_VERB_EHLO;
	if (!s->esmtp) {
		smtp_reply(s, 250, NULL, "%s", s->srv->hostname);
		return;
	}
	caps.starttls = tls_offered(s);
	caps.auth = auth_offered(s) ? "PLAIN LOGIN" : NULL;
	buf_init(&out, 0);
	if (smtp_reply_ehlo(&out, s->srv->hostname, "bonjour", &caps) == 0)
		conn_write(s->conn, out.data, out.len);
	buf_free(&out);
}

static void cmd_starttls(struct smtp_session *s)
{
	struct tls_ctx *t =
	    s->mode == SMTP_MODE_INBOUND ? s->srv->tls_inbound : s->srv->tls_submission;

	if (conn_is_tls(s->conn) || t == NULL) {
		smtp_reply(s, 503, "5.5.1", "TLS deja actif ou non disponible");
		return;
	}
	smtp_reply(s, 220, "2.0.0", "Pret pour TLS");
	if (conn_starttls(s->conn, t) == 0) {
		/* RFC 3207 section 4.2: forget everything learnt before. */
		smtp_tx_reset(s);
		s->greeted = s->esmtp = false;
		s->input_reset = true;
	}
}

static void run_command(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	if (!s->greeted && cmd->verb != SMTP_VERB_EHLO && cmd->verb != SMTP_VERB_HELO &&
	    cmd->verb != SMTP_VERB_QUIT && cmd->verb != SMTP_VERB_NOOP &&
	    cmd->verb != SMTP_VERB_RSET && cmd->verb != SMTP_VERB_STARTTLS &&
	    cmd->verb != SMTP_VERB_HELP) {
		smtp_reply(s, 503, "5.5.1", "Envoyez EHLO d'abord");
		return;
	}
	switch (cmd->verb) {
	case SMTP_VERB_EHLO:
	case SMTP_VERB_HELO:
		cmd_ehlo(s, cmd);
		break;
	case SMTP_VERB_STARTTLS:
		cmd_starttls(s);
		break;
	case SMTP_VERB_AUTH:
		smtp_cmd_auth(s, cmd);
		break;
	case SMTP_VERB_MAIL:
		s->last_code = 0;
		smtp_cmd_mail(s, cmd);
		if (s->last_code >= 400)
			smtp_audit_refused(s, "MAIL", cmd->path.addr, s->last_code, s->last_text);
		break;
	case SMTP_VERB_RCPT:
		s->last_code = 0;
		smtp_cmd_rcpt(s, cmd);
		if (s->last_code >= 400)
			smtp_audit_refused(s, "RCPT", cmd->path.addr, s->last_code, s->last_text);
		break;
	case SMTP_VERB_DATA:
		smtp_cmd_data(s);
		break;
	case SMTP_VERB_BDAT:
		smtp_cmd_bdat(s, cmd);
		break;
	case SMTP_VERB_RSET:
		smtp_tx_reset(s);
		smtp_reply(s, 250, "2.0.0", "Transaction annulee");
		break;
	case SMTP_VERB_NOOP:
		smtp_reply(s, 250, "2.0.0", "OK");
		break;
	case SMTP_VERB_QUIT:
		smtp_reply(s, 221, "2.0.0", "%s au revoir", s->srv->hostname);
		conn_close(s->conn);
		break;
	case SMTP_VERB_VRFY:
		smtp_reply(s, 252, "2.5.0", "Verification d'adresse non disponible");
		break;
	case SMTP_VERB_EXPN:
		smtp_reply(s, 502, "5.5.1", "Commande non disponible");
		break;
	case SMTP_VERB_HELP:
		smtp_reply(s, 214, "2.0.0", "Voir RFC 5321; contact: %s",
		           s->srv->postmaster != NULL && s->srv->postmaster[0] ? s->srv->postmaster
		                                                               : "postmaster");
		break;
	case SMTP_VERB_UNKNOWN:
		smtp_reply_id(s, SMTP_R_UNKNOWN_CMD);
		break;
	}
}

static unsigned parse_flags(const struct smtp_session *s)
{
	unsigned f = 0;

	if (s->esmtp)
		f = SMTP_EXT_SIZE | SMTP_EXT_8BITMIME | SMTP_EXT_SMTPUTF8 | SMTP_EXT_DSN;
	if (s->mail && s->mp.smtputf8)
		f |= SMTP_PARSE_TX_UTF8;
	return f;
}

static void on_line(struct smtp_session *s, struct slice line)
{
	struct smtp_cmd cmd;
	enum smtp_reply_id err;

	if (s->in == SMTP_IN_AUTH_PLAIN || s->in == SMTP_IN_AUTH_LOGIN) {
		smtp_auth_line(s, line);
		return;
	}
	if (++s->n_cmds > s->srv->cmd_max) {
		log_info("%s smtp closing: more than %u commands", smtp_sid(s), s->srv->cmd_max);
		smtp_close(s, "4.7.0", "Trop de commandes dans la session");
		return;
	}
	metrics_command(METRICS_CMD_SMTP);
	if (smtp_cmd_parse(line, parse_flags(s), &cmd, &err) < 0) {
		smtp_reply_id(s, err);
		if (cmd.verb == SMTP_VERB_BDAT) /* the chunk size is unknown */
			smtp_close(s, "4.5.0", "Fin de commande BDAT illisible");
		return;
	}
	log_debug("%s smtp cmd=%s", smtp_sid(s), smtp_verb_name(cmd.verb));
	run_command(s, &cmd);
}

/* ---------------------------------------------------------------- input */

void smtp_msg_sink(void *ctx, const uint8_t *data, size_t len)
{
	struct smtp_session *s = ctx;

	/* The reader gives at most size_max bytes, which the buffer holds. */
	buf_append(&s->msg, data, len);
}

/* DATA: feed until the final dot. Returns the bytes used. */
static size_t feed_data(struct smtp_session *s, const uint8_t *p, size_t n)
{
	size_t used = 0;

	if (smtp_data_feed(&s->dr, p, n, &used, smtp_msg_sink, s) == SMTP_DATA_END) {
		s->in = SMTP_IN_LINES;
		conn_cmd_end(s->conn);
		smtp_message_end(s);
	}
	return used;
}

/* BDAT: the chunk's bytes. */
static size_t feed_bdat(struct smtp_session *s, const uint8_t *p, size_t n)
{
	size_t take = n < s->bdat_left ? n : (size_t)s->bdat_left;

	if (!s->bdat_refused)
		smtp_bdat_feed(&s->dr, p, take, smtp_msg_sink, s);
	s->bdat_left -= take;
	if (s->bdat_left > 0)
		return take;
	s->in = SMTP_IN_LINES;
	conn_cmd_end(s->conn);
	if (s->bdat_refused) {
		smtp_reply(s, 503, "5.5.1", "BDAT sans transaction valide, donnees ignorees");
		if (s->bdat_last)
			smtp_tx_reset(s);
	} else if (s->bdat_last) {
		smtp_message_end(s);
	} else {
		smtp_reply(s, 250, "2.0.0", "%llu octets recus", (unsigned long long)s->dr.size);
	}
	return take;
}

static size_t feed_lines(struct smtp_session *s, const uint8_t *p, size_t n)
{
	struct slice line;
	size_t used = 0;

	switch (smtp_line_next(&s->lr, p, n, &line, &used)) {
	case SMTP_LINE_OK:
		on_line(s, line);
		break;
	case SMTP_LINE_MORE:
		break;
	case SMTP_LINE_TOO_LONG:
		smtp_reply_id(s, s->in == SMTP_IN_LINES ? SMTP_R_LINE_TOO_LONG
		                                        : SMTP_R_AUTH_LINE_TOO_LONG);
		if (s->in != SMTP_IN_LINES) {
			s->in = SMTP_IN_LINES;
			smtp_sasl_login_wipe(&s->login);
		}
		break;
	case SMTP_LINE_BAD_EOL:
		smtp_reply_id(s, SMTP_R_BAD_EOL);
		smtp_close(s, "4.5.0", "Fin de ligne invalide, fermeture");
		break;
	}
	return used;
}

static size_t on_data(struct conn *c, struct slice data, void *arg)
{
	struct smtp_session *s = arg;
	size_t off = 0;

	(void)c;
	while (off < data.len && !s->waiting && !smtp_gone(s)) {
		const uint8_t *p = data.p + off;
		size_t n = data.len - off, used;

		if (s->in == SMTP_IN_DATA)
			used = feed_data(s, p, n);
		else if (s->in == SMTP_IN_BDAT)
			used = feed_bdat(s, p, n);
		else
			used = feed_lines(s, p, n);
		off += used;
		if (s->input_reset) { /* STARTTLS: the rest came in clear */
			s->input_reset = false;
			return data.len;
		}
		if (used == 0) /* a partial line: wait for more */
			break;
	}
	if (smtp_gone(s))
		return data.len;
	return off;
}

static void on_event(struct conn *c, enum conn_event ev, void *arg)
{
	struct smtp_session *s = arg;

	switch (ev) {
	case CONN_EV_IDLE_TIMEOUT:
		log_info("%s smtp idle timeout", conn_id(c));
		smtp_close(s, "4.4.2", "Delai d'inactivite depasse");
		break;
	case CONN_EV_CMD_TIMEOUT:
		log_info("%s smtp command timeout", conn_id(c));
		smtp_close(s, "4.4.2", "Commande non terminee a temps");
		break;
	case CONN_EV_DRAIN:
	case CONN_EV_LINE_TOO_LONG:
		break;
	}
}

static const struct conn_ops smtp_conn_ops = {
    .on_data = on_data,
    .on_event = on_event,
    .on_close = on_close,
};
