/* SPDX-License-Identifier: ISC */
/* The queue runner (see queue_runner.h). Everything here runs on the loop;
 * the records go through the store's writer from the thread pool. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "balstore.h"
#include "log.h"
#include "metrics.h"
#include "mx.h"
#include "queue_int.h"
#include "queue_runner.h"
#include "tls.h"
#include "util.h"
#include "whitelist.h"

#define QR_BATCH_MAX 500 /* due entries taken per poll */
#define QR_SCAN_CHUNK (64 * 1024)

/* One SMTP session's worth of jobs to one domain. */
struct qr_session {
	struct queue_runner *qr;
	char domain[CFG_DOMAIN_MAX + 1];
	struct qr_job *jobs;
	size_t n_jobs;
	struct smtp_out_msg **msgs;
	unsigned records; /* writes in flight */
	bool client_done;
	struct whitelist *wl; /* referenced while the session runs, or NULL */
	struct qr_session *next;
};

struct queue_runner {
	uv_loop_t *loop;
	struct store *store;
	const struct config *cfg;
	struct qr_params params;
	struct smtp_client_cfg ccfg;
	uv_timer_t timer;
	struct qr_session *sessions;
	unsigned n_sessions;
	unsigned records;   /* writes in flight outside sessions */
	uint64_t *inflight; /* entry ids with a job not yet recorded */
	size_t n_inflight, inflight_cap;
	bool wl_on; /* [trust] whitelist set: relay only to listed domains */
	struct whitelist_holder wl;
	bool stopping;
	void (*on_stopped)(void *arg);
	void *stopped_arg;
};

/* A write of one job on the thread pool. */
struct qr_write {
	uv_work_t work;
	struct qr_job *job;
	struct qr_session *sess; /* NULL: the job is freed after */
};

static void maybe_stopped(struct queue_runner *qr);

/* ------------------------------------------------------------ in flight */

static bool inflight_has(const struct queue_runner *qr, uint64_t id)
{
	for (size_t i = 0; i < qr->n_inflight; i++)
		if (qr->inflight[i] == id)
			return true;
	return false;
}

static void inflight_add(struct queue_runner *qr, uint64_t id)
{
	if (qr->n_inflight == qr->inflight_cap) {
		qr->inflight_cap = qr->inflight_cap ? qr->inflight_cap * 2 : 64;
		qr->inflight = xrealloc(qr->inflight, qr->inflight_cap * sizeof(*qr->inflight));
	}
	qr->inflight[qr->n_inflight++] = id;
}

static void inflight_del(struct queue_runner *qr, uint64_t id)
{
	for (size_t i = 0; i < qr->n_inflight; i++) {
		if (qr->inflight[i] == id) {
			qr->inflight[i] = qr->inflight[--qr->n_inflight];
			return;
		}
	}
}

/* ------------------------------------------------------------ jobs */

static void job_free(struct qr_job *j)
{
	store_queue_entry_free(&j->e);
	free(j->idx);
	free(j->out);
}

static void copy_entry(const struct store_qentry *src, struct store_qentry *dst)
{
	*dst = *src;
	dst->rcpts = xcalloc(src->n_rcpts ? src->n_rcpts : 1, sizeof(*dst->rcpts));
	memcpy(dst->rcpts, src->rcpts, src->n_rcpts * sizeof(*dst->rcpts));
}

static const char *rcpt_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

static bool has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* Whether the message holds 8-bit bytes, and in its header (then SMTPUTF8,
 * RFC 6532). Read a chunk at a time. */
