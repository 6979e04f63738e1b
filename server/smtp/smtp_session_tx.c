/* SPDX-License-Identifier: ISC */
/* The mail transaction: MAIL, RCPT (recipients checked now, so that the
 * sending operator writes the bounce), DATA and BDAT, then the message
 * with its Received: and Return-Path: into one write request; 250 only
 * after the commit. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "mime.h"
#include "quota_alert.h"
#include "audit.h"
#include "smtp_audit.h"
#include "smtp_session_int.h"
#include "util.h"
#include "whitelist.h"

/* A commit in flight: lives until its reply is written. */
struct smtp_job {
	struct imap_job job; /* run on the loop once the writer is done */
	struct store_wreq req;
	struct smtp_session *s;
	struct smtp_delivery d;
	struct buf local, queue;
	char id[SMTP_ID_LEN + 1];
	char from[SMTP_PATH_MAX + 1];
	char envid[SMTP_ENVID_MAX + 1];
	char postmaster[STORE_ADDR_MAX + 16];
	struct smtp_audit_msg audit; /* the traces written with the message */
	int result;
};

const char *smtp_addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

/* ---------------------------------------------------------------- MAIL */

/* Submission: MAIL FROM is the authenticated BAL, or a BAL on which it has
 * the post right (delegation, RFC 4314 "p"); the BAL sent as is not full.
 * *bal_r: the BAL sent as. */
static bool submission_sender(struct smtp_session *s, const struct smtp_path *from,
                              uint64_t *bal_r)
{
	struct store_txn *txn = NULL;
	struct store_bal as;
	bool own;
	int r;

	if (!s->authed) {
		smtp_reply(s, 530, "5.7.0", "Authentification requise");
		return false;
	}
	own = !from->null && strcasecmp(from->addr, s->user) == 0;
	*bal_r = s->bal_id;
	r = store_read_begin(s->srv->store, &txn);
	if (r == 0 && !own && !from->null) {
		r = store_bal_get_by_addr(txn, from->addr, &as); /* 1 found, 0 not */
		if (r == 1) {
			r = store_deleg_may_post(txn, s->bal_id, as.id);
			own = r == 1;
			*bal_r = as.id;
		}
		r = r < 0 ? r : 0;
	}
	if (r == 0 && own)
		/* At 100 % the BAL may not send (EX_GBM_4470): "bytes 1". */
		r = store_quota_fits(txn, *bal_r, 1, 0);
	if (txn != NULL)
		store_read_end(&txn);
	if (r < 0) {
		smtp_reply(s, 451, "4.3.0", "Erreur temporaire du stockage");
		return false;
	}
	if (!own) {
		smtp_reply(s, 553, "5.7.1",
		           "L'expediteur <%s> n'est ni la BAL authentifiee <%s> ni une BAL "
		           "deleguee avec le droit d'envoi",
		           from->null ? "" : from->addr, s->user);
		return false;
	}
	if (r == 0) {
		smtp_reply(s, 552, "5.2.2",
		           "Votre BAL a atteint son quota: liberez de l'espace pour envoyer");
		return false;
	}
	return true;
}

void smtp_cmd_mail(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	uint64_t from_bal = 0;

	if (s->mail) {
		smtp_reply(s, 503, "5.5.1", "Transaction deja commencee");
		return;
	}
	if (s->mode == SMTP_MODE_INBOUND && !conn_is_tls(s->conn) && !s->srv->test_plaintext) {
		smtp_reply(s, 530, "5.7.0", "Commande STARTTLS requise d'abord");
		return;
	}
	if (cmd->mail.has_size && cmd->mail.size > s->srv->size_max) {
		smtp_reply(s, 552, "5.3.4", "Message trop gros: %llu octets au plus",
		           (unsigned long long)s->srv->size_max);
		return;
	}
	if (s->mode == SMTP_MODE_INBOUND) {
		if (!smtp_trust_peer(s) || !smtp_trust_sender(s, &cmd->path))
			return;
	} else if (!submission_sender(s, &cmd->path, &from_bal)) {
		return;
	}
	smtp_tx_reset(s);
	s->mail = true;
	s->from_bal = from_bal;
	str_copy(s->from, sizeof(s->from), cmd->path.addr);
	s->mp = cmd->mail;
	smtp_reply(s, 250, "2.1.0", "Expediteur <%s> accepte", s->from);
}

