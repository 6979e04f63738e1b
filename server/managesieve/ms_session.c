/* SPDX-License-Identifier: ISC */
/* The ManageSieve session core: the connection in raw mode, bytes cut
 * into commands by ms_parser.h, one command at a time with its answer in
 * order; the greeting, the command table, the session limits, SIGTERM. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "log.h"
#include "metrics.h"
#include "ms_session_int.h"
#include "sieve.h"
#include "util.h"

static struct session_set sessions;

static const struct conn_ops ms_conn_ops;

/* ---------------------------------------------------------------- lifetime */

bool ms_gone(const struct ms_session *s)
{
	return s->conn == NULL || conn_closing(s->conn);
}

const char *ms_sid(const struct ms_session *s)
{
	return s->conn != NULL ? conn_id(s->conn) : "-";
}

static void session_free(struct ms_session *s)
{
	ms_parser_free(&s->parser);
	explicit_bzero(s, sizeof(*s));
	free(s);
	session_set_freed(&sessions);
}

static void on_close(struct conn *c, void *arg)
{
	struct ms_session *s = arg;

	log_debug("%s managesieve closed", conn_id(c));
	session_set_remove(&sessions, &s->link);
	s->conn = NULL;
	if (--s->refs == 0)
		session_free(s);
}

void ms_wait(struct ms_session *s)
{
	s->waiting = true;
	s->refs++;
	if (s->conn != NULL)
		conn_pause(s->conn);
}

void ms_wait_done(struct ms_session *s)
{
	struct conn *c = s->conn;

	s->waiting = false;
	if (c != NULL && s->shutdown)
		ms_bye(s, NULL, "Server shutting down");
	if (--s->refs == 0) {
		session_free(s);
		return;
	}
	if (c != NULL)
		conn_resume(c);
}

void ms_session_accept(struct conn *c, void *arg)
{
	struct ms_server *srv = arg;
	struct ms_session *s = xcalloc(1, sizeof(*s));
	struct buf out;

	s->srv = srv;
	s->conn = c;
	s->refs = 1;
	ms_parser_init(&s->parser);
	session_set_add(&sessions, &s->link);
	conn_set_handler(c, &ms_conn_ops, s);
	conn_set_raw(c, true);
	conn_set_timeouts(c, srv->idle_ms != 0 ? srv->idle_ms : MS_IDLE_MS, CONN_CMD_TIMEOUT_MS);
	/* RFC 5804 section 1.8: the capabilities, then OK. */
	buf_init(&out, 0);
	ms_capabilities(s, &out);
	ms_resp_status(&out, MS_OK, NULL, "balise ManageSieve ready");
	ms_write(s, &out);
	buf_free(&out);
	log_info("%s managesieve accepted peer=%s tls=%d", conn_id(c), conn_peer(c),
	         conn_is_tls(c));
}

void ms_sessions_shutdown(void)
{
	struct ms_session *s;

	session_set_stop(&sessions);
	session_set_each(&sessions, s, struct ms_session, link) {
		if (s->conn == NULL)
			continue;
		if (s->waiting) /* its reply comes first */
			s->shutdown = true;
		else
			ms_bye(s, NULL, "Server shutting down");
	}
	session_set_settle(&sessions);
}

size_t ms_sessions_count(void)
{
	return session_set_count(&sessions);
}

void ms_sessions_on_empty(void (*fn)(void *arg), void *arg)
{
	session_set_on_empty(&sessions, fn, arg);
}

/* ---------------------------------------------------------------- replies */

void ms_write(struct ms_session *s, const struct buf *b)
{
	if (!ms_gone(s))
		conn_write(s->conn, b->data, b->len);
}

void ms_bye(struct ms_session *s, const char *code, const char *text)
{
	struct buf out;

	if (ms_gone(s))
		return;
	buf_init(&out, 0);
	ms_resp_status(&out, MS_BYE, code, text);
	ms_write(s, &out);
	buf_free(&out);
	conn_close(s->conn);
}

void ms_reply(struct ms_session *s, enum ms_status st, const char *code, const char *text)
{
	struct buf out;

	buf_init(&out, 0);
	ms_resp_status(&out, st, code, text);
	ms_write(s, &out);
	buf_free(&out);
	if (st == MS_OK || st == MS_NO)
		ms_audit_reply(s, st == MS_OK, code, text);
}

void ms_reply_error(struct ms_session *s, const char *text)
{
	ms_reply(s, MS_NO, NULL, text);
	if (++s->n_errs >= MS_ERRORS_MAX) {
		log_info("%s managesieve closing: %u errors", ms_sid(s), s->n_errs);
		ms_bye(s, NULL, "Too many errors");
	}
}

void ms_capabilities(struct ms_session *s, struct buf *out)
{
	bool tls = conn_is_tls(s->conn);
	struct ms_caps caps = {
	    .implementation = "balise " PACKAGE_VERSION,
	    /* No mechanism is offered before TLS: STARTTLS first. */
	    .sasl = (tls || s->srv->test_plaintext) && !s->authed ? "PLAIN" : "",
	    .sieve = sieve_capability(),
	    .starttls = !tls && s->srv->tls != NULL,
	    .maxredirects = MS_MAXREDIRECTS,
	    .owner = s->authed ? s->user : NULL,
	    .unauthenticate = true,
	};

	ms_resp_capabilities(out, &caps);
}

/* ---------------------------------------------------------------- commands */