static void scan_blob(struct store *st, uint64_t blob, uint64_t size, bool *body8_r, bool *hdr8_r)
{
	uint8_t *tmp = xmalloc(QR_SCAN_CHUNK);
	struct store_txn *txn;
	bool in_header = true;
	unsigned nl = 0; /* consecutive LF seen (CR ignored) */
	uint64_t off = 0;

	*body8_r = *hdr8_r = false;
	if (store_read_begin(st, &txn) < 0) {
		free(tmp);
		return;
	}
	while (off < size && !(*hdr8_r)) {
		size_t got = 0;
		if (store_blob_read(txn, blob, off, tmp, QR_SCAN_CHUNK, &got) < 0 || got == 0)
			break;
		for (size_t i = 0; i < got; i++) {
			if (tmp[i] >= 0x80) {
				*body8_r = true;
				*hdr8_r |= in_header;
			}
			if (tmp[i] == '\n') {
				if (++nl == 2)
					in_header = false;
			} else if (tmp[i] != '\r') {
				nl = 0;
			}
		}
		off += got;
	}
	store_read_end(&txn);
	free(tmp);
}

/* The job for e's pending recipients at domain (n > 0 of them). */
static void job_init(struct queue_runner *qr, struct qr_job *j, const struct store_qentry *e,
                     const char *domain)
{
	memset(j, 0, sizeof(*j));
	j->qr = qr;
	j->params = &qr->params;
	copy_entry(e, &j->e);
	str_copy(j->domain, sizeof(j->domain), domain);
	j->idx = xcalloc(e->n_rcpts ? e->n_rcpts : 1, sizeof(*j->idx));
	j->out = xcalloc(e->n_rcpts ? e->n_rcpts : 1, sizeof(*j->out));
	for (size_t i = 0; i < e->n_rcpts; i++) {
		const struct store_qrcpt *q = &j->e.rcpts[i];
		if (store_qrcpt_state_final(q->state) ||
		    strcasecmp(rcpt_domain(q->address), domain))
			continue;
		j->idx[j->n] = i;
		j->out[j->n].address = q->address;
		j->out[j->n].orcpt_type = q->orcpt_type;
		j->out[j->n].orcpt = q->orcpt;
		j->out[j->n].notify = q->notify;
		j->n++;
	}
	j->msg.mail_from = j->e.return_path;
	j->msg.blob_id = j->e.blob_id;
	j->msg.ret = (int)j->e.ret;
	j->msg.envid = j->e.envid;
	j->msg.rcpts = j->out;
	j->msg.n_rcpts = j->n;
	j->msg.user = j;
}

/* Size and 8-bit needs of the message; -1 when the blob cannot be read. */
static int job_message(struct queue_runner *qr, struct qr_job *j)
{
	struct store_txn *txn;
	uint32_t refs;
	const void *sum;
	size_t sum_len;
	bool body8, hdr8, env8 = has_8bit(j->e.return_path);
	int rc;

	if (store_read_begin(qr->store, &txn) < 0)
		return -1;
	rc = store_blob_info(txn, j->e.blob_id, &j->msg.size, &refs, &sum, &sum_len);
	store_read_end(&txn);
	if (rc < 0)
		return -1;
	for (size_t k = 0; k < j->n; k++)
		env8 |= has_8bit(j->out[k].address);
	scan_blob(qr->store, j->e.blob_id, j->msg.size, &body8, &hdr8);
	j->msg.eightbit = body8;
	j->msg.utf8 = env8 || hdr8;
	return 0;
}

/* ------------------------------------------------------------ recording */

static void log_job(const struct qr_job *j)
{
	if (j->result < 0) {
		log_error("queue id=%llu record failed: %s (%s)", (unsigned long long)j->e.id,
		          store_strerror(j->result), j->why ? j->why : "");
		return;
	}
	for (size_t k = 0; k < j->n && j->tried; k++) {
		const struct smtp_out_rcpt *o = &j->out[k];
		metrics_outbound(o->reply.code);
		log_info("queue id=%llu rcpt=<%s> host=%s reply=\"%u %s %.200s\"",
		         (unsigned long long)j->e.id, o->address, j->msg.host, o->reply.code,
		         o->reply.enhanced, o->reply.text);
	}
	log_info("queue id=%llu recorded%s notices=%u", (unsigned long long)j->e.id,
	         j->deleted ? " done, removed" : "", j->notices);
}

static void session_maybe_free(struct qr_session *s);
static void record(struct queue_runner *qr, struct qr_job *j, struct qr_session *s);

