/* SPDX-License-Identifier: ISC */
/* Recording a delivery attempt (see queue_int.h): each recipient's new
 * state from the server's reply, expiry (4.4.7) and the delay notice, the
 * French report for the return path (RFC 3461: failures unless NOTIFY says
 * otherwise, successes relayed to a server without DSN, delays when asked),
 * and the attempt itself, in the caller's one write transaction so that a
 * crash can neither lose nor duplicate a notice. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"
#include "log.h"
#include "msgsum.h"
#include "queue_int.h"
#include "util.h"

struct rec {
	struct qr_job *j;
	struct store_qentry *cur; /* the entry as stored now */
	struct store_qresult *res;
	size_t n_res;
	struct dsn_rcpt *drc;
	size_t n_drc;
	char (*diag)[SMTPC_REPLY_TEXT_MAX + 40];
};

int64_t qr_expiry(const struct qr_params *p, const struct store_qentry *e)
{
	int64_t cfg_limit = e->arrival + (int64_t)p->expire;

	return e->expires < cfg_limit ? e->expires : cfg_limit;
}

static bool wants(unsigned notify, unsigned bit)
{
	if (notify & QNOTIFY_NEVER)
		return false;
	if (notify == 0) /* RFC 3461 section 4.1: FAILURE (and DELAY at our choice: no) */
		return bit == QNOTIFY_FAILURE;
	return (notify & bit) != 0;
}

static struct store_qresult *result_for(struct rec *r, size_t rcpt)
{
	for (size_t i = 0; i < r->n_res; i++)
		if (r->res[i].rcpt == rcpt)
			return &r->res[i];
	r->res[r->n_res].rcpt = rcpt;
	return &r->res[r->n_res++];
}

static void add_report(struct rec *r, size_t rcpt, enum dsn_action action,
                       const struct store_qreply *reply)
{
	const struct store_qrcpt *q = &r->cur->rcpts[rcpt];
	struct dsn_rcpt *d = &r->drc[r->n_drc];
	char *diag = r->diag[r->n_drc];

	r->n_drc++;
	memset(d, 0, sizeof(*d));
	d->orcpt_type = q->orcpt_type[0] ? q->orcpt_type : NULL;
	d->orcpt = q->orcpt_type[0] ? q->orcpt : NULL;
	d->rcpt = q->address;
	d->action = action;
	d->status = reply->enhanced[0] ? reply->enhanced : NULL;
	d->remote_mta = reply->host[0] ? reply->host : NULL;
	if (reply->code != 0) {
		snprintf(diag, SMTPC_REPLY_TEXT_MAX + 40, "%u%s%s %s", reply->code,
		         reply->enhanced[0] ? " " : "", reply->enhanced, reply->text);
		d->diag = diag;
	}
	d->last_attempt = r->j->now;
	d->retry_until = action == DSN_DELAYED ? qr_expiry(r->j->params, r->cur) : 0;
}

/* The store reply for one SMTP result. */
static void to_qreply(const struct qr_job *j, const struct smtp_out_rcpt *o, struct store_qreply *q)
{
	memset(q, 0, sizeof(*q));
	q->code = o->reply.code;
	str_copy(q->enhanced, sizeof(q->enhanced), o->reply.enhanced);
	if (q->enhanced[0] == '\0' && o->reply.code >= 200)
		snprintf(q->enhanced, sizeof(q->enhanced), "%u.0.0", o->reply.code / 100);
	str_copy(q->text, sizeof(q->text), o->reply.text);
	str_copy(q->host, sizeof(q->host), j->msg.host);
}

/* The SMTP outcomes of this job. */
static void apply_results(struct rec *r)
{
	struct qr_job *j = r->j;

	for (size_t k = 0; k < j->n; k++) {
		size_t i = j->idx[k];
		const struct smtp_out_rcpt *o = &j->out[k];
		const struct store_qrcpt *q;
		struct store_qresult *res;
		unsigned cls = o->reply.code / 100;

		if (i >= r->cur->n_rcpts)
			continue;
		q = &r->cur->rcpts[i];
		if (store_qrcpt_state_final(q->state))
			continue;
		res = result_for(r, i);
		to_qreply(j, o, &res->reply);
		if (cls == 2) {
			res->state = j->msg.remote_dsn ? QRCPT_DELIVERED : QRCPT_RELAYED;
			if (!j->msg.remote_dsn && wants(q->notify, QNOTIFY_SUCCESS))
				add_report(r, i, DSN_RELAYED, &res->reply);
		} else if (cls == 5 || (o->reply.code == 0 && o->local_permanent)) {
			res->state = QRCPT_FAILED;
			if (res->reply.enhanced[0] == '\0')
				str_copy(res->reply.enhanced, sizeof(res->reply.enhanced), "5.0.0");
			if (wants(q->notify, QNOTIFY_FAILURE))
				add_report(r, i, DSN_FAILED, &res->reply);
		} else {
			res->state =
			    q->state == QRCPT_DELAY_NOTIFIED ? QRCPT_DELAY_NOTIFIED : QRCPT_PENDING;
		}
	}
}

