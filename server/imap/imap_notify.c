/* SPDX-License-Identifier: ISC */
/* Writer thread -> loop thread: a mutex-protected job list and mailbox id
 * set drained by one uv_async callback (libuv coalesces the sends), and
 * the poll timer that notices commits made by balisectl. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "imap_notify.h"
#include "imap_session.h"
#include "util.h"

static struct {
	pthread_mutex_t mu;
	uv_async_t async;
	uv_timer_t timer;
	bool open;
	struct imap_job *head, **tail;
	uint64_t *ids; /* sorted, no duplicates */
	size_t n_ids, cap_ids;
} nt = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Inserts id keeping the set sorted; called with the mutex held. */
static void ids_add(uint64_t id)
{
	size_t lo = 0, hi = nt.n_ids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (nt.ids[mid] == id)
			return;
		if (nt.ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (nt.n_ids == nt.cap_ids) {
		nt.cap_ids = nt.cap_ids ? nt.cap_ids * 2 : 64;
		nt.ids = xrealloc(nt.ids, nt.cap_ids * sizeof(*nt.ids));
	}
	memmove(nt.ids + lo + 1, nt.ids + lo, (nt.n_ids - lo) * sizeof(*nt.ids));
	nt.ids[lo] = id;
	nt.n_ids++;
}

static void on_async(uv_async_t *h)
{
	struct imap_job *jobs;
	uint64_t *ids;
	size_t n;

	(void)h;
	pthread_mutex_lock(&nt.mu);
	jobs = nt.head;
	nt.head = NULL;
	nt.tail = &nt.head;
	ids = nt.ids;
	n = nt.n_ids;
	nt.ids = NULL;
	nt.n_ids = nt.cap_ids = 0;
	pthread_mutex_unlock(&nt.mu);

	/* Wake sessions first: a completion may then answer with fresh state. */
	if (n > 0)
		imap_sessions_changed(ids, n);
	free(ids);
	while (jobs != NULL) {
		struct imap_job *j = jobs;

		jobs = j->next;
		j->fn(j);
	}
}

static void on_timer(uv_timer_t *t)
{
	(void)t;
	imap_sessions_poll();
}

void imap_notify_init(uv_loop_t *loop)
{
	nt.tail = &nt.head;
	uv_async_init(loop, &nt.async, on_async);
	uv_timer_init(loop, &nt.timer);
	uv_timer_start(&nt.timer, on_timer, IMAP_POLL_MS, IMAP_POLL_MS);
	/* Neither handle alone should keep the loop running at shutdown. */
	uv_unref((uv_handle_t *)&nt.timer);
	pthread_mutex_lock(&nt.mu);
	nt.open = true;
	pthread_mutex_unlock(&nt.mu);
}

void imap_notify_stop_poll(void)
{
	if (nt.open)
		uv_timer_stop(&nt.timer);
}

void imap_notify_close(void)
{
	pthread_mutex_lock(&nt.mu);
	if (!nt.open) {
		pthread_mutex_unlock(&nt.mu);
		return;
	}
	nt.open = false;
	free(nt.ids);
	nt.ids = NULL;
	nt.n_ids = nt.cap_ids = 0;
	pthread_mutex_unlock(&nt.mu);
	uv_timer_stop(&nt.timer);
	uv_close((uv_handle_t *)&nt.timer, NULL);
	uv_close((uv_handle_t *)&nt.async, NULL);
}

void imap_notify_post(struct imap_job *job)
{
	bool open;

	job->next = NULL;
	pthread_mutex_lock(&nt.mu);
	open = nt.open;
	if (open) {
		*nt.tail = job;
		nt.tail = &job->next;
		uv_async_send(&nt.async);
	}
	pthread_mutex_unlock(&nt.mu);
}

void imap_notify_on_commit(void *arg, const uint64_t *mailbox_ids, size_t n)
{
	(void)arg;
	pthread_mutex_lock(&nt.mu);
	if (nt.open && n > 0) {
		for (size_t i = 0; i < n; i++)
			ids_add(mailbox_ids[i]);
		uv_async_send(&nt.async);
	}
	pthread_mutex_unlock(&nt.mu);
}