static void write_work(uv_work_t *w)
{
	struct qr_write *wr = w->data;

	wr->job->result = store_write(wr->job->qr->store, qr_record_apply, wr->job);
}

static void write_after(uv_work_t *w, int status)
{
	struct qr_write *wr = w->data;
	struct qr_job *j = wr->job;
	struct queue_runner *qr = j->qr;

	if (status < 0)
		j->result = STORE_E_IO;
	log_job(j);
	if (j->result < 0 && !j->skip_notice && !qr->stopping) {
		log_error("queue id=%llu recording again without its report: the report is lost",
		          (unsigned long long)j->e.id);
		struct qr_session *sess = wr->sess;

		j->skip_notice = true;
		if (sess != NULL)
			sess->records--;
		else
			qr->records--;
		free(wr);
		record(qr, j, sess);
		return;
	}
	if (j->inflight)
		inflight_del(qr, j->e.id);
	j->inflight = false;
	if (wr->sess != NULL) {
		wr->sess->records--;
		session_maybe_free(wr->sess);
	} else {
		qr->records--;
		job_free(j);
		free(j);
	}
	free(wr);
	maybe_stopped(qr);
}

static void record(struct queue_runner *qr, struct qr_job *j, struct qr_session *s)
{
	struct qr_write *wr = xcalloc(1, sizeof(*wr));

	j->now = (int64_t)time(NULL);
	wr->job = j;
	wr->sess = s;
	wr->work.data = wr;
	if (s != NULL)
		s->records++;
	else
		qr->records++;
	if (uv_queue_work(qr->loop, &wr->work, write_work, write_after) < 0) {
		j->result = STORE_E_IO;
		write_after(&wr->work, 0);
	}
}

/* ------------------------------------------------------------ sessions */