/* ---------------------------------------------------------------- RCPT */

/* A local recipient: 1 accepted (*bal_id_r), 0 refused (replied). */
static int rcpt_local(struct smtp_session *s, struct store_txn *txn, const char *addr,
                      uint64_t *bal_id_r)
{
	uint64_t size = s->mp.has_size && s->mp.size > 0 ? s->mp.size : 1;
	struct store_bal bal;
	int r = store_bal_get_by_addr(txn, addr, &bal);

	if (r == 0) {
		smtp_reply(s, 550, "5.1.1", "Adresse <%s> inconnue", addr);
		return 0;
	}
	if (r == 1 && bal.state != BAL_ACTIVE) {
		smtp_reply(s, 550, "5.2.1", "La BAL <%s> est suspendue", addr);
		return 0;
	}
	if (r == 1)
		r = store_quota_fits(txn, bal.id, size, 1);
	if (r < 0) {
		smtp_reply(s, 451, "4.3.0", "Erreur temporaire du stockage");
		return 0;
	}
	if (r == 0) {
		smtp_reply(s, 552, "5.2.2", "La BAL <%s> est pleine (quota atteint)", addr);
		return 0;
	}
	*bal_id_r = bal.id;
	return 1;
}

/* 1 local, 0 other operator (allowed), -1 refused (replied). */
static int rcpt_check(struct smtp_session *s, const char *addr, uint64_t *bal_id_r)
{
	const char *dom = smtp_addr_domain(addr);
	struct store_txn *txn;
	int r = store_read_begin(s->srv->store, &txn);

	if (r == 0) {
		r = store_domain_exists(txn, dom);
		if (r == 1)
			r = rcpt_local(s, txn, addr, bal_id_r) == 1 ? 1 : -1;
		else if (r < 0)
			smtp_reply(s, 451, "4.3.0", "Erreur temporaire du stockage");
		store_read_end(&txn);
	} else {
		smtp_reply(s, 451, "4.3.0", "Erreur temporaire du stockage");
		return -1;
	}
	if (r != 0)
		return r < 0 ? -1 : 1;
	if (s->mode == SMTP_MODE_INBOUND) {
		smtp_reply(s, 550, "5.7.1", "Relais refuse: le domaine %s n'est pas servi ici",
		           dom);
		return -1;
	}
	if (!whitelist_domain_listed(whitelist_holder_get(s->srv->whitelist), dom)) {
		smtp_reply(s, 550, "5.7.1",
		           "Le domaine %s n'appartient pas a l'espace de confiance MSSante", dom);
		return -1;
	}
	return 0;
}

void smtp_cmd_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	char addr[SMTP_PATH_MAX + 64];
	struct smtp_drcpt *rc;
	uint64_t bal_id = 0;
	int r;

	if (!s->mail) {
		smtp_reply(s, 503, "5.5.1", "Envoyez MAIL d'abord");
		return;
	}
	if (s->n_rcpts >= s->srv->rcpt_max) {
		smtp_reply(s, 452, "4.5.3", "Trop de destinataires (%u au plus)", s->srv->rcpt_max);
		return;
	}
	if (cmd->path.postmaster) /* RFC 5321 section 4.1.1.3 */
		snprintf(addr, sizeof(addr), "%s", s->srv->postmaster);
	else
		snprintf(addr, sizeof(addr), "%s", cmd->path.addr);
	if (strlen(addr) > STORE_QADDR_MAX) {
		smtp_reply_id(s, SMTP_R_RCPT_TOO_LONG);
		return;
	}
	r = rcpt_check(s, addr, &bal_id);
	if (r < 0)
		return;
	s->rcpts = xrealloc(s->rcpts, (s->n_rcpts + 1) * sizeof(*s->rcpts));
	rc = &s->rcpts[s->n_rcpts++];
	memset(rc, 0, sizeof(*rc));
	str_copy(rc->addr, sizeof(rc->addr), addr);
	rc->local = r == 1;
	rc->bal_id = bal_id;
	rc->notify = cmd->rcpt.notify; /* the same bits as enum store_qnotify */
	if (cmd->rcpt.has_orcpt) {
		str_copy(rc->orcpt_type, sizeof(rc->orcpt_type), cmd->rcpt.orcpt_type);
		str_copy(rc->orcpt, sizeof(rc->orcpt), cmd->rcpt.orcpt);
	}
	smtp_reply(s, 250, "2.1.5", "Destinataire <%s> accepte", addr);
}

