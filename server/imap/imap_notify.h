/* SPDX-License-Identifier: ISC */
/* From the store's writer thread to the libuv loop: completions of write
 * requests and the ids of mailboxes a commit changed (coalesced), through
 * one uv_async; and the poll timer for changes made by other processes. */
#ifndef BALISE_IMAP_NOTIFY_H
#define BALISE_IMAP_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* A job run on the loop thread. Embed it in the object it concerns. */
struct imap_job {
	void (*fn)(struct imap_job *job);
	struct imap_job *next;
};

/* Starts the async handle and the IMAP_POLL_MS timer on loop. */
void imap_notify_init(uv_loop_t *loop);
/* Closes both handles; later posts and commits are dropped (the jobs'
 * memory is then the caller's problem: call it once no job is pending). */
void imap_notify_close(void);
/* Stops only the poll timer (shutdown begins). */
void imap_notify_stop_poll(void);

/* Any thread: runs job->fn on the loop thread soon. */
void imap_notify_post(struct imap_job *job);
/* store_opts.on_commit (writer thread): wakes the sessions that have one of
 * these mailboxes selected; ids are coalesced until the loop runs. */
void imap_notify_on_commit(void *arg, const uint64_t *mailbox_ids, size_t n);

#endif