static void session_maybe_free(struct qr_session *s)
{
	struct queue_runner *qr = s->qr;

	if (!s->client_done || s->records > 0)
		return;
	for (struct qr_session **p = &qr->sessions; *p != NULL; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	qr->n_sessions--;
	for (size_t i = 0; i < s->n_jobs; i++) {
		if (s->jobs[i].inflight) /* never recorded (stopping) */
			inflight_del(qr, s->jobs[i].e.id);
		job_free(&s->jobs[i]);
	}
	free(s->jobs);
	free(s->msgs);
	if (s->wl != NULL)
		whitelist_unref(&s->wl);
	free(s);
}

static void on_msg(void *arg, struct smtp_out_msg *m)
{
	struct qr_session *s = arg;
	struct qr_job *j = m->user;

	if (s->qr->stopping)
		return; /* interrupted: the entry stays due for the next start */
	j->tried = true;
	record(s->qr, j, s);
}

static void on_client_done(void *arg)
{
	struct qr_session *s = arg;
	struct queue_runner *qr = s->qr;

	s->client_done = true;
	session_maybe_free(s);
	maybe_stopped(qr);
}

static void on_route(void *arg, const struct mx_result *r)
{
	struct qr_session *s = arg;
	struct queue_runner *qr = s->qr;
	struct smtp_client_cbs cbs = {.on_msg = on_msg, .on_done = on_client_done, .arg = s};
	struct smtp_client_cfg ccfg;

	if (qr->stopping) {
		on_client_done(s);
		return;
	}
	if (r->n == 0) {
		log_info("queue domain=%s route error=\"%s\"%s", s->domain, r->error,
		         r->permanent ? " (permanent)" : "");
		for (size_t i = 0; i < s->n_jobs; i++) {
			struct qr_job *j = &s->jobs[i];
			for (size_t k = 0; k < j->n; k++) {
				str_copy(j->out[k].reply.enhanced, sizeof(j->out[k].reply.enhanced),
				         r->enhanced);
				str_copy(j->out[k].reply.text, sizeof(j->out[k].reply.text),
				         r->error);
				j->out[k].local_permanent = r->permanent;
			}
			on_msg(s, &j->msg);
		}
		on_client_done(s);
		return;
	}
	ccfg = qr->ccfg;
	ccfg.wl = s->wl;
	ccfg.domain = s->domain;
	smtp_client_run(&ccfg, r, s->msgs, s->n_jobs, &cbs);
}

static unsigned sessions_to(const struct queue_runner *qr, const char *domain)
{
	unsigned n = 0;

	for (const struct qr_session *s = qr->sessions; s != NULL; s = s->next)
		n += strcasecmp(s->domain, domain) == 0;
	return n;
}

/* Relaying stays in the trust space: with a whitelist configured, the
 * domain must be listed (else a final failure, 5.7.1) and the session
 * keeps the list to check the server's certificate DN. false when the
 * session ended here. */
static bool trusted(struct queue_runner *qr, struct qr_session *s)
{
	struct mx_result r = {0};

	s->wl = whitelist_holder_ref(&qr->wl);
	if (s->wl != NULL && whitelist_domain_listed(s->wl, s->domain))
		return true;
	r.permanent = s->wl != NULL;
	str_copy(r.enhanced, sizeof(r.enhanced), r.permanent ? "5.7.1" : "4.7.1");
	snprintf(r.error, sizeof(r.error), "%s: %s", s->domain,
	         r.permanent ? "domain not in the MSSante trust space (whitelist)"
	                     : "no trust-space whitelist loaded yet");
	on_route(s, &r);
	return false;
}

/* Starts one session with jobs[0..n) (taken over). */
static void session_start(struct queue_runner *qr, const char *domain, struct qr_job *jobs,
                          size_t n)
{
	struct qr_session *s = xcalloc(1, sizeof(*s));

	s->qr = qr;
	str_copy(s->domain, sizeof(s->domain), domain);
	s->jobs = jobs;
	s->n_jobs = n;
	s->msgs = xcalloc(n, sizeof(*s->msgs));
	for (size_t i = 0; i < n; i++) {
		/* The jobs moved: point their message into them again. */
		s->msgs[i] = &jobs[i].msg;
		jobs[i].msg.user = &jobs[i];
		jobs[i].msg.mail_from = jobs[i].e.return_path;
		jobs[i].msg.envid = jobs[i].e.envid;
		jobs[i].inflight = true;
		inflight_add(qr, jobs[i].e.id);
	}
	s->next = qr->sessions;
	qr->sessions = s;
	qr->n_sessions++;
	log_info("queue domain=%s session messages=%zu", domain, n);
	if (qr->wl_on && !trusted(qr, s))
		return;
	if (mx_resolve(qr->loop, &qr->cfg->routes, domain, on_route, s) < 0) {
		s->client_done = true;
		session_maybe_free(s);
	}
}

/* ------------------------------------------------------------ polling */

struct due {
	struct store_qentry *e;
	size_t n, cap;
	const struct queue_runner *qr;
};

static int collect(void *arg, const struct store_qentry *e)
{
	struct due *d = arg;

	if (inflight_has(d->qr, e->id))
		return 0;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->e = xrealloc(d->e, d->cap * sizeof(*d->e));
	}
	copy_entry(e, &d->e[d->n++]);
	return d->n >= QR_BATCH_MAX;
}

/* A domain's jobs gathered during one poll. */
struct dest {
	char domain[CFG_DOMAIN_MAX + 1];
	struct qr_job *jobs;
	size_t n, cap;
};

static struct dest *dest_for(struct dest **ds, size_t *n, const char *domain)
{
	for (size_t i = 0; i < *n; i++)
		if (strcasecmp((*ds)[i].domain, domain) == 0)
			return &(*ds)[i];
	*ds = xrealloc(*ds, (*n + 1) * sizeof(**ds));
	memset(&(*ds)[*n], 0, sizeof(**ds));
	str_copy((*ds)[*n].domain, sizeof((*ds)[*n].domain), domain);
	return &(*ds)[(*n)++];
}

