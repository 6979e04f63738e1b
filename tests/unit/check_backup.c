/* SPDX-License-Identifier: ISC */
/* store_backup: the copy opens as a store that passes store_check and holds
 * the messages (multi-chunk bodies byte for byte) of the moment it was
 * taken, also while another thread writes; file 0600 in a 0700 directory;
 * a non-empty directory, a file or a missing parent are refused and leave
 * everything as it was. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "balstore.h"
#include "store_test.h"

#define RPPS_OK "810001234565"
#define DOMAIN "example.test"
#define BIG (3 * STORE_CHUNK_SIZE + 1234) /* a body over several chunks */

static char g_dir[256], g_out[256];
static struct store *g_s;
static uint64_t g_inbox;

static int ap_domain(struct store_txn *t, void *ctx)
{
	return store_domain_add(t, ctx);
}

static int ap_bal(struct store_txn *t, void *ctx)
{
	const char *why = NULL;

	return store_bal_create(t, ctx, &why);
}

/* Message n: its number then a pattern of BIG bytes, or small. */
static char *body(unsigned n, size_t len)
{
	char *b = malloc(len);

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < len; i++)
		b[i] = (char)('a' + (i * 7 + n) % 26);
	snprintf(b, len, "message %u ", n);
	return b;
}

struct put_ctx {
	unsigned n;
	size_t len;
};

static int ap_put(struct store_txn *t, void *ctx)
{
	struct put_ctx *p = ctx;
	char *b = body(p->n, p->len);
	uint64_t blob;
	struct store_msg m;
	int rc = store_blob_put(t, b, p->len, "s", 1, &blob);

	free(b);
	return rc ? rc : store_msg_append(t, g_inbox, blob, 0, 0, 1700000000, 0, &m);
}

static void put(unsigned n, size_t len)
{
	struct put_ctx p = {n, len};

	ck_assert_int_eq(store_write(g_s, ap_put, &p), 0);
}

static void setup(void)
{
	struct store_opts o = {0};
	struct store_bal b = {0};
	struct store_txn *t;
	struct store_mailbox mb;
	const char *why = NULL;

	store_test_dir(g_dir);
	store_test_dir(g_out);
	o.path = g_dir;
	o.map_size = 1 << 20; /* small: the tests make it grow */
	o.map_size_max = 1ULL << 30;
	ck_assert_int_eq(store_open(&o, &g_s, &why), 0);
	ck_assert_int_eq(store_write(g_s, ap_domain, DOMAIN), 0);
	snprintf(b.address, sizeof(b.address), "dr@" DOMAIN);
	b.type = BAL_PER;
	b.holder_type = 8;
	strcpy(b.holder, RPPS_OK);
	ck_assert_int_eq(store_write(g_s, ap_bal, &b), 0);
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_mailbox_get(t, b.id, "INBOX", &mb), 1);
	store_read_end(&t);
	g_inbox = mb.id;
}

static void teardown(void)
{
	store_close(&g_s);
	store_test_rmdir(g_dir);
	store_test_rmdir(g_out);
}

struct verify {
	struct store_txn *t;
	unsigned count;
	bool bad;
};

/* Each message's bytes are the ones body() makes for its number. */
static int verify_one(void *arg, const struct store_msg *m)
{
	struct verify *v = arg;
	uint64_t size;
	uint32_t refs;
	const void *sum;
	size_t sum_len, got;
	unsigned n;
	char *want, *have;

	if (store_blob_info(v->t, m->blob_id, &size, &refs, &sum, &sum_len) != 0 || size == 0) {
		v->bad = true;
		return 1;
	}
	have = malloc(size);
	ck_assert_ptr_nonnull(have);
	if (store_blob_read(v->t, m->blob_id, 0, have, size, &got) != 0 || got != size ||
	    sscanf(have, "message %u ", &n) != 1) {
		free(have);
		v->bad = true;
		return 1;
	}
	want = body(n, size);
	v->bad = memcmp(want, have, size) != 0;
	free(want);
	free(have);
	v->count++;
	return v->bad;
}

/* Opens the backup in g_out as a store: store_check clean, every message
 * intact; returns how many messages its INBOX holds. */