/* Recipients still to be tried: given up when the entry expired, or
 * delay-notified once when old enough. */
static void apply_time(struct rec *r)
{
	const struct qr_params *p = r->j->params;
	int64_t now = r->j->now;
	bool expired = now >= qr_expiry(p, r->cur);
	bool delay = p->delay_notice > 0 && now - r->cur->arrival >= (int64_t)p->delay_notice;

	for (size_t i = 0; i < r->cur->n_rcpts; i++) {
		const struct store_qrcpt *q = &r->cur->rcpts[i];
		struct store_qresult *res;
		struct store_qreply last;
		bool listed = false;

		for (size_t k = 0; k < r->n_res; k++)
			listed |= r->res[k].rcpt == i;
		if (store_qrcpt_state_final(q->state))
			continue;
		if (listed) {
			res = result_for(r, i);
			if (store_qrcpt_state_final(res->state))
				continue;
			last = res->reply;
		} else {
			last = q->reply;
		}
		if (expired) {
			res = result_for(r, i);
			res->state = QRCPT_FAILED;
			res->reply = last;
			str_copy(res->reply.enhanced, sizeof(res->reply.enhanced), "4.4.7");
			if (last.text[0] == '\0')
				str_copy(res->reply.text, sizeof(res->reply.text),
				         "delivery time expired");
			if (wants(q->notify, QNOTIFY_FAILURE))
				add_report(r, i, DSN_FAILED, &res->reply);
		} else if (delay && q->state == QRCPT_PENDING && wants(q->notify, QNOTIFY_DELAY)) {
			res = result_for(r, i);
			res->state = QRCPT_DELAY_NOTIFIED;
			res->reply = last;
			add_report(r, i, DSN_DELAYED, &res->reply);
		}
	}
}

/* The message cannot be read any more: each pending recipient fails. */
static void apply_lost(struct rec *r)
{
	for (size_t i = 0; i < r->cur->n_rcpts; i++) {
		const struct store_qrcpt *q = &r->cur->rcpts[i];
		struct store_qresult *res;

		if (store_qrcpt_state_final(q->state))
			continue;
		res = result_for(r, i);
		if (store_qrcpt_state_final(res->state))
			continue;
		memset(&res->reply, 0, sizeof(res->reply));
		res->state = QRCPT_FAILED;
		str_copy(res->reply.enhanced, sizeof(res->reply.enhanced), QR_LOST_STATUS);
		str_copy(res->reply.text, sizeof(res->reply.text),
		         "message content unreadable in the outbound queue");
		if (wants(q->notify, QNOTIFY_FAILURE))
			add_report(r, i, DSN_FAILED, &res->reply);
	}
}

/* The original message for the report: whole when it fits the RET=FULL
 * cap, else its first cap+1 bytes (dsn_build then attaches the header
 * only). */
static int read_original(struct store_txn *txn, uint64_t blob, struct buf *out)
{
	uint64_t size;
	uint32_t refs;
	const void *sum;
	size_t sum_len, got = 0, want;
	int rc = store_blob_info(txn, blob, &size, &refs, &sum, &sum_len);

	if (rc < 0)
		return rc;
	want = size > DSN_FULL_MAX_DEFAULT ? DSN_FULL_MAX_DEFAULT + 1 : (size_t)size;
	if (buf_reserve(out, want) < 0)
		return STORE_E_LIMIT;
	rc = store_blob_read(txn, blob, 0, out->data, want, &got);
	out->len = got;
	return rc < 0 ? rc : 0;
}

/* Into the INBOX of the return path's BAL (1), 0 when it is not local. */
static int deliver_local(struct store_txn *txn, const char *addr, struct buf *msg)
{
	struct store_bal bal;
	struct store_mailbox mb;
	struct store_msg sm;
	struct buf sum;
	const char *at = strrchr(addr, '@');
	uint64_t blob;
	int rc;

	if (at == NULL || store_domain_exists(txn, at + 1) != 1)
		return 0;
	if (store_bal_get_by_addr(txn, addr, &bal) != 1) {
		log_warn("queue notice for %s dropped: local domain, no such BAL", addr);
		return 1;
	}
	rc = store_mailbox_get(txn, bal.id, "INBOX", &mb);
	if (rc != 1)
		return rc < 0 ? rc : STORE_E_NOTFOUND;
	buf_init(&sum, 0);
	if (msgsum_build(msg->data, msg->len, &sum) < 0) {
		buf_free(&sum);
		return STORE_E_LIMIT;
	}
	rc = store_blob_put(txn, msg->data, msg->len, sum.data, sum.len, &blob);
	buf_free(&sum);
	if (rc == 0) /* notices are never refused for quota */
		rc = store_msg_append(txn, mb.id, blob, 0, 0, 0, 0, &sm);
	return rc < 0 ? rc : 1;
}