/* Records e without a delivery attempt: its expiry, or its blob lost. */
static void record_entry(struct queue_runner *qr, const struct store_qentry *e, bool blob_lost)
{
	struct qr_job *j = xcalloc(1, sizeof(*j));

	j->qr = qr;
	j->params = &qr->params;
	copy_entry(e, &j->e);
	j->blob_lost = blob_lost;
	j->inflight = true;
	inflight_add(qr, e->id);
	record(qr, j, NULL);
}

/* 0 when e's message can be read, else the store error. */
static int entry_blob(struct queue_runner *qr, const struct store_qentry *e)
{
	struct store_txn *txn;
	int rc = store_read_begin(qr->store, &txn);

	if (rc < 0)
		return rc;
	rc = store_blob_info(txn, e->blob_id, NULL, NULL, NULL, NULL);
	store_read_end(&txn);
	return rc;
}

/* e's message cannot be read. Gone (a queue entry holds a reference to
 * its blob, so it never comes back): the recipients fail now, with a
 * report to the sender. Another storage error: the entry is looked at
 * again after its retry delay, not at every poll. One log line each. */
static void unreadable_entry(struct queue_runner *qr, const struct store_qentry *e, int rc)
{
	bool lost = rc == STORE_E_NOTFOUND;

	log_error("queue id=%llu blob=%llu unreadable (%s): %s", (unsigned long long)e->id,
	          (unsigned long long)e->blob_id, store_strerror(rc),
	          lost ? "recipients failed (" QR_LOST_STATUS ")" : "tried again later");
	record_entry(qr, e, lost);
}

/* Splits e into one job per destination domain of its pending recipients. */
static void plan_entry(struct queue_runner *qr, const struct store_qentry *e, struct dest **ds,
                       size_t *n_ds)
{
	int rc = entry_blob(qr, e);

	if (rc < 0) {
		unreadable_entry(qr, e, rc);
		return;
	}
	for (size_t i = 0; i < e->n_rcpts; i++) {
		const char *dom = rcpt_domain(e->rcpts[i].address);
		struct dest *d;
		bool seen = false;

		if (store_qrcpt_state_final(e->rcpts[i].state))
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !store_qrcpt_state_final(e->rcpts[k].state) &&
			       strcasecmp(rcpt_domain(e->rcpts[k].address), dom) == 0;
		if (seen)
			continue;
		d = dest_for(ds, n_ds, dom);
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 8;
			d->jobs = xrealloc(d->jobs, d->cap * sizeof(*d->jobs));
		}
		job_init(qr, &d->jobs[d->n], e, dom);
		if (job_message(qr, &d->jobs[d->n]) < 0) {
			log_error("queue id=%llu blob=%llu unreadable: left in the queue",
			          (unsigned long long)e->id, (unsigned long long)e->blob_id);
			job_free(&d->jobs[d->n]);
			continue;
		}
		d->n++;
	}
}

/* Starts the sessions the limits allow for d; the jobs left wait for the
 * next poll. */
static void start_dest(struct queue_runner *qr, struct dest *d)
{
	size_t per = (size_t)qr->cfg->out_msgs_per_conn, done = 0;

	while (done < d->n && qr->n_sessions < qr->cfg->out_conn_max &&
	       sessions_to(qr, d->domain) < qr->cfg->out_conn_per_dest) {
		size_t n = d->n - done < per ? d->n - done : per;
		struct qr_job *jobs = xcalloc(n, sizeof(*jobs));

		memcpy(jobs, d->jobs + done, n * sizeof(*jobs));
		session_start(qr, d->domain, jobs, n);
		done += n;
	}
	for (size_t i = done; i < d->n; i++)
		job_free(&d->jobs[i]);
	free(d->jobs);
}

static void refresh_whitelist(struct queue_runner *qr)
{
	char err[WHITELIST_ERR_MAX];
	enum whitelist_refresh r = whitelist_holder_refresh(&qr->wl, err, sizeof(err));

	if (r == WHITELIST_RELOADED)
		log_info("queue trust list read domains=%zu",
		         whitelist_domain_count(whitelist_holder_get(&qr->wl)));
	else if (r == WHITELIST_FAILED)
		log_error("queue trust list refresh failed, previous list kept: %s", err);
}

