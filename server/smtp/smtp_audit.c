/* SPDX-License-Identifier: ISC */
/* Audit traces of SMTP sessions (see smtp_audit.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "conn.h"
#include "mime.h"
#include "smtp_audit.h"
#include "smtp_session_int.h"
#include "util.h"

/* Author, client and source of the session. */
static void fill_session(struct smtp_session *s, struct store_audit *r)
{
	str_copy(r->client, sizeof(r->client), s->helo);
	if (s->conn != NULL)
		audit_set_src(r, conn_peer_addr(s->conn));
	if (s->mode == SMTP_MODE_INBOUND) {
		r->by = s->peer_ok ? AUDIT_BY_PEER : AUDIT_BY_NONE;
		str_copy(r->actor, sizeof(r->actor), s->peer_ok ? s->peer_dn : "");
	} else if (s->authed) {
		r->by = s->from_bal != 0 && s->from_bal != s->bal_id ? AUDIT_BY_DELEGATE
		                                                     : AUDIT_BY_BAL;
		str_copy(r->actor, sizeof(r->actor), s->user);
	}
}

static void set_response(struct store_audit *r, int code, const char *text)
{
	snprintf(r->response, sizeof(r->response), "%d %s", code, text != NULL ? text : "");
}

void smtp_audit_msg_init(struct smtp_session *s, struct smtp_audit_msg *m, const char *ref,
                         struct slice msg)
{
	struct store_audit *r = xcalloc(1, sizeof(*r));
	struct buf b;

	m->rec = r;
	m->inbound = s->mode == SMTP_MODE_INBOUND;
	r->cat = AUDIT_CAT_MESSAGE;
	fill_session(s, r);
	str_copy(r->ref, sizeof(r->ref), ref);
	str_copy(r->sender, sizeof(r->sender), s->from);
	r->size = msg.len;
	buf_init(&b, STORE_AUDIT_MSGID_MAX);
	if (mime_header_get(msg, "Message-ID", &b) == 1) {
		buf_append(&b, "", 1);
		str_copy(r->message_id, sizeof(r->message_id), (const char *)b.data);
	}
	buf_free(&b);
	buf_init(&b, 0);
	for (unsigned i = 0; i < s->n_rcpts; i++)
		buf_printf(&b, "%s%s", i ? "," : "", s->rcpts[i].addr);
	buf_append(&b, "", 1);
	m->rcpts = (char *)b.data;
	r->rcpts = m->rcpts;
	snprintf(r->request, sizeof(r->request), "%s %s rcpts=%u", m->inbound ? "inbound" : "submission",
	         s->bdat ? "BDAT" : "DATA", s->n_rcpts);
	if (s->mode != SMTP_MODE_INBOUND && s->from_bal != 0 && s->from_bal != s->bal_id)
		str_copy(r->bal, sizeof(r->bal), s->from); /* sent as the delegating BAL */
	else if (s->mode != SMTP_MODE_INBOUND)
		str_copy(r->bal, sizeof(r->bal), s->user);
}

void smtp_audit_msg_free(struct smtp_audit_msg *m)
{
	free(m->rec);
	free(m->rcpts);
	m->rec = NULL;
	m->rcpts = NULL;
}

static const char *dlv_reply(enum store_dlv_status st, int *code_r)
{
	switch (st) {
	case DLV_STORED:
		*code_r = 250;
		return "2.0.0 stored";
	case DLV_OVERQUOTA:
		*code_r = 552;
		return "5.2.2 over quota";
	case DLV_SUSPENDED:
		*code_r = 550;
		return "5.2.1 suspended";
	default:
		*code_r = 550;
		return "5.1.1 unknown";
	}
}

int smtp_audit_put(struct store_txn *txn, struct smtp_audit_msg *m,
                   const struct smtp_delivery *d)
{
	struct store_audit *r = xmalloc(sizeof(*r));
	char sub_bal[sizeof(r->bal)];
	int rc = 0, code;

	str_copy(sub_bal, sizeof(sub_bal), m->rec->bal);
	for (size_t i = 0; i < d->n_rcpts && rc == 0; i++) {
		const char *txt;

		if (!d->rcpts[i].local)
			continue;
		memcpy(r, m->rec, sizeof(*r));
		r->time_ms = 0;
		str_copy(r->action, sizeof(r->action), m->inbound ? "smtp.inbound" : "smtp.deliver");
		str_copy(r->bal, sizeof(r->bal), d->rcpts[i].addr);
		txt = dlv_reply(d->rcpts[i].status, &code);
		set_response(r, code, txt);
		rc = store_audit_put(txn, r);
	}
	if (rc == 0 && !m->inbound) {
		memcpy(r, m->rec, sizeof(*r));
		r->time_ms = 0;
		str_copy(r->action, sizeof(r->action), "smtp.submission");
		str_copy(r->bal, sizeof(r->bal), sub_bal);
		if (d->refused >= 0)
			set_response(r, 550, "refused: no recipient could take it");
		else
			set_response(r, 250, "2.0.0 accepted");
		rc = store_audit_put(txn, r);
	}
	free(r);
	return rc;
}

void smtp_audit_msg_failed(struct smtp_audit_msg *m, int code, const char *text)
{
	str_copy(m->rec->action, sizeof(m->rec->action),
	         m->inbound ? "smtp.inbound" : "smtp.submission");
	m->rec->time_ms = 0;
	set_response(m->rec, code, text);
	audit_emit(m->rec);
}

void smtp_audit_auth(struct smtp_session *s, const char *user, const char *authzid, bool ok,
                     int code, const char *text)
{
	struct store_audit *r = xcalloc(1, sizeof(*r));

	r->cat = AUDIT_CAT_AUTH;
	fill_session(s, r);
	str_copy(r->action, sizeof(r->action), ok ? "smtp.auth" : "smtp.auth-failed");
	r->by = ok ? AUDIT_BY_BAL : AUDIT_BY_NONE;
	str_copy(r->actor, sizeof(r->actor), user);
	str_copy(r->bal, sizeof(r->bal), authzid != NULL && authzid[0] ? authzid : user);
	str_copy(r->request, sizeof(r->request), "AUTH");
	set_response(r, code, text);
	audit_emit(r);
	free(r);
}

void smtp_audit_refused(struct smtp_session *s, const char *what, const char *path, int code,
                        const char *text)
{
	struct store_audit *r = xcalloc(1, sizeof(*r));

	r->cat = AUDIT_CAT_MESSAGE;
	fill_session(s, r);
	snprintf(r->action, sizeof(r->action), "smtp.%s",
	         s->mode == SMTP_MODE_INBOUND ? "inbound" : "submission");
	snprintf(r->request, sizeof(r->request), "%s refused", what);
	str_copy(r->sender, sizeof(r->sender), s->from);
	if (strcmp(what, "RCPT") == 0) {
		r->rcpts = path;
		if (s->mode == SMTP_MODE_INBOUND)
			str_copy(r->bal, sizeof(r->bal), path);
	} else if (strcmp(what, "MAIL") == 0) {
		str_copy(r->sender, sizeof(r->sender), path);
	}
	if (s->mode != SMTP_MODE_INBOUND && s->authed)
		str_copy(r->bal, sizeof(r->bal), s->user);
	set_response(r, code, text);
	audit_emit(r);
	free(r);
}