/* ---------------------------------------------------------------- DATA, BDAT */

void smtp_cmd_data(struct smtp_session *s)
{
	if (!s->mail || s->bdat) {
		smtp_reply(s, 503, "5.5.1", s->bdat ? "DATA apres BDAT" : "Envoyez MAIL d'abord");
		return;
	}
	if (s->n_rcpts == 0) {
		smtp_reply(s, 554, "5.5.1", "Aucun destinataire valide");
		return;
	}
	buf_reset(&s->msg);
	smtp_data_init(&s->dr, s->srv->size_max);
	s->in = SMTP_IN_DATA;
	conn_cmd_begin(s->conn);
	smtp_reply(s, 354, NULL, "Envoyez le message, terminez par <CRLF>.<CRLF>");
}

void smtp_cmd_bdat(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	s->bdat_left = cmd->bdat_size;
	s->bdat_last = cmd->bdat_last;
	s->bdat_refused = !s->mail || s->n_rcpts == 0;
	if (!s->bdat_refused && !s->bdat) {
		s->bdat = true;
		buf_reset(&s->msg);
		smtp_bdat_init(&s->dr, s->srv->size_max);
	}
	s->in = SMTP_IN_BDAT;
	if (s->bdat_left > 0) {
		conn_cmd_begin(s->conn);
		return;
	}
	/* "BDAT 0 LAST" ends a message; an empty chunk is answered at once. */
	s->in = SMTP_IN_LINES;
	if (s->bdat_refused)
		smtp_reply(s, 503, "5.5.1", "BDAT sans transaction valide");
	else if (s->bdat_last)
		smtp_message_end(s);
	else
		smtp_reply(s, 250, "2.0.0", "0 octet recu");
}

/* ---------------------------------------------------------------- the message */

