/* SPDX-License-Identifier: ISC */
/* Audit traces of ManageSieve sessions (docs/audit.md): each AUTHENTICATE
 * (success and failure) and each script command, once its OK or NO is
 * written: the command, the script name(s), the answer. Never a script's
 * text (a vacation message could quote anything), never a password. The
 * records go through the batching emitter (server/audit.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "conn.h"
#include "ms_session_int.h"
#include "util.h"

/* Which arguments are script names (bit i: argument i). CHECKSCRIPT's
 * and PUTSCRIPT's second argument is a script text: never recorded. */
static const struct {
	const char *name;
	unsigned names;
} traced[] = {
    {"AUTHENTICATE", 0}, {"LISTSCRIPTS", 0},  {"GETSCRIPT", 1},    {"PUTSCRIPT", 1},
    {"CHECKSCRIPT", 0},  {"SETACTIVE", 1},    {"DELETESCRIPT", 1}, {"RENAMESCRIPT", 3},
    {"HAVESPACE", 1},
};

/* "name=\"x\"" for each script-name argument, controls and quotes as '?'. */
static void summarise(const struct ms_cmd *cmd, unsigned names, char *out, size_t outsz)
{
	size_t n = strlen(out);

	for (unsigned i = 0; i < cmd->argc && i < 2; i++) {
		struct slice v = cmd->arg[i].str;

		if (!(names & (1u << i)) || cmd->arg[i].type != MS_ARG_STRING || n + 16 >= outsz)
			continue;
		n += (size_t)snprintf(out + n, outsz - n, " %s=\"", i == 0 ? "name" : "to");
		for (size_t k = 0; k < v.len && k < 200 && n + 3 < outsz; k++) {
			uint8_t c = v.p[k];
			out[n++] = c < 0x20 || c == 0x7f || c == '"' ? '?' : (char)c;
		}
		out[n++] = '"';
		out[n] = '\0';
	}
}

void ms_audit_begin(struct ms_session *s, const char *name, const struct ms_cmd *cmd)
{
	s->audit_cmd = NULL;
	for (size_t i = 0; i < ARRAY_LEN(traced); i++) {
		if (strcmp(name, traced[i].name) != 0)
			continue;
		s->audit_cmd = traced[i].name;
		str_copy(s->audit_req, sizeof(s->audit_req), name);
		summarise(cmd, traced[i].names, s->audit_req, sizeof(s->audit_req));
		if (cmd->argc >= 1 && strcmp(name, "AUTHENTICATE") == 0)
			snprintf(s->audit_req, sizeof(s->audit_req), "AUTHENTICATE PLAIN");
		return;
	}
}

void ms_audit_reply(struct ms_session *s, bool ok, const char *code, const char *text)
{
	struct store_audit *r;
	size_t len;
	bool auth;

	if (s->audit_cmd == NULL)
		return;
	auth = strcmp(s->audit_cmd, "AUTHENTICATE") == 0;
	r = xcalloc(1, sizeof(*r));
	r->cat = auth ? AUDIT_CAT_AUTH : AUDIT_CAT_ACCESS;
	if (auth)
		str_copy(r->action, sizeof(r->action), ok ? "sieve.login" : "sieve.login-failed");
	else
		snprintf(r->action, sizeof(r->action), "sieve.%s", s->audit_cmd);
	str_lower(r->action);
	r->by = s->authed ? AUDIT_BY_BAL : AUDIT_BY_NONE;
	str_copy(r->actor, sizeof(r->actor), s->authed ? s->user : s->audit_user);
	str_copy(r->bal, sizeof(r->bal), r->actor);
	if (s->conn != NULL)
		audit_set_src(r, conn_peer_addr(s->conn));
	str_copy(r->request, sizeof(r->request), s->audit_req);
	/* A compile error may quote the script: only its position is kept. */
	len = text != NULL ? strlen(text) : 0;
	if (!ok && text != NULL && strncmp(text, "line ", 5) == 0 && strchr(text, ':') != NULL)
		len = (size_t)(strchr(text, ':') - text);
	snprintf(r->response, sizeof(r->response), "%s%s%s%s %.*s", ok ? "OK" : "NO",
	         code != NULL ? " (" : "", code != NULL ? code : "", code != NULL ? ")" : "",
	         (int)(len > 300 ? 300 : len), text != NULL ? text : "");
	audit_emit(r);
	free(r);
	s->audit_cmd = NULL;
	s->audit_user[0] = '\0';
}
