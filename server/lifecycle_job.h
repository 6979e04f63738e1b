/* SPDX-License-Identifier: ISC */
/* balised's lifecycle jobs: a libuv timer that runs the Sent purge and the
 * inactivity policy (store_job_*) on the thread pool, at start and then
 * every [lifecycle] interval. */
#ifndef BALISE_LIFECYCLE_JOB_H
#define BALISE_LIFECYCLE_JOB_H

#include <uv.h>

#include "balstore.h"
#include "cfg.h"

struct lifecycle_job;

/* cfg must outlive the job. */
struct lifecycle_job *lifecycle_job_start(uv_loop_t *loop, struct store *store,
                                          const struct config *cfg);
/* Stops the timer; a run in progress finishes (the loop waits for it) and
 * frees the job. Sets *j to NULL. */
void lifecycle_job_stop(struct lifecycle_job **j);

#endif
