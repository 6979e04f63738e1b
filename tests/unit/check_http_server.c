/* SPDX-License-Identifier: ISC */
/* The operator endpoint's view of the server, on a temporary store: what
 * /health says before the listeners are up, without a store and with one,
 * and the gauges of /metrics (BALs by quota level, with the scan cache;
 * queue depth and the oldest entry's age; map usage). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_server.h"
#include "store_test.h"

#define RPPS_OK "810001234565"
#define DOMAIN "example.test"

static char g_dir[256];
static struct store *g_s;
static struct config g_cfg;
static struct http_server g_srv;

static int ap_domain(struct store_txn *t, void *ctx)
{
	return store_domain_add(t, ctx);
}

struct bal_ctx {
	struct store_bal bal;
	const char *why;
	unsigned n_msgs;
};

/* A BAL with a message quota, and n_msgs one-byte messages in its INBOX. */
static int ap_bal(struct store_txn *t, void *ctx)
{
	struct bal_ctx *c = ctx;
	struct store_mailbox mb;
	struct store_msg m;
	uint64_t blob;
	int rc = store_bal_create(t, &c->bal, &c->why);

	if (rc == 0)
		rc = store_mailbox_get(t, c->bal.id, "INBOX", &mb) == 1 ? 0 : STORE_E_NOTFOUND;
	for (unsigned i = 0; rc == 0 && i < c->n_msgs; i++) {
		rc = store_blob_put(t, "x", 1, "s", 1, &blob);
		if (rc == 0)
			rc = store_msg_append(t, mb.id, blob, 0, 0, 0, STORE_APPEND_QUOTA, &m);
	}
	return rc;
}

static void make_bal(const char *local, uint64_t quota_msgs, unsigned n_msgs)
{
	struct bal_ctx c = {.n_msgs = n_msgs};

	snprintf(c.bal.address, sizeof(c.bal.address), "%s@" DOMAIN, local);
	c.bal.type = BAL_PER;
	c.bal.holder_type = 8;
	strcpy(c.bal.holder, RPPS_OK);
	c.bal.quota_messages = quota_msgs;
	ck_assert_int_eq(store_write(g_s, ap_bal, &c), 0);
}

static int ap_queue(struct store_txn *t, void *ctx)
{
	struct store_qrcpt r = {0};
	struct store_qentry e = {0};
	const char *why = NULL;
	int rc;

	strcpy(r.address, "dest@other.test");
	strcpy(e.return_path, "a@" DOMAIN);
	e.arrival = *(int64_t *)ctx;
	e.next_attempt = e.arrival + 86400;
	e.n_rcpts = 1;
	e.rcpts = &r;
	rc = store_blob_put(t, "msg", 3, NULL, 0, &e.blob_id);
	return rc == 0 ? store_queue_add(t, &e, &why) : rc;
}

static void setup(void)
{
	struct store_opts o = {0};
	const char *why = NULL;

	store_test_dir(g_dir);
	o.path = g_dir;
	ck_assert_int_eq(store_open(&o, &g_s, &why), 0);
	ck_assert_int_eq(store_write(g_s, ap_domain, DOMAIN), 0);
	memset(&g_cfg, 0, sizeof(g_cfg));
	http_server_init(&g_srv, uv_default_loop(), &g_cfg);
}

static void teardown(void)
{
	store_close(&g_s);
	store_test_rmdir(g_dir);
}

START_TEST(health)
{
	const char *why = NULL;

	ck_assert(!http_server_ready(&g_srv, &why));
	ck_assert_str_eq(why, "listeners not started");
	g_srv.listeners_up = true;
	ck_assert(!http_server_ready(&g_srv, &why));
	ck_assert_str_eq(why, "store not answering");
	g_srv.store = g_s;
	ck_assert(http_server_ready(&g_srv, &why));
	ck_assert_str_eq(why, "");
	g_srv.listeners_up = false;
	ck_assert(!http_server_ready(&g_srv, &why));
}
END_TEST

START_TEST(gauges)
{
	struct http_gauges g;
	int64_t arrival = (int64_t)time(NULL) - 100;

	http_server_gauges(&g_srv, &g);
	ck_assert(!g.store_ok && !g.ready); /* no store yet */
	g_srv.store = g_s;
	g_srv.listeners_up = true;
	make_bal("ninety", 10, 9);  /* 90 % */
	make_bal("full", 1, 1);     /* 100 % */
	make_bal("eighty", 5, 4);   /* 80 % */
	make_bal("free", 0, 3);     /* no quota */
	make_bal("low", 10, 7);     /* 70 % */
	http_server_gauges(&g_srv, &g);
	ck_assert(g.ready && g.store_ok);
	ck_assert_uint_eq(g.bals, 5);
	ck_assert_uint_eq(g.quota_at[0], 3);
	ck_assert_uint_eq(g.quota_at[1], 2);
	ck_assert_uint_eq(g.quota_at[2], 1);
	ck_assert_uint_eq(g.queue_entries, 0);
	ck_assert_uint_eq(g.queue_oldest_age, 0);
	ck_assert(g.map_size > 0 && g.map_used > 0 && g.map_used <= g.map_size);
	ck_assert(g.map_size_max >= g.map_size);
	ck_assert(g.clock_sync >= -1 && g.clock_sync <= 1);
	/* the queue is read at every scrape; the BAL scan is cached */
	ck_assert_int_eq(store_write(g_s, ap_queue, &arrival), 0);
	arrival += 50;
	ck_assert_int_eq(store_write(g_s, ap_queue, &arrival), 0);
	make_bal("more", 1, 1);
	http_server_gauges(&g_srv, &g);
	ck_assert_uint_eq(g.queue_entries, 2);
	ck_assert(g.queue_oldest_age >= 100 && g.queue_oldest_age < 160);
	ck_assert_uint_eq(g.bals, 5);
	ck_assert_uint_eq(g.quota_at[2], 1);
	g_srv.scan_ms -= HTTP_SCAN_CACHE_MS; /* the cache expires */
	http_server_gauges(&g_srv, &g);
	ck_assert_uint_eq(g.bals, 6);
	ck_assert_uint_eq(g.quota_at[2], 2);
}
END_TEST

static Suite *http_server_suite(void)
{
	Suite *s = suite_create("http_server");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, health);
	tcase_add_test(tc, gauges);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_server_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
