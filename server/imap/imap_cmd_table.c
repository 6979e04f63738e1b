/* SPDX-License-Identifier: ISC */
/* The command table, one line per command, and the capability list built
 * next to it: what CAPABILITY announces is what this table can run. */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "imap_cmd.h"
#include "imap_session.h"
#include "util.h"

/* name, handler, states, flags, min args, max args (-1: any), capability.
 * Add a command with one line here (see imap_cmd.h). Keep alphabetical. */
#define IMAP_COMMANDS(X)                                                                           \
	X("APPEND", imap_cmd_append, IMAP_ST_AUTHED, 0, 2, -1, "MULTIAPPEND")                      \
	X("AUTHENTICATE", imap_cmd_authenticate, IMAP_ST_NOT_AUTH, IMAP_CMDF_TLS, 1, 2, NULL)      \
	X("CAPABILITY", imap_cmd_capability, IMAP_ST_ANY, 0, 0, 0, NULL)                           \
	X("CHECK", imap_cmd_check, IMAP_ST_SELECTED, 0, 0, 0, NULL)                                \
	X("CLOSE", imap_cmd_close, IMAP_ST_SELECTED, 0, 0, 0, NULL)                                \
	X("COPY", imap_cmd_copy, IMAP_ST_SELECTED, IMAP_CMDF_USES_SEQS | IMAP_CMDF_UID, 2, 2,      \
	  "UIDPLUS")                                                                               \
	X("CREATE", imap_cmd_create, IMAP_ST_AUTHED, 0, 1, 2, "CREATE-SPECIAL-USE")                \
	X("DELETE", imap_cmd_delete, IMAP_ST_AUTHED, 0, 1, 1, NULL)                                \
	X("DELETEACL", imap_cmd_deleteacl, IMAP_ST_AUTHED, 0, 2, 2, NULL)                          \
	X("ENABLE", imap_cmd_enable, IMAP_ST_AUTHED, 0, 1, -1, "ENABLE")                           \
	X("EXAMINE", imap_cmd_examine, IMAP_ST_AUTHED, 0, 1, 2, NULL)                              \
	X("EXPUNGE", imap_cmd_expunge, IMAP_ST_SELECTED, IMAP_CMDF_UID, 0, 1, NULL)                \
	X("FETCH", imap_cmd_fetch, IMAP_ST_SELECTED, IMAP_CMDF_USES_SEQS | IMAP_CMDF_UID, 2, 3,    \
	  "BINARY")                                                                                \
	X("GETACL", imap_cmd_getacl, IMAP_ST_AUTHED, 0, 1, 1, "ACL RIGHTS=texk")                   \
	X("GETQUOTA", imap_cmd_getquota, IMAP_ST_AUTHED, 0, 1, 1, "QUOTA")                         \
	X("GETQUOTAROOT", imap_cmd_getquotaroot, IMAP_ST_AUTHED, 0, 1, 1, NULL)                    \
	X("ID", imap_cmd_id, IMAP_ST_ANY, 0, 1, 1, "ID")                                           \
	X("IDLE", imap_cmd_idle, IMAP_ST_AUTHED, 0, 0, 0, "IDLE")                                  \
	X("LIST", imap_cmd_list, IMAP_ST_AUTHED, 0, 2, 5, "LIST-EXTENDED")                         \
	X("LISTRIGHTS", imap_cmd_listrights, IMAP_ST_AUTHED, 0, 2, 2, NULL)                        \
	X("LOGIN", imap_cmd_login, IMAP_ST_NOT_AUTH, IMAP_CMDF_TLS, 2, 2, NULL)                    \
	X("LOGOUT", imap_cmd_logout, IMAP_ST_ANY, 0, 0, 0, NULL)                                   \
	X("LSUB", imap_cmd_lsub, IMAP_ST_AUTHED, 0, 2, 2, NULL)                                    \
	X("MOVE", imap_cmd_move, IMAP_ST_SELECTED, IMAP_CMDF_UID, 2, 2, "MOVE")                    \
	X("MYRIGHTS", imap_cmd_myrights, IMAP_ST_AUTHED, 0, 1, 1, NULL)                            \
	X("NAMESPACE", imap_cmd_namespace, IMAP_ST_AUTHED, 0, 0, 0, "NAMESPACE")                   \
	X("NOOP", imap_cmd_noop, IMAP_ST_ANY, 0, 0, 0, NULL)                                       \
	X("RENAME", imap_cmd_rename, IMAP_ST_AUTHED, 0, 2, 2, NULL)                                \
	X("SEARCH", imap_cmd_search, IMAP_ST_SELECTED, IMAP_CMDF_USES_SEQS | IMAP_CMDF_UID, 1, -1,  \
	  "ESEARCH SEARCHRES WITHIN")                                                              \
	X("SELECT", imap_cmd_select, IMAP_ST_AUTHED, 0, 1, 2, "QRESYNC")                           \
	X("SETACL", imap_cmd_setacl, IMAP_ST_AUTHED, 0, 3, 3, NULL)                                \
	X("SETQUOTA", imap_cmd_setquota, IMAP_ST_AUTHED, 0, 2, 2, NULL)                            \
	X("SORT", imap_cmd_sort, IMAP_ST_SELECTED, IMAP_CMDF_USES_SEQS | IMAP_CMDF_UID, 3, -1,      \
	  "SORT SORT=DISPLAY")                                                                     \
	X("STARTTLS", imap_cmd_starttls, IMAP_ST_NOT_AUTH, 0, 0, 0, NULL)                          \
	X("STATUS", imap_cmd_status, IMAP_ST_AUTHED, 0, 2, 2, "STATUS=SIZE")                       \
	X("STORE", imap_cmd_store, IMAP_ST_SELECTED, IMAP_CMDF_USES_SEQS | IMAP_CMDF_UID, 3, -1,   \
	  "CONDSTORE")                                                                             \
	X("SUBSCRIBE", imap_cmd_subscribe, IMAP_ST_AUTHED, 0, 1, 1, NULL)                          \
	X("THREAD", imap_cmd_thread, IMAP_ST_SELECTED, IMAP_CMDF_USES_SEQS | IMAP_CMDF_UID, 3, -1,  \
	  "THREAD=ORDEREDSUBJECT THREAD=REFERENCES")                                               \
	X("UNSELECT", imap_cmd_unselect, IMAP_ST_SELECTED, 0, 0, 0, "UNSELECT")                    \
	X("UNSUBSCRIBE", imap_cmd_unsubscribe, IMAP_ST_AUTHED, 0, 1, 1, NULL)

