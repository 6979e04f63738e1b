/* SPDX-License-Identifier: ISC */
/* Commands valid in any state or about the session itself: CAPABILITY,
 * NOOP, LOGOUT, STARTTLS, ID, ENABLE, NAMESPACE (RFC 9051 section 6.1,
 * 6.2.1; RFC 2971; RFC 5161; RFC 2342). */
#include "config.h"

#include <string.h>

#include "conn.h"
#include "imap_acl.h"
#include "imap_session.h"
#include "log.h"
#include "util.h"

imap_cmd_fn imap_cmd_capability;
enum imap_cmd_result imap_cmd_capability(struct imap_cmd_ctx *ctx)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append_str(&b, "* CAPABILITY ");
	imap_capability_write(ctx->s, &b);
	buf_append_str(&b, "\r\n");
	imap_write(ctx->s, b.data, b.len);
	buf_free(&b);
	imap_reply_ok(ctx, NULL, "CAPABILITY completed");
	return IMAP_CMD_DONE;
}

/* NOOP doubles as the poll for mailbox changes (RFC 9051 section 6.1.2):
 * imap_reply_ok() syncs the selected mailbox first. */
imap_cmd_fn imap_cmd_noop;
enum imap_cmd_result imap_cmd_noop(struct imap_cmd_ctx *ctx)
{
	imap_reply_ok(ctx, NULL, "NOOP completed");
	return IMAP_CMD_DONE;
}

imap_cmd_fn imap_cmd_logout;
enum imap_cmd_result imap_cmd_logout(struct imap_cmd_ctx *ctx)
{
	imap_untagged(ctx->s, "BYE Logging out");
	imap_session_set_state(ctx->s, IMAP_ST_LOGOUT);
	imap_reply_ok(ctx, NULL, "LOGOUT completed");
	return IMAP_CMD_DONE;
}

/* RFC 9051 section 6.2.1: the reply goes out in clear, then the handshake;
 * anything the client pipelined after the command is discarded. */
imap_cmd_fn imap_cmd_starttls;
enum imap_cmd_result imap_cmd_starttls(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;

	if (conn_is_tls(s->conn)) {
		imap_reply_bad(ctx, NULL, "TLS is already active");
		return IMAP_CMD_DONE;
	}
	if (s->srv->tls == NULL) {
		imap_reply_no(ctx, NULL, "TLS is not available");
		return IMAP_CMD_DONE;
	}
	imap_reply_ok(ctx, NULL, "Begin TLS negotiation now");
	if (conn_starttls(s->conn, s->srv->tls) < 0)
		return IMAP_CMD_DONE;
	s->input_reset = true;
	return IMAP_CMD_DONE;
}

/* Keeps the client's "name" for audit records (RFC 2971 section 3.1). */
static void id_keep_name(struct imap_session *s, const struct imap_arg *list, unsigned n)
{
	for (unsigned i = 0; i + 1 < n; i += 2) {
		struct slice k, v;

		if (!imap_arg_get_string(&list[i], &k) || !imap_arg_get_nstring(&list[i + 1], &v))
			continue;
		if (slice_casecmp_cstr(k, "name") != 0 || v.p == NULL)
			continue;
		size_t len = v.len < IMAP_ID_NAME_MAX ? v.len : IMAP_ID_NAME_MAX;
		for (size_t j = 0; j < len; j++) /* printable ASCII only: it goes to logs */
			s->client_name[j] = v.p[j] >= 0x20 && v.p[j] < 0x7f ? (char)v.p[j] : '?';
		s->client_name[len] = '\0';
	}
}

imap_cmd_fn imap_cmd_id;
enum imap_cmd_result imap_cmd_id(struct imap_cmd_ctx *ctx)
{
	const struct imap_arg *list;
	unsigned n;

	if (imap_arg_get_list(&ctx->args[0], &list, &n)) {
		if (n % 2 != 0 || n > 60) { /* RFC 2971: at most 30 pairs */
			imap_reply_bad(ctx, NULL, "Invalid ID parameter list");
			return IMAP_CMD_DONE;
		}
		id_keep_name(ctx->s, list, n);
		if (ctx->s->client_name[0] != '\0')
			log_info("%s imap id name=\"%s\"", imap_session_id(ctx->s),
			         ctx->s->client_name);
	} else if (ctx->args[0].type != IMAP_ARG_NIL) {
		imap_reply_bad(ctx, NULL, "ID takes a list or NIL");
		return IMAP_CMD_DONE;
	}
	imap_untagged(ctx->s, "ID (\"name\" \"balise\" \"version\" \"%s\")", PACKAGE_VERSION);
	imap_reply_ok(ctx, NULL, "ID completed");
	return IMAP_CMD_DONE;
}

/* RFC 5161: only extensions this server announces can be enabled. */
static const struct {
	const char *name;
	unsigned bit;
} enableable[] = {
    {"CONDSTORE", IMAP_EN_CONDSTORE},
    {"QRESYNC", IMAP_EN_QRESYNC | IMAP_EN_CONDSTORE},
    {"UTF8=ACCEPT", IMAP_EN_UTF8},
    {"IMAP4rev2", IMAP_EN_REV2},
};

imap_cmd_fn imap_cmd_enable;
enum imap_cmd_result imap_cmd_enable(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	struct buf b;

	buf_init(&b, 0);
	for (unsigned i = 0; i < ctx->argc; i++) {
		struct slice atom;

		if (!imap_arg_get_atom(&ctx->args[i], &atom)) {
			buf_free(&b);
			imap_reply_bad(ctx, NULL, "ENABLE takes capability names");
			return IMAP_CMD_DONE;
		}
		for (size_t k = 0; k < ARRAY_LEN(enableable); k++) {
			if (slice_casecmp_cstr(atom, enableable[k].name) != 0 ||
			    !imap_capability_has(s, enableable[k].name) ||
			    (s->enabled & enableable[k].bit) == enableable[k].bit)
				continue;
			s->enabled |= enableable[k].bit;
			buf_printf(&b, " %s", enableable[k].name);
		}
	}
	/* UTF-8 in quoted strings: RFC 6855 section 3, and IMAP4rev2's own
	 * grammar (RFC 9051 section 9, QUOTED-CHAR). */
	if (s->enabled & (IMAP_EN_UTF8 | IMAP_EN_REV2))
		imap_parser_set_utf8(s->parser, true);
	imap_untagged(s, "ENABLED%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	imap_reply_ok(ctx, NULL, "ENABLE completed");
	return IMAP_CMD_DONE;
}

/* The personal namespace and the other users one (delegated BALs, see
 * imap_acl.h), "/" as the hierarchy separator (RFC 2342). */
imap_cmd_fn imap_cmd_namespace;
enum imap_cmd_result imap_cmd_namespace(struct imap_cmd_ctx *ctx)
{
	imap_untagged(ctx->s, "NAMESPACE ((\"\" \"/\")) ((\"%s\" \"/\")) NIL", IMAP_OTHER_USERS);
	imap_reply_ok(ctx, NULL, "NAMESPACE completed");
	return IMAP_CMD_DONE;
}
