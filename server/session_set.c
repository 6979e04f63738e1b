/* SPDX-License-Identifier: ISC */
/* The live sessions of one protocol: see session_set.h. */
#include "config.h"

#include "session_set.h"

void session_set_add(struct session_set *set, struct session_link *l)
{
	l->prev = NULL;
	l->next = set->head;
	if (set->head != NULL)
		set->head->prev = l;
	set->head = l;
	set->live++;
}

void session_set_remove(struct session_set *set, struct session_link *l)
{
	if (l->prev != NULL)
		l->prev->next = l->next;
	else if (set->head == l)
		set->head = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	l->prev = l->next = NULL;
}

void session_set_settle(struct session_set *set)
{
	if (set->stopping && set->live == 0 && set->on_empty != NULL)
		set->on_empty(set->on_empty_arg);
}

void session_set_freed(struct session_set *set)
{
	set->live--;
	session_set_settle(set);
}

void session_set_stop(struct session_set *set)
{
	set->stopping = true;
}

size_t session_set_count(const struct session_set *set)
{
	return set->live;
}

void session_set_on_empty(struct session_set *set, void (*fn)(void *arg), void *arg)
{
	set->on_empty = fn;
	set->on_empty_arg = arg;
}
