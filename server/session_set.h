/* SPDX-License-Identifier: ISC */
/* The live sessions of one protocol (IMAP, SMTP, ManageSieve, HTTP): an
 * intrusive doubly linked list of the sessions still on a connection, the
 * count of those still allocated (a closed one may wait for a job), and
 * the shutdown hook called once the count falls to zero while stopping. */
#ifndef BALISE_SESSION_SET_H
#define BALISE_SESSION_SET_H

#include <stdbool.h>
#include <stddef.h>

/* Embedded in each session struct. */
struct session_link {
	struct session_link *prev, *next;
};

struct session_set {
	struct session_link *head;
	size_t live; /* allocated sessions, unlinked ones included */
	bool stopping;
	void (*on_empty)(void *arg);
	void *on_empty_arg;
};

/* A new session: linked at the head and counted. */
void session_set_add(struct session_set *set, struct session_link *l);
/* Its connection went: unlinked, still counted until session_set_freed().
 * Calling it again on an unlinked session does nothing. */
void session_set_remove(struct session_set *set, struct session_link *l);
/* A session was freed: uncounted; on_empty runs if it was the last one
 * while stopping. */
void session_set_freed(struct session_set *set);
/* Shutdown begins: from now on the last session_set_freed() calls
 * on_empty. The caller then says goodbye to each session and calls
 * session_set_settle(). */
void session_set_stop(struct session_set *set);
/* Calls on_empty if stopping and no session is left. */
void session_set_settle(struct session_set *set);
size_t session_set_count(const struct session_set *set);
void session_set_on_empty(struct session_set *set, void (*fn)(void *arg), void *arg);

/* The session struct of TYPE whose MEMBER (a struct session_link) is at L. */
#define session_link_entry(l, type, member) \
	((type *)(void *)((char *)(l) - offsetof(type, member)))

/* Runs the statement that follows with VAR (a TYPE *, declared by the
 * caller) set to each linked session in turn, newest first. The next link
 * is read before the body runs: the body may unlink VAR itself, not
 * another session. */
#define session_set_each(set, var, type, member) \
	for (struct session_link *var##_l_ = (set)->head, *var##_n_ = NULL; \
	     var##_l_ != NULL && \
	     (var##_n_ = var##_l_->next, (var) = session_link_entry(var##_l_, type, member), 1); \
	     var##_l_ = var##_n_)

#endif