static void poll_queue(uv_timer_t *t)
{
	struct queue_runner *qr = t->data;
	struct due due = {.qr = qr};
	struct store_txn *txn;
	struct dest *ds = NULL;
	size_t n_ds = 0;
	int64_t now = (int64_t)time(NULL);

	if (qr->stopping)
		return;
	if (qr->wl_on)
		refresh_whitelist(qr);
	if (store_read_begin(qr->store, &txn) < 0)
		return;
	store_queue_each_due(txn, now, collect, &due);
	store_read_end(&txn);
	for (size_t i = 0; i < due.n; i++) {
		if (now >= qr_expiry(&qr->params, &due.e[i]))
			record_entry(qr, &due.e[i], false);
		else
			plan_entry(qr, &due.e[i], &ds, &n_ds);
		store_queue_entry_free(&due.e[i]);
	}
	free(due.e);
	for (size_t i = 0; i < n_ds; i++)
		start_dest(qr, &ds[i]);
	free(ds);
}

/* ------------------------------------------------------------ start, stop */

struct queue_runner *queue_runner_start(uv_loop_t *loop, struct store *store, struct tls_ctx *tls,
                                        const struct config *cfg)
{
	struct queue_runner *qr = xcalloc(1, sizeof(*qr));

	qr->loop = loop;
	qr->store = store;
	qr->cfg = cfg;
	qr->params.hostname = cfg->hostname;
	qr->params.postmaster_set = cfg->postmaster[0] != '\0';
	if (qr->params.postmaster_set)
		str_copy(qr->params.postmaster, sizeof(qr->params.postmaster), cfg->postmaster);
	else
		snprintf(qr->params.postmaster, sizeof(qr->params.postmaster), "postmaster@%s",
		         cfg->hostname);
	qr->params.retry_first = cfg->retry_first;
	qr->params.retry_factor = cfg->retry_factor;
	qr->params.retry_max = cfg->retry_max;
	qr->params.expire = cfg->queue_expire;
	qr->params.delay_notice = cfg->delay_notice;
	qr->ccfg = (struct smtp_client_cfg){
	    .loop = loop,
	    .store = store,
	    .tls = tls,
	    .helo = cfg->hostname,
	    .timeouts = SMTP_TIMEOUTS_RFC5321,
	};
	qr->wl_on = cfg->whitelist[0] != '\0';
	if (qr->wl_on)
		whitelist_holder_init(&qr->wl, cfg->whitelist);
	uv_timer_init(loop, &qr->timer);
	qr->timer.data = qr;
	uv_timer_start(&qr->timer, poll_queue, 0, cfg->queue_poll * 1000);
	log_info("queue runner started poll=%llus routes=%u%s", (unsigned long long)cfg->queue_poll,
	         cfg->routes.n, tls == NULL ? " (no [tls] ca: deliveries will fail)" : "");
	return qr;
}

static void on_timer_closed(uv_handle_t *h)
{
	struct queue_runner *qr = h->data;

	if (qr->on_stopped != NULL)
		qr->on_stopped(qr->stopped_arg);
	if (qr->wl_on)
		whitelist_holder_free(&qr->wl);
	free(qr->inflight);
	free(qr);
}

static void maybe_stopped(struct queue_runner *qr)
{
	if (!qr->stopping || qr->sessions != NULL || qr->records > 0 ||
	    uv_is_closing((uv_handle_t *)&qr->timer))
		return;
	uv_close((uv_handle_t *)&qr->timer, on_timer_closed);
}

void queue_runner_stop(struct queue_runner *qr, void (*on_stopped)(void *arg), void *arg)
{
	if (qr->stopping)
		return;
	qr->stopping = true;
	qr->on_stopped = on_stopped;
	qr->stopped_arg = arg;
	uv_timer_stop(&qr->timer);
	smtp_client_abort_all();
	maybe_stopped(qr);
}
