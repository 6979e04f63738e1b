/* SPDX-License-Identifier: ISC */
/* Clock synchronisation check (see clock_check.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "audit.h"
#include "clock_check.h"
#include "log.h"
#include "util.h"

static struct {
	uv_timer_t timer;
	bool on;
	int state;
} cc = {.state = -1};

int clock_check_state(void)
{
	return cc.state;
}

int clock_check_read(void)
{
	struct timex tx;
	int r;

	memset(&tx, 0, sizeof(tx)); /* modes 0: nothing is changed */
	r = ntp_adjtime(&tx);
	if (r < 0)
		return -1;
	return r == TIME_ERROR || (tx.status & STA_UNSYNC) ? 0 : 1;
}

static void clock_trace(int state, int prev)
{
	struct store_audit *r;

	if (state != 0) {
		if (state == 1 && prev == 0)
			log_info("clock synchronised again");
		return;
	}
	log_warn("clock not synchronised (ntp_adjtime): trace times may drift");
	r = xcalloc(1, sizeof(*r));
	r->cat = AUDIT_CAT_ADMIN;
	r->by = AUDIT_BY_SYSTEM;
	str_copy(r->action, sizeof(r->action), "system.clock-unsynchronised");
	str_copy(r->actor, sizeof(r->actor), "balised");
	str_copy(r->request, sizeof(r->request), "ntp_adjtime modes=0");
	str_copy(r->response, sizeof(r->response), "WARN clock not synchronised");
	audit_emit(r);
	free(r);
}

static void on_timer(uv_timer_t *t)
{
	int prev = cc.state;

	(void)t;
	cc.state = clock_check_read();
	if (cc.state < 0)
		log_warn("clock synchronisation unknown: ntp_adjtime: %s", strerror(errno));
	clock_trace(cc.state, prev);
}

void clock_check_start(uv_loop_t *loop)
{
	uv_timer_init(loop, &cc.timer);
	cc.on = true;
	uv_timer_start(&cc.timer, on_timer, 0, (uint64_t)CLOCK_CHECK_INTERVAL_S * 1000);
}

void clock_check_stop(void)
{
	if (!cc.on)
		return;
	cc.on = false;
	uv_close((uv_handle_t *)&cc.timer, NULL);
}