#define IMAP_CMD_DECLARE(name, fn, states, flags, min, max, capa) imap_cmd_fn fn;
IMAP_COMMANDS(IMAP_CMD_DECLARE)

static const struct imap_cmd_def commands[] = {
#define IMAP_CMD_ENTRY(name, fn, states, flags, min, max, capa)                                    \
	{name, fn, states, flags, min, max, capa},
    IMAP_COMMANDS(IMAP_CMD_ENTRY)
#undef IMAP_CMD_ENTRY
};

const struct imap_cmd_def *imap_cmd_find(struct slice name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (slice_casecmp_cstr(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

const struct imap_cmd_def *imap_cmd_all(size_t *n_r)
{
	*n_r = ARRAY_LEN(commands);
	return commands;
}

/* ---------------------------------------------------------------- capabilities */

/* When a capability is listed. */
#define CAPA_CLEAR 0x01  /* before TLS */
#define CAPA_TLS 0x02    /* over TLS, before login */
#define CAPA_AUTHED 0x04 /* logged in */
#define CAPA_ALWAYS (CAPA_CLEAR | CAPA_TLS | CAPA_AUTHED)
#define CAPA_SECURE (CAPA_TLS | CAPA_AUTHED)

/* Capabilities that no single command brings (the others come from the
 * table's last column, listed whenever TLS is on). */
static const struct {
	const char *name;
	unsigned when;
} capabilities[] = {
    {"IMAP4rev1", CAPA_ALWAYS},                              /* RFC 3501 */
    {"IMAP4rev2", CAPA_ALWAYS},                              /* RFC 9051 section 6.1.1 */
    {"STARTTLS", CAPA_CLEAR},                                /* RFC 9051 section 6.2.1 */
    {"LOGINDISABLED", CAPA_CLEAR},                           /* RFC 9051 section 6.2.3 */
    {"AUTH=PLAIN", CAPA_TLS},                                /* RFC 4616 */
    {"SASL-IR", CAPA_TLS},                                   /* RFC 4959 */
    {"LITERAL+", CAPA_SECURE},                               /* RFC 7888 */
    {"APPENDLIMIT", CAPA_AUTHED},                            /* RFC 7889; "=n" added below */
    {"LIST-STATUS", CAPA_SECURE},                            /* RFC 5819 */
    {"SPECIAL-USE", CAPA_SECURE},                            /* RFC 6154 */
    {"CHILDREN", CAPA_SECURE},                               /* RFC 3348 */
    {"QUOTA=RES-STORAGE", CAPA_SECURE},                      /* RFC 9208 */
    {"QUOTA=RES-MESSAGE", CAPA_SECURE},                      /* RFC 9208 */
    {"UTF8=ACCEPT", CAPA_SECURE},                            /* RFC 6855 */
};

static unsigned capa_phase(const struct imap_session *s)
{
	if (s->state != IMAP_ST_NOT_AUTH)
		return CAPA_AUTHED;
	return s->conn != NULL && conn_is_tls(s->conn) ? CAPA_TLS : CAPA_CLEAR;
}

void imap_capability_write(const struct imap_session *s, struct buf *out)
{
	unsigned phase = capa_phase(s);
	bool first = true;

	for (size_t i = 0; i < ARRAY_LEN(capabilities); i++) {
		if (!(capabilities[i].when & phase))
			continue;
		buf_printf(out, "%s%s", first ? "" : " ", capabilities[i].name);
		if (strcmp(capabilities[i].name, "APPENDLIMIT") == 0)
			buf_printf(out, "=%llu", (unsigned long long)s->srv->append_max);
		first = false;
	}
	if (phase == CAPA_CLEAR)
		return;
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (commands[i].capability != NULL)
			buf_printf(out, " %s", commands[i].capability);
}

bool imap_capability_has(const struct imap_session *s, const char *name)
{
	struct buf b;
	bool found = false;
	size_t n = strlen(name);

	buf_init(&b, 0);
	imap_capability_write(s, &b);
	for (size_t i = 0; i + n <= b.len; i++) {
		if ((i == 0 || b.data[i - 1] == ' ') &&
		    strncasecmp((char *)b.data + i, name, n) == 0 &&
		    (i + n == b.len || b.data[i + n] == ' ' || b.data[i + n] == '=')) {
			found = true;
			break;
		}
	}
	buf_free(&b);
	return found;
}
