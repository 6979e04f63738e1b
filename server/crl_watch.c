/* SPDX-License-Identifier: ISC */
/* The [tls] crl watch (see crl_watch.h). */
#include "config.h"

#include <stdlib.h>

#include "crl.h"
#include "crl_watch.h"
#include "log.h"
#include "util.h"

#define CRL_WATCH_PERIOD_MS (24ull * 3600 * 1000)

struct crl_watch {
	uv_timer_t timer;
	char *path;
	uint64_t warn; /* seconds */
};

void crl_watch_check(const char *path, uint64_t warn, int64_t now)
{
	char err[CRL_ERR_MAX], when[32];
	int64_t next = 0;
	int r = crl_next_update(path, &next, err, sizeof(err));

	if (r < 0) {
		log_warn("[tls] crl %s: cannot read its nextUpdate: %s", path, err);
		return;
	}
	if (r == 0)
		return;
	crl_time_format(next, when, sizeof(when));
	switch (crl_freshness(next, now, warn)) {
	case CRL_STALE:
		log_error("[tls] crl %s: stale since %s (nextUpdate passed): every inbound peer "
		          "is answered 454 4.7.0 and outbound TLS fails until a fresh CRL is "
		          "installed and balised reloaded (SIGHUP)",
		          path, when);
		break;
	case CRL_SOON:
		log_warn("[tls] crl %s: nextUpdate %s is less than %llu h away: install a fresh "
		         "CRL before then and reload balised (SIGHUP)",
		         path, when, (unsigned long long)((warn + 3599) / 3600));
		break;
	case CRL_FRESH:
		log_debug("[tls] crl %s: nextUpdate %s", path, when);
		break;
	}
}

static void on_timer(uv_timer_t *t)
{
	struct crl_watch *w = t->data;

	crl_watch_check(w->path, w->warn, time_now());
}

struct crl_watch *crl_watch_start(uv_loop_t *loop, const char *path, uint64_t warn)
{
	struct crl_watch *w;

	if (path == NULL || path[0] == '\0')
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->path = xstrdup(path);
	w->warn = warn;
	uv_timer_init(loop, &w->timer);
	w->timer.data = w;
	uv_timer_start(&w->timer, on_timer, 0, CRL_WATCH_PERIOD_MS);
	return w;
}

static void on_closed(uv_handle_t *h)
{
	struct crl_watch *w = h->data;

	free(w->path);
	free(w);
}

void crl_watch_stop(struct crl_watch **wp)
{
	struct crl_watch *w = *wp;

	if (w == NULL)
		return;
	*wp = NULL;
	uv_close((uv_handle_t *)&w->timer, on_closed);
}