static unsigned verify_backup(void)
{
	struct store_opts o = {0};
	struct store *b = NULL;
	struct verify v = {0};
	const char *why = NULL;
	int rc;

	o.path = g_out;
	ck_assert_int_eq(store_open(&o, &b, &why), 0);
	rc = store_check(b, &why);
	ck_assert_msg(rc == 0, "store_check of the backup: %s", why ? why : "?");
	ck_assert_int_eq(store_read_begin(b, &v.t), 0);
	ck_assert_int_ge(store_msg_each(v.t, g_inbox, 1, verify_one, &v), 0);
	store_read_end(&v.t);
	store_close(&b);
	ck_assert_msg(!v.bad, "a message of the backup differs");
	return v.count;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

START_TEST(test_backup_is_the_state_of_its_moment)
{
	char file[300];
	uint64_t bytes = 0;
	const char *why = NULL;

	put(1, 100);
	put(2, BIG);
	put(3, 200);
	ck_assert_int_eq(rmdir(g_out), 0); /* store_backup makes it */
	ck_assert_int_eq(store_backup(g_s, g_out, &bytes, &why), 0);
	put(4, 300); /* after the backup: not in it */
	snprintf(file, sizeof(file), "%s/data.mdb", g_out);
	ck_assert_uint_eq(mode_of(g_out), 0700);
	ck_assert_uint_eq(mode_of(file), 0600);
	{
		struct stat st;
		ck_assert_int_eq(stat(file, &st), 0);
		ck_assert_uint_eq((uint64_t)st.st_size, bytes);
		ck_assert_uint_gt(bytes, BIG);
	}
	ck_assert_uint_eq(verify_backup(), 3);
}
END_TEST

static atomic_bool g_stop;
static atomic_uint g_written;

static void *writer(void *arg)
{
	(void)arg;
	for (unsigned n = 100; !atomic_load(&g_stop); n++) {
		put(n, n % 5 == 0 ? BIG : 2000);
		atomic_fetch_add(&g_written, 1);
	}
	return NULL;
}

START_TEST(test_backup_during_writes)
{
	pthread_t th;
	uint64_t bytes = 0;
	const char *why = NULL;
	unsigned got;

	for (unsigned n = 0; n < 20; n++)
		put(n, n % 4 == 0 ? BIG : 1000);
	atomic_store(&g_stop, false);
	atomic_store(&g_written, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, writer, NULL), 0);
	while (atomic_load(&g_written) < 5)
		usleep(1000);
	ck_assert_int_eq(store_backup(g_s, g_out, &bytes, &why), 0); /* g_out exists, empty */
	atomic_store(&g_stop, true);
	pthread_join(th, NULL);
	got = verify_backup();
	ck_assert_uint_ge(got, 25);
	ck_assert_uint_le(got, 20 + atomic_load(&g_written));
}
END_TEST

/* Another process grows the map past ours: the copy adopts the new size
 * (MDB_MAP_RESIZED) and starts again, and holds that process's messages. */
START_TEST(test_backup_after_another_process_grew_the_map)
{
	uint64_t size0, size1, bytes;
	const char *why = NULL;
	pid_t pid;
	int status;

	store_map_info(g_s, &size0, NULL, NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store_opts o = {0};

		o.path = g_dir;
		o.map_size = 1 << 20;
		o.map_size_max = 1ULL << 30;
		/* the parent's handle is left alone (its writer thread is not in
		 * this process); this process opens the environment afresh */
		if (store_open(&o, &g_s, &why) != 0)
			_exit(1);
		for (unsigned n = 0; n < (unsigned)(2 * (size0 / BIG) + 2); n++)
			put(n, BIG);
		store_close(&g_s);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(store_backup(g_s, g_out, &bytes, &why), 0);
	store_map_info(g_s, &size1, NULL, NULL);
	ck_assert_uint_gt(size1, size0);
	ck_assert_uint_eq(verify_backup(), 2 * (size0 / BIG) + 2);
}
END_TEST

START_TEST(test_backup_refusals)
{
	char path[400], file[400];
	uint64_t bytes = 1;
	const char *why = NULL;
	FILE *f;

	/* a non-empty directory: refused, its file untouched */
	snprintf(file, sizeof(file), "%s/data.mdb", g_out);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("earlier", f);
	fclose(f);
	ck_assert_int_eq(store_backup(g_s, g_out, &bytes, &why), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "not empty"));
	ck_assert_uint_eq(bytes, 0);
	{
		char buf[16] = {0};
		f = fopen(file, "r");
		ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
		fclose(f);
		ck_assert_str_eq(buf, "earlier");
	}
	/* a file */
	ck_assert_int_eq(store_backup(g_s, file, &bytes, &why), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "not a directory"));
	/* a missing parent: nothing made */
	snprintf(path, sizeof(path), "%s/missing/b", g_out);
	ck_assert_int_eq(store_backup(g_s, path, &bytes, &why), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "parent"));
	snprintf(path, sizeof(path), "%s/missing", g_out);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

Suite *backup_suite(void);

Suite *backup_suite(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("backup");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_backup_is_the_state_of_its_moment);
	tcase_add_test(tc, test_backup_during_writes);
	tcase_add_test(tc, test_backup_after_another_process_grew_the_map);
	tcase_add_test(tc, test_backup_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(backup_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
