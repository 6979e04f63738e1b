/* SPDX-License-Identifier: ISC */
/* The system clock's synchronisation (EX_GDT_5040: traces carry the time
 * of a synchronised clock): balised reads ntp_adjtime (modes 0: read only)
 * at start-up and every CLOCK_CHECK_INTERVAL_S, logs a warning and records
 * an audit trace (system.clock-unsynchronised) when the kernel says the
 * clock is not synchronised. */
#ifndef BALISE_CLOCK_CHECK_H
#define BALISE_CLOCK_CHECK_H

#include <uv.h>

#define CLOCK_CHECK_INTERVAL_S 3600

/* The last state read: 1 synchronised, 0 not, -1 unknown (not checked yet,
 * or the kernel would not say). Loop thread (e.g. /metrics). */
int clock_check_state(void);

/* One reading now (also used by the timer): the state as above. */
int clock_check_read(void);

/* Checks now and then every CLOCK_CHECK_INTERVAL_S on loop; stop closes
 * the timer. */
void clock_check_start(uv_loop_t *loop);
void clock_check_stop(void);

#endif
