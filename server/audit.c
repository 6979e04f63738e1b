/* SPDX-License-Identifier: ISC */
/* balised's audit emitter (see audit.h): packed records wait in a list on
 * the loop; one write request at a time carries every record waiting when
 * it was sent. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "log.h"
#include "util.h"

struct audit_batch {
	struct store_wreq req;
	struct buf *recs;
	size_t n;
};

static struct {
	uv_loop_t *loop;
	struct store *store;
	bool syslog_copy, timer_on, started;
	uv_timer_t timer;
	struct buf *pending;
	size_t n_pending, cap_pending;
	struct audit_batch *in_flight; /* owned by the writer until done */
	uv_async_t async;              /* the writer's done wakes the loop */
	uint64_t emitted, dropped;
	_Atomic uint64_t written;
	_Atomic int flight_done;
} au;

static void batch_free(struct audit_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		buf_free(&b->recs[i]);
	free(b->recs);
	free(b);
}

static int batch_apply(struct store_txn *txn, void *ctx)
{
	struct audit_batch *b = ctx;
	int rc = 0;

	for (size_t i = 0; i < b->n && rc == 0; i++)
		rc = store_audit_put_packed(txn, buf_slice(&b->recs[i]));
	return rc;
}

/* Writer thread. */
static void batch_done(void *ctx, int result)
{
	struct audit_batch *b = ctx;

	if (result == 0) {
		au.written += b->n;
		log_debug("audit wrote traces=%zu", b->n);
	}
	else
		log_error("audit: %zu traces not written: %s", b->n, store_strerror(result));
	au.flight_done = 1;
	uv_async_send(&au.async);
}

static void flush(void)
{
	struct audit_batch *b;

	if (au.n_pending == 0 || au.in_flight != NULL || au.store == NULL)
		return;
	b = xcalloc(1, sizeof(*b));
	b->recs = au.pending;
	b->n = au.n_pending;
	au.pending = NULL;
	au.n_pending = au.cap_pending = 0;
	b->req.apply = batch_apply;
	b->req.done = batch_done;
	b->req.ctx = b;
	au.in_flight = b;
	store_write_async(au.store, &b->req);
}

static void on_async(uv_async_t *a)
{
	(void)a;
	if (!au.flight_done)
		return;
	au.flight_done = 0;
	batch_free(au.in_flight);
	au.in_flight = NULL;
	if (au.n_pending >= AUDIT_FLUSH_MAX)
		flush();
}

static void on_timer(uv_timer_t *t)
{
	(void)t;
	au.timer_on = false;
	flush();
	if (au.n_pending > 0 && au.started) { /* a batch was in flight: try again */
		au.timer_on = true;
		uv_timer_start(&au.timer, on_timer, AUDIT_FLUSH_MS, 0);
	}
}

void audit_init(uv_loop_t *loop, struct store *store, bool syslog_copy)
{
	au.loop = loop;
	au.store = store;
	au.syslog_copy = syslog_copy;
	uv_timer_init(loop, &au.timer);
	uv_async_init(loop, &au.async, on_async);
	au.started = true;
	if (syslog_copy)
		openlog("balised-audit", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

/* Waits (on the loop thread) for the batch in flight: the writer runs it. */
static void wait_in_flight(void)
{
	while (au.in_flight != NULL && !au.flight_done)
		uv_sleep(1);
	if (au.in_flight != NULL) {
		au.flight_done = 0;
		batch_free(au.in_flight);
		au.in_flight = NULL;
	}
}

void audit_stop(void)
{
	if (!au.started)
		return;
	au.started = false;
	wait_in_flight();
	flush();
	wait_in_flight();
	uv_close((uv_handle_t *)&au.timer, NULL);
	uv_close((uv_handle_t *)&au.async, NULL);
	for (size_t i = 0; i < au.n_pending; i++)
		buf_free(&au.pending[i]);
	free(au.pending);
	au.pending = NULL;
	au.n_pending = au.cap_pending = 0;
	if (au.syslog_copy)
		closelog();
}

void audit_copy(const struct store_audit *r)
{
	struct buf b;

	if (!au.syslog_copy)
		return;
	buf_init(&b, 0);
	store_audit_json(r, &b);
	syslog(LOG_INFO, "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
}

void audit_emit(const struct store_audit *r)
{
	struct store_audit *c;

	if (!au.started)
		return; /* not set up (tests, fuzzing) or stopped */
	au.emitted++;
	if (r->time_ms == 0 || au.syslog_copy) {
		c = xmalloc(sizeof(*c));
		memcpy(c, r, sizeof(*c));
		if (c->time_ms == 0)
			c->time_ms = time_now_ms();
		audit_copy(c);
		r = c;
	} else {
		c = NULL;
	}
	if (au.store == NULL || au.n_pending >= AUDIT_PENDING_MAX) {
		if (au.store != NULL && au.dropped++ % 1000 == 0)
			log_warn("audit: %zu traces wait for the store: new ones are dropped "
			         "(dropped=%llu)", au.n_pending, (unsigned long long)au.dropped);
		free(c);
		return;
	}
	if (au.n_pending == au.cap_pending) {
		au.cap_pending = au.cap_pending ? au.cap_pending * 2 : 64;
		au.pending = xrealloc(au.pending, au.cap_pending * sizeof(*au.pending));
	}
	buf_init(&au.pending[au.n_pending], 0);
	store_audit_pack(r, &au.pending[au.n_pending]);
	au.n_pending++;
	free(c);
	if (au.n_pending >= AUDIT_FLUSH_MAX)
		flush();
	if (au.n_pending > 0 && !au.timer_on) {
		au.timer_on = true;
		uv_timer_start(&au.timer, on_timer, AUDIT_FLUSH_MS, 0);
	}
}

void audit_set_src(struct store_audit *r, const struct sockaddr_storage *ss)
{
	const void *a = NULL;

	r->src[0] = '\0';
	r->port = 0;
	if (ss != NULL && ss->ss_family == AF_INET) {
		a = &((const struct sockaddr_in *)ss)->sin_addr;
		r->port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else if (ss != NULL && ss->ss_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		r->port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	}
	if (a == NULL || inet_ntop(ss->ss_family, a, r->src, sizeof(r->src)) == NULL)
		r->src[0] = '\0';
}

void audit_stats(uint64_t *emitted_r, uint64_t *written_r, uint64_t *dropped_r)
{
	*emitted_r = au.emitted;
	*written_r = au.written;
	*dropped_r = au.dropped;
}