static void clean_text(char *out, size_t outsz, const char *in)
{
	size_t o = 0;

	for (; *in != '\0' && o + 2 < outsz; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\')
			out[o++] = '\\';
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = '\0';
}

static void make_id(char *id)
{
	static uint32_t seq;
	static const char hex[] = "0123456789ABCDEF";
	uint64_t v = ((uint64_t)time_now() << 24) ^ ((uint64_t)getpid() << 8) ^ ++seq;

	for (int i = SMTP_ID_LEN - 1; i >= 0; i--, v >>= 4)
		id[i] = hex[v & 15];
	id[SMTP_ID_LEN] = '\0';
}

/* RFC 5321 section 4.4, with the TLS details and the peer as Postfix
 * writes them; the protocol name per RFC 3848 and RFC 6531. */
static void write_received(struct smtp_session *s, struct buf *b, const char *id)
{
	struct tls_session *t = conn_tls(s->conn);
	char helo[SMTP_HELO_MAX * 2 + 1], dn[TLS_DN_MAX * 2 + 1], date[64];
	time_t now = time(NULL);
	struct tm tm;

	clean_text(helo, sizeof(helo), s->helo[0] ? s->helo : "unknown");
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_printf(b, "Received: from %s (%s)\r\n", helo, conn_peer(s->conn));
	if (t != NULL)
		buf_printf(b, "\t(using %s with cipher %s)\r\n", tls_session_version(t),
		           tls_session_cipher(t));
	if (s->mode == SMTP_MODE_INBOUND && s->peer_ok) {
		clean_text(dn, sizeof(dn), s->peer_dn);
		buf_printf(b, "\t(Client DN \"%s\" (verified OK))\r\n", dn);
	}
	if (s->authed)
		buf_printf(b, "\t(Authenticated sender: %s)\r\n", s->user);
	buf_printf(b, "\tby %s (balise) with %sSMTP%s%s id %s", s->srv->hostname,
	           s->mp.smtputf8 ? "UTF8"
	           : s->esmtp     ? "E"
	                          : "",
	           t != NULL ? "S" : "", s->authed ? "A" : "", id);
	if (s->n_rcpts == 1)
		buf_printf(b, "\r\n\tfor <%s>", s->rcpts[0].addr);
	buf_printf(b, "; %s\r\n", date);
}

static void job_free(struct smtp_job *j)
{
	smtp_deliver_free(&j->d);
	buf_free(&j->local);
	buf_free(&j->queue);
	smtp_audit_msg_free(&j->audit);
	free(j->d.rcpts);
	free(j);
}

/* Nobody could take the message after all (their state changed since
 * RCPT): the reason of the first recipient. */
static void reply_refused(struct smtp_session *s, const struct smtp_drcpt *r)
{
	switch (r->status) {
	case DLV_OVERQUOTA:
		smtp_reply(s, 552, "5.2.2", "La BAL <%s> est pleine (quota atteint)", r->addr);
		break;
	case DLV_SUSPENDED:
		smtp_reply(s, 550, "5.2.1", "La BAL <%s> est suspendue", r->addr);
		break;
	default:
		smtp_reply(s, 550, "5.1.1", "Adresse <%s> inconnue", r->addr);
		break;
	}
}

static void job_reply(struct smtp_session *s, struct smtp_job *j)
{
	if (j->result == 0 && j->d.refused >= 0) {
		reply_refused(s, &j->d.rcpts[j->d.refused]);
		return;
	}
	switch (j->result) {
	case 0:
		smtp_deliver_count(&j->d);
		log_info("%s smtp stored id=%s from=<%s> rcpts=%zu size=%zu", smtp_sid(s), j->id,
		         j->d.return_path, j->d.n_rcpts, j->queue.len);
		smtp_reply(s, 250, "2.0.0", "Message accepte sous l'identifiant %s", j->id);
		break;
	case STORE_E_FULL:
		smtp_reply(s, 452, "4.3.1", "Stockage plein, reessayez plus tard");
		break;
	default:
		log_warn("%s smtp store failed: %s", smtp_sid(s), store_strerror(j->result));
		smtp_reply(s, 451, "4.3.0", "Erreur temporaire du stockage, reessayez plus tard");
		break;
	}
}

/* Loop thread, once the writer is done. */
static void job_done(struct imap_job *ij)
{
	struct smtp_job *j = (struct smtp_job *)((char *)ij - offsetof(struct smtp_job, job));
	struct smtp_session *s = j->s;

	s->job = NULL;
	s->last_code = 0;
	if (!smtp_gone(s))
		job_reply(s, j);
	else if (j->result == 0) /* stored, the client never heard */
		log_info("%s smtp stored id=%s after the client left", smtp_sid(s), j->id);
	if (j->result != 0)
		smtp_audit_msg_failed(&j->audit, s->last_code != 0 ? s->last_code : 451,
		                      s->last_code != 0 ? s->last_text : store_strerror(j->result));
	else
		audit_copy(j->audit.rec);
	job_free(j);
	smtp_wait_done(s);
}

static void job_written(void *ctx, int result)
{
	struct smtp_job *j = ctx;

	j->result = result;
	imap_notify_post(&j->job);
}

static bool need_copy(const struct smtp_session *s, bool local)
{
	for (unsigned i = 0; i < s->n_rcpts; i++)
		if (s->rcpts[i].local == local)
			return true;
	return false;
}

static int job_apply(struct store_txn *txn, void *ctx)
{
	struct smtp_job *j = ctx;
	int r = smtp_deliver_apply(txn, &j->d);

	/* The traces in the same transaction as the message. */
	return r != 0 ? r : smtp_audit_put(txn, &j->audit, &j->d);
}

/* Hands the message to the writer; the reply waits for the commit. */
static void submit(struct smtp_session *s)
{
	struct smtp_job *j = xcalloc(1, sizeof(*j));

	j->s = s;
	make_id(j->id);
	str_copy(j->from, sizeof(j->from), s->from);
	str_copy(j->envid, sizeof(j->envid), s->mp.has_envid ? s->mp.envid : "");
	buf_init(&j->local, 0);
	buf_init(&j->queue, 0);
	write_received(s, &j->queue, j->id);
	buf_append(&j->queue, s->msg.data, s->msg.len);
	if (need_copy(s, true)) {
		buf_printf(&j->local, "Return-Path: <%s>\r\n", s->from);
		buf_append(&j->local, j->queue.data, j->queue.len);
	}
	j->d.return_path = j->from;
	j->d.envid = j->envid;
	j->d.ret = s->mp.ret == SMTP_RET_FULL   ? QRET_FULL
	           : s->mp.ret == SMTP_RET_HDRS ? QRET_HDRS
	                                        : QRET_UNSET;
	j->d.sender_bal = s->authed ? s->from_bal : 0;
	smtp_audit_msg_init(s, &j->audit, j->id, buf_slice(&s->msg));
	j->d.audit = j->audit.rec; /* the Sieve actions' traces */
	j->d.rcpts = s->rcpts; /* the job takes them */
	j->d.n_rcpts = s->n_rcpts;
	s->rcpts = NULL;
	s->n_rcpts = 0;
	j->d.local_msg = buf_slice(&j->local);
	j->d.queue_msg = buf_slice(&j->queue);
	j->d.arrival = time_now();
	if (s->srv->postmaster_set && s->srv->postmaster != NULL && s->srv->postmaster[0] != '\0') {
		snprintf(j->postmaster, sizeof(j->postmaster), "%s", s->srv->postmaster);
	} else {
		/* The postmaster of a domain served here (the first local
		 * recipient's): other operators' whitelists list mail domains,
		 * not host names, and check the header From: of reports too. */
		const char *dom = s->srv->hostname;

		for (unsigned i = 0; i < j->d.n_rcpts; i++) {
			if (j->d.rcpts[i].local) {
				dom = smtp_addr_domain(j->d.rcpts[i].addr);
				break;
			}
		}
		snprintf(j->postmaster, sizeof(j->postmaster), "postmaster@%s", dom);
	}
	smtp_deliver_init(&j->d);
	j->d.hostname = s->srv->hostname;
	j->d.postmaster = j->postmaster;
	j->d.id = j->id;
	j->d.alerter = quota_alerter();
	j->d.trust = s->srv->trust;
	j->job.fn = job_done;
	j->req.apply = job_apply;
	j->req.done = job_written;
	j->req.ctx = j;
	s->job = j;
	smtp_wait(s);
	store_write_async(s->srv->store, &j->req);
}

/* The message was refused at its end: traced with its envelope. */
static void refused_end(struct smtp_session *s)
{
	struct smtp_audit_msg m = {0};

	smtp_audit_msg_init(s, &m, "", buf_slice(&s->msg));
	smtp_audit_msg_failed(&m, s->last_code, s->last_text);
	smtp_audit_msg_free(&m);
	smtp_tx_reset(s);
}

void smtp_message_end(struct smtp_session *s)
{
	enum smtp_reply_id v = smtp_data_verdict(&s->dr, s->mp.body);

	if (v != SMTP_R_OK) {
		smtp_reply_id(s, v);
		refused_end(s);
		return;
	}
	/* RFC 5321 section 6.3: a message that went round too often. */
	if (mime_header_count(buf_slice(&s->msg), "Received") >= SMTP_HOPS_MAX) {
		smtp_reply(s, 554, "5.4.6", "Boucle de messagerie detectee (trop de Received:)");
		refused_end(s);
		return;
	}
	if (s->mode == SMTP_MODE_INBOUND && !smtp_trust_header_from(s, buf_slice(&s->msg))) {
		refused_end(s);
		return;
	}
	submit(s);
	smtp_tx_reset(s); /* the job has what it needs */
}