static const struct ms_command commands[] = {
    {"CAPABILITY", ms_cmd_capability, 0, 0, 0},
    {"STARTTLS", ms_cmd_starttls, 0, 0, MS_CMD_NOAUTH},
    {"AUTHENTICATE", ms_cmd_authenticate, 1, 2, MS_CMD_NOAUTH},
    {"UNAUTHENTICATE", ms_cmd_unauthenticate, 0, 0, MS_CMD_AUTH},
    {"LOGOUT", ms_cmd_logout, 0, 0, 0},
    {"NOOP", ms_cmd_noop, 0, 1, 0},
    {"LISTSCRIPTS", ms_cmd_listscripts, 0, 0, MS_CMD_AUTH},
    {"GETSCRIPT", ms_cmd_getscript, 1, 1, MS_CMD_AUTH},
    {"PUTSCRIPT", ms_cmd_putscript, 2, 2, MS_CMD_AUTH},
    {"CHECKSCRIPT", ms_cmd_checkscript, 1, 1, MS_CMD_AUTH},
    {"SETACTIVE", ms_cmd_setactive, 1, 1, MS_CMD_AUTH},
    {"DELETESCRIPT", ms_cmd_deletescript, 1, 1, MS_CMD_AUTH},
    {"RENAMESCRIPT", ms_cmd_renamescript, 2, 2, MS_CMD_AUTH},
    {"HAVESPACE", ms_cmd_havespace, 2, 2, MS_CMD_AUTH},
};

static const struct ms_command *find_command(struct slice name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (slice_casecmp_cstr(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

static void run_command(struct ms_session *s, const struct ms_cmd *cmd)
{
	const struct ms_command *c = find_command(cmd->name);

	metrics_command(METRICS_CMD_MANAGESIEVE);
	if (c == NULL) {
		ms_reply_error(s, "Unknown command");
		return;
	}
	log_debug("%s managesieve cmd=%s", ms_sid(s), c->name);
	if ((c->flags & MS_CMD_AUTH) && !s->authed) {
		ms_reply_error(s, "Authenticate first");
		return;
	}
	if ((c->flags & MS_CMD_NOAUTH) && s->authed) {
		ms_reply_error(s, "Already authenticated");
		return;
	}
	if (cmd->argc < c->min_args || cmd->argc > c->max_args) {
		ms_reply_error(s, "Wrong number of arguments");
		return;
	}
	ms_audit_begin(s, c->name, cmd);
	c->run(s, cmd);
}

/* ---------------------------------------------------------------- input */

static void on_command(struct ms_session *s, const struct ms_cmd *cmd)
{
	if (s->sasl) {
		s->sasl = false;
		ms_sasl_response(s, cmd);
		return;
	}
	if (++s->n_cmds > MS_COMMANDS_MAX) {
		log_info("%s managesieve closing: more than %u commands", ms_sid(s),
		         MS_COMMANDS_MAX);
		ms_bye(s, NULL, "Too many commands in one session");
		return;
	}
	run_command(s, cmd);
}

static void on_parse_error(struct ms_session *s, enum ms_perr err)
{
	log_debug("%s managesieve bad command: %s", ms_sid(s), ms_perr_text(err));
	if (s->sasl) { /* RFC 5804 section 2.1: the exchange fails */
		s->sasl = false;
		ms_reply(s, MS_NO, NULL, "Authentication failed: invalid response");
		return;
	}
	if (err == MS_PERR_LITERAL_TOO_BIG) {
		/* A script above the limit (RFC 5804 section 2.6: QUOTA/MAXSIZE). */
		ms_reply(s, MS_NO, "QUOTA/MAXSIZE", "Script too large");
		return;
	}
	ms_reply_error(s, ms_perr_text(err));
}

static size_t on_data(struct conn *c, struct slice data, void *arg)
{
	struct ms_session *s = arg;
	size_t off = 0;

	while (off < data.len && !s->waiting && !ms_gone(s)) {
		struct ms_cmd cmd;
		enum ms_perr err;
		size_t used = 0;
		enum ms_parse_status st =
		    ms_parser_feed(&s->parser, data.p + off, data.len - off, &used, &cmd, &err);

		off += used;
		if (st == MS_PARSE_MORE)
			break;
		conn_cmd_end(c); /* the command is complete */
		if (st == MS_PARSE_CMD)
			on_command(s, &cmd);
		else if (st == MS_PARSE_ERR)
			on_parse_error(s, err);
		else
			ms_bye(s, NULL, ms_perr_text(err));
		if (s->input_reset) { /* STARTTLS: the rest came in clear */
			s->input_reset = false;
			return data.len;
		}
	}
	if (ms_gone(s))
		return data.len;
	/* A command begun must end within CONN_CMD_TIMEOUT_MS, however slowly
	 * its bytes come: the timer starts with its first bytes only. */
	if (ms_parser_pending(&s->parser))
		conn_cmd_begin(c);
	return off;
}

static void on_tls_ready(struct conn *c, void *arg)
{
	(void)c;
	ms_tls_ready(arg);
}

static void on_event(struct conn *c, enum conn_event ev, void *arg)
{
	struct ms_session *s = arg;

	switch (ev) {
	case CONN_EV_IDLE_TIMEOUT:
		log_info("%s managesieve idle timeout", conn_id(c));
		ms_bye(s, NULL, "Idle timeout");
		break;
	case CONN_EV_CMD_TIMEOUT:
		log_info("%s managesieve command timeout", conn_id(c));
		ms_bye(s, NULL, "Command not completed in time");
		break;
	case CONN_EV_DRAIN:
	case CONN_EV_LINE_TOO_LONG:
		break;
	}
}

static const struct conn_ops ms_conn_ops = {
    .on_data = on_data,
    .on_tls_ready = on_tls_ready,
    .on_event = on_event,
    .on_close = on_close,
};