/* Queued with the null sender to a remote return path. */
static int queue_remote(struct store_txn *txn, const char *addr, struct buf *msg, int64_t now)
{
	struct store_qrcpt rc = {.notify = QNOTIFY_NEVER};
	struct store_qentry e = {.arrival = now, .rcpts = &rc, .n_rcpts = 1};
	const char *why = NULL;
	int r;

	str_copy(rc.address, sizeof(rc.address), addr);
	r = store_blob_put(txn, msg->data, msg->len, NULL, 0, &e.blob_id);
	if (r == 0)
		r = store_queue_add(txn, &e, &why);
	if (r < 0)
		log_warn("queue notice for %s not queued: %s (%s)", addr, store_strerror(r),
		         why ? why : "");
	return r;
}

/* The report's From: [server] postmaster when configured; else the
 * postmaster of the return path's domain when it is served here (a report
 * signed with the host name's domain would be refused by an operator whose
 * whitelist lists only the mail domains), else the host name's. */
static const char *report_postmaster(struct store_txn *txn, const struct qr_params *p,
                                     const char *return_path, char *buf, size_t bufsz)
{
	const char *at = strrchr(return_path, '@');

	if (p->postmaster_set || at == NULL || store_domain_exists(txn, at + 1) != 1)
		return p->postmaster;
	snprintf(buf, bufsz, "postmaster@%s", at + 1);
	return buf;
}

static int send_report(struct store_txn *txn, struct rec *r)
{
	struct qr_job *j = r->j;
	const struct store_qentry *e = r->cur;
	char id[64], pm[STORE_QADDR_MAX + 16];
	struct dsn d = {
	    .reporting_mta = j->params->hostname,
	    .postmaster = report_postmaster(txn, j->params, e->return_path, pm, sizeof(pm)),
	    .return_path = e->return_path,
	    .envid = e->envid[0] ? e->envid : NULL,
	    .arrival = e->arrival,
	    .date = j->now,
	    .id = id,
	    .ret = e->ret == QRET_FULL   ? DSN_RET_FULL
	           : e->ret == QRET_HDRS ? DSN_RET_HDRS
	                                 : DSN_RET_DEFAULT,
	    .rcpts = r->drc,
	    .nrcpts = r->n_drc,
	};
	struct buf orig, out;
	const char *err = NULL;
	int rc;

	/* Never a report about a report (null sender, RFC 3461 section 6.2). */
	if (r->n_drc == 0 || e->return_path[0] == '\0')
		return 0;
	snprintf(id, sizeof(id), "q%llu.%u", (unsigned long long)e->id, e->attempts + 1);
	buf_init(&orig, 0);
	buf_init(&out, 0);
	rc = read_original(txn, e->blob_id, &orig);
	if (rc == STORE_E_NOTFOUND && j->blob_lost) { /* the report without it */
		orig.len = 0;
		rc = 0;
	}
	if (rc == 0) {
		d.original = buf_slice(&orig);
		if (dsn_build(&d, &out, NULL, &err) < 0) {
			log_warn("queue id=%llu report not built: %s", (unsigned long long)e->id,
			         err);
			rc = 0;
		} else {
			rc = deliver_local(txn, e->return_path, &out);
			if (rc == 0)
				rc = queue_remote(txn, e->return_path, &out, j->now);
			if (rc >= 0) {
				j->notices++;
				rc = 0;
			}
		}
	}
	buf_free(&orig);
	buf_free(&out);
	return rc;
}

int qr_record_apply(struct store_txn *txn, void *arg)
{
	struct qr_job *j = arg;
	struct store_qentry cur;
	struct rec r = {.j = j, .cur = &cur};
	int64_t next;
	int rc = store_queue_get(txn, j->e.id, &cur);

	j->notices = 0;
	j->deleted = false;
	j->why = NULL;
	if (rc != 1) /* deleted meanwhile (balisectl queue delete) */
		return rc < 0 ? rc : 0;
	r.res = xcalloc(cur.n_rcpts, sizeof(*r.res));
	r.drc = xcalloc(cur.n_rcpts, sizeof(*r.drc));
	r.diag = xcalloc(cur.n_rcpts, sizeof(*r.diag));
	if (j->tried)
		apply_results(&r);
	if (j->blob_lost)
		apply_lost(&r);
	apply_time(&r);
	rc = j->skip_notice ? 0 : send_report(txn, &r);
	next = j->now + (int64_t)smtpc_retry_delay(cur.attempts + 1, j->params->retry_first,
	                                           j->params->retry_factor, j->params->retry_max);
	if (next > qr_expiry(j->params, &cur))
		next =
		    qr_expiry(j->params, &cur) > j->now ? qr_expiry(j->params, &cur) : j->now + 1;
	if (rc == 0 && r.n_res > 0)
		rc = store_queue_attempt(txn, cur.id, j->now, r.res, r.n_res, next, &j->deleted,
		                         &j->why);
	else if (rc == 0) /* nothing to record: look again later */
		rc = store_queue_retry(txn, cur.id, next);
	free(r.res);
	free(r.drc);
	free(r.diag);
	store_queue_entry_free(&cur);
	return rc;
}
