/* SPDX-License-Identifier: ISC */
/* Annuaire Santé reloads off the event loop: see annuaire_reload.h. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "annuaire_reload.h"
#include "log.h"
#include "util.h"

struct annuaire_reload {
	uv_loop_t *loop;
	uv_timer_t timer;
	uv_work_t work;
	struct annuaire_holder holder; /* touched by one thread at a time */
	struct trust_snap *snap;
	enum annuaire_refresh result; /* of the last refresh */
	char err[512];
	bool busy;     /* a refresh runs on the pool */
	bool stopping; /* free once the timer is closed and nothing runs */
	bool timer_closed;
};

static void publish(struct annuaire_reload *r)
{
	struct annuaire *a;

	switch (r->result) {
	case ANNUAIRE_RELOADED:
		a = annuaire_holder_ref(&r->holder);
		log_info("annuaire loaded file=%s addresses=%zu entries=%zu", r->holder.path,
		         annuaire_address_count(a), annuaire_entry_count(a));
		trust_snap_set_annuaire(r->snap, a);
		annuaire_unref(&a);
		break;
	case ANNUAIRE_FAILED:
		log_error("annuaire not loaded, keeping the previous one: %s", r->err);
		break;
	case ANNUAIRE_UNCHANGED: break;
	}
}

static void maybe_free(struct annuaire_reload *r)
{
	if (!r->stopping || r->busy || !r->timer_closed)
		return;
	annuaire_holder_free(&r->holder);
	free(r);
}

static void on_work(uv_work_t *w)
{
	struct annuaire_reload *r = w->data;

	r->result = annuaire_holder_refresh(&r->holder, r->err, sizeof(r->err));
}

static void on_work_done(uv_work_t *w, int status)
{
	struct annuaire_reload *r = w->data;

	r->busy = false;
	if (status == 0 && !r->stopping)
		publish(r);
	maybe_free(r);
}

static void on_timer(uv_timer_t *t)
{
	struct annuaire_reload *r = t->data;
	int rc;

	if (r->busy)
		return;
	r->work.data = r;
	rc = uv_queue_work(r->loop, &r->work, on_work, on_work_done);
	if (rc < 0)
		log_error("annuaire reload not queued: %s", uv_strerror(rc));
	else
		r->busy = true;
}

struct annuaire_reload *annuaire_reload_start(uv_loop_t *loop, const char *path,
                                              struct trust_snap *snap)
{
	struct annuaire_reload *r;

	if (path == NULL || path[0] == '\0')
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->loop = loop;
	r->snap = snap;
	annuaire_holder_init(&r->holder, path);
	/* The first load before serving: a redirect checked in the first
	 * second must not be refused for want of an index. */
	r->result = annuaire_holder_refresh(&r->holder, r->err, sizeof(r->err));
	publish(r);
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	uv_timer_start(&r->timer, on_timer, ANNUAIRE_REFRESH_MS, ANNUAIRE_REFRESH_MS);
	return r;
}

static void on_timer_closed(uv_handle_t *h)
{
	struct annuaire_reload *r = h->data;

	r->timer_closed = true;
	maybe_free(r);
}

void annuaire_reload_stop(struct annuaire_reload **rp)
{
	struct annuaire_reload *r = *rp;

	*rp = NULL;
	if (r == NULL)
		return;
	r->stopping = true;
	uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}
