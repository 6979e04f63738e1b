/* SPDX-License-Identifier: ISC */
/* [trust] annuaire in balised: the Annuaire Santé extraction is loaded
 * once at start-up (before the listeners serve), then a timer on the event
 * loop asks a worker thread of the libuv pool to re-check the file
 * (annuaire_holder_refresh: a stat, and a ~1 s parse of the real file when
 * it changed) so that the loop never parses; each new index is published to
 * the trust snapshot that ManageSieve uploads and deliveries read. A bad
 * file keeps the previous index, logged once per version of the file. */
#ifndef BALISE_ANNUAIRE_RELOAD_H
#define BALISE_ANNUAIRE_RELOAD_H

#include <uv.h>

#include "trust_snap.h"

#define ANNUAIRE_REFRESH_MS 60000 /* a stat() of the file this often */

struct annuaire_reload;

/* Loads path now (an empty path: nothing is loaded or watched, NULL is
 * returned) and watches it. A first load that fails is logged; the
 * snapshot then has no Annuaire until a good file appears. */
struct annuaire_reload *annuaire_reload_start(uv_loop_t *loop, const char *path,
                                              struct trust_snap *snap);
/* Stops the timer; the watcher is freed once a reload in flight ends
 * (uv_run returns only after that). NULL is accepted. */
void annuaire_reload_stop(struct annuaire_reload **r);

#endif
