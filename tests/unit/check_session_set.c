/* SPDX-License-Identifier: ISC */
/* The live-session registry: linking and unlinking in any order, the
 * count, on_empty exactly once when stopping and empty, and iteration
 * that unlinks the current session. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "session_set.h"

struct fake {
	int id;
	struct session_link link;
	bool seen;
};

static unsigned fired;

static void on_empty(void *arg)
{
	ck_assert_ptr_eq(arg, &fired);
	fired++;
}

/* The ids of the linked sessions, head first, as a number (1-9 each). */
static unsigned order(struct session_set *set)
{
	struct fake *f;
	unsigned n = 0;
	struct session_link *prev = NULL;

	session_set_each(set, f, struct fake, link) {
		ck_assert_ptr_eq(f->link.prev, prev); /* back links agree */
		prev = &f->link;
		n = n * 10 + (unsigned)f->id;
	}
	return n;
}

START_TEST(add_remove_any_order)
{
	struct session_set set = {0};
	struct fake f[4] = {{.id = 1}, {.id = 2}, {.id = 3}, {.id = 4}};

	for (int i = 0; i < 4; i++)
		session_set_add(&set, &f[i].link);
	ck_assert_uint_eq(order(&set), 4321);
	ck_assert_uint_eq(session_set_count(&set), 4);
	session_set_remove(&set, &f[2].link); /* middle */
	ck_assert_uint_eq(order(&set), 421);
	session_set_remove(&set, &f[3].link); /* head */
	ck_assert_uint_eq(order(&set), 21);
	session_set_remove(&set, &f[0].link); /* tail */
	ck_assert_uint_eq(order(&set), 2);
	session_set_remove(&set, &f[0].link); /* again: nothing */
	ck_assert_uint_eq(order(&set), 2);
	session_set_add(&set, &f[2].link);
	ck_assert_uint_eq(order(&set), 32);
	session_set_remove(&set, &f[1].link);
	session_set_remove(&set, &f[2].link);
	ck_assert_ptr_null(set.head);
	/* Unlinked sessions are still counted until freed. */
	ck_assert_uint_eq(session_set_count(&set), 5);
}
END_TEST

START_TEST(on_empty_once_when_stopping)
{
	struct session_set set = {0};
	struct fake f[3] = {{.id = 1}, {.id = 2}, {.id = 3}};

	fired = 0;
	session_set_on_empty(&set, on_empty, &fired);
	for (int i = 0; i < 3; i++)
		session_set_add(&set, &f[i].link);
	session_set_remove(&set, &f[0].link);
	session_set_freed(&set); /* not stopping: nothing */
	ck_assert_uint_eq(fired, 0);
	session_set_stop(&set);
	session_set_settle(&set); /* two left */
	ck_assert_uint_eq(fired, 0);
	session_set_remove(&set, &f[2].link);
	session_set_freed(&set);
	ck_assert_uint_eq(fired, 0);
	session_set_remove(&set, &f[1].link);
	ck_assert_uint_eq(fired, 0); /* unlinked, not freed yet */
	session_set_freed(&set);
	ck_assert_uint_eq(fired, 1);
	ck_assert_uint_eq(session_set_count(&set), 0);
}
END_TEST

START_TEST(on_empty_at_stop_when_already_empty)
{
	struct session_set set = {0};
	struct fake f = {.id = 1};

	fired = 0;
	session_set_on_empty(&set, on_empty, &fired);
	session_set_add(&set, &f.link);
	session_set_remove(&set, &f.link);
	session_set_freed(&set);
	ck_assert_uint_eq(fired, 0);
	session_set_stop(&set);
	ck_assert_uint_eq(fired, 0); /* the caller settles after its goodbyes */
	session_set_settle(&set);
	ck_assert_uint_eq(fired, 1);
}
END_TEST

START_TEST(no_hook_no_call)
{
	struct session_set set = {0};
	struct fake f = {.id = 1};

	session_set_add(&set, &f.link);
	session_set_stop(&set);
	session_set_remove(&set, &f.link);
	session_set_freed(&set);
	ck_assert_uint_eq(session_set_count(&set), 0);
}
END_TEST

START_TEST(each_unlinks_current)
{
	struct session_set set = {0};
	struct fake *f, *all[5];
	unsigned visits = 0;

	fired = 0;
	session_set_on_empty(&set, on_empty, &fired);
	for (int i = 0; i < 5; i++) {
		all[i] = calloc(1, sizeof(*all[i]));
		all[i]->id = i + 1;
		session_set_add(&set, &all[i]->link);
	}
	session_set_stop(&set);
	/* Each is unlinked and freed while it is the current one. */
	session_set_each(&set, f, struct fake, link) {
		ck_assert(!f->seen);
		f->seen = true;
		visits++;
		session_set_remove(&set, &f->link);
		free(f);
		session_set_freed(&set);
	}
	ck_assert_uint_eq(visits, 5);
	ck_assert_ptr_null(set.head);
	ck_assert_uint_eq(fired, 1);
}
END_TEST

START_TEST(each_unlinks_some)
{
	struct session_set set = {0};
	struct fake *f, fs[6];

	for (int i = 0; i < 6; i++) {
		fs[i] = (struct fake){.id = i + 1};
		session_set_add(&set, &fs[i].link);
	}
	session_set_each(&set, f, struct fake, link) {
		if (f->id % 2 == 0)
			session_set_remove(&set, &f->link);
	}
	ck_assert_uint_eq(order(&set), 531);
	ck_assert_uint_eq(session_set_count(&set), 6);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session_set");
	TCase *tc = tcase_create("registry");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, add_remove_any_order);
	tcase_add_test(tc, on_empty_once_when_stopping);
	tcase_add_test(tc, on_empty_at_stop_when_already_empty);
	tcase_add_test(tc, no_hook_no_call);
	tcase_add_test(tc, each_unlinks_current);
	tcase_add_test(tc, each_unlinks_some);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
