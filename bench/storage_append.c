/* SPDX-License-Identifier: ISC */
/* Storage benchmark: W threads each deliver their share of N messages of S
 * bytes (blob + one listing) through the group-commit writer, durably, into
 * M mailboxes; prints messages/s and MB/s. -F instead measures the I/O floor
 * of such commits without LMDB. See storage_append.sh and RESULTS.md. */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "balstore.h"

#define BENCH_MAILBOXES_MAX 1000
#define BENCH_WRITERS_MAX 256

struct bench {
	struct store *s;
	uint64_t mailboxes[BENCH_MAILBOXES_MAX];
	unsigned n_mailboxes;
	unsigned writers;
	uint64_t n_msgs;
	size_t size;
	uint8_t *data;
	unsigned long failures;
	pthread_mutex_t lock;
};

struct deliver {
	const struct bench *b;
	uint64_t mailbox;
};

static int ap_deliver(struct store_txn *t, void *ctx)
{
	struct deliver *d = ctx;
	uint64_t blob;
	int rc = store_blob_put(t, d->b->data, d->b->size, NULL, 0, &blob);

	if (rc == 0)
		rc = store_msg_append(t, d->mailbox, blob, 0, 0, 0, 0, NULL);
	return rc;
}

struct writer {
	struct bench *b;
	unsigned index;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct bench *b = w->b;
	unsigned long failures = 0;

	/* message i goes to writer i % writers and to mailbox i % mailboxes */
	for (uint64_t i = w->index; i < b->n_msgs; i += b->writers) {
		struct deliver d = {b, b->mailboxes[i % b->n_mailboxes]};

		if (store_write(b->s, ap_deliver, &d) != 0)
			failures++;
	}
	pthread_mutex_lock(&b->lock);
	b->failures += failures;
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

struct setup {
	struct bench *b;
	struct store_bal bal;
	const char *why;
};

static int ap_setup(struct store_txn *t, void *ctx)
{
	struct setup *su = ctx;
	struct store_mailbox mb;
	char name[32];
	int rc = store_domain_add(t, "bench.test");

	if (rc == 0)
		rc = store_bal_create(t, &su->bal, &su->why);
	for (unsigned i = 0; i < su->b->n_mailboxes && rc == 0; i++) {
		snprintf(name, sizeof(name), "box%u", i);
		rc = store_mailbox_create(t, su->bal.id, name, MBOX_SU_NONE, &mb);
		su->b->mailboxes[i] = mb.id;
	}
	return rc;
}

static int bench_setup(struct bench *b)
{
	struct setup su = {.b = b};
	int rc;

	strcpy(su.bal.address, "bench@bench.test");
	su.bal.type = BAL_PER;
	su.bal.holder_type = 8;
	strcpy(su.bal.holder, "810001234565");
	rc = store_write(b->s, ap_setup, &su);
	if (rc != 0)
		fprintf(stderr, "setup: %s %s\n", store_strerror(rc), su.why ? su.why : "");
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_run(struct bench *b)
{
	pthread_t th[BENCH_WRITERS_MAX];
	struct writer w[BENCH_WRITERS_MAX];
	uint64_t batches, requests;
	double t0, dt;

	t0 = now_s();
	for (unsigned i = 0; i < b->writers; i++) {
		w[i] = (struct writer){b, i};
		pthread_create(&th[i], NULL, writer_main, &w[i]);
	}
	for (unsigned i = 0; i < b->writers; i++)
		pthread_join(th[i], NULL);
	dt = now_s() - t0;
	store_write_stats(b->s, &batches, &requests);
	printf("messages=%llu size=%zu mailboxes=%u writers=%u seconds=%.3f msgs_per_s=%.0f "
	       "MB_per_s=%.1f batches=%llu failures=%lu\n",
	       (unsigned long long)b->n_msgs, b->size, b->n_mailboxes, b->writers, dt,
	       (double)b->n_msgs / dt, (double)b->n_msgs * (double)b->size / dt / 1e6,
	       (unsigned long long)batches - 1, b->failures);
	return b->failures == 0 ? 0 : 1;
}

/* The disk's cost for the same commits without LMDB: per batch of W
 * messages, append W * S bytes, fdatasync, then a 4 KB O_DSYNC write in
 * place (LMDB's meta page): the two flushes every durable commit pays. */
static int bench_floor(const char *dir, const struct bench *b)
{
	char path[4096];
	static uint8_t meta[4096];
	size_t batch = b->size * b->writers;
	uint8_t *buf = calloc(1, batch);
	int fd, mfd;
	off_t off = sizeof(meta);
	double t0, dt;

	snprintf(path, sizeof(path), "%s/floor.dat", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	mfd = open(path, O_WRONLY | O_DSYNC);
	if (fd < 0 || mfd < 0 || pwrite(fd, meta, sizeof(meta), 0) < 0 || fsync(fd) != 0)
		return 1;
	t0 = now_s();
	for (uint64_t done = 0; done < b->n_msgs; done += b->writers) {
		if (pwrite(fd, buf, batch, off) != (ssize_t)batch || fdatasync(fd) != 0 ||
		    pwrite(mfd, meta, sizeof(meta), 0) != (ssize_t)sizeof(meta))
			return 1;
		off += (off_t)batch;
	}
	dt = now_s() - t0;
	printf("floor messages=%llu size=%zu batch=%u seconds=%.3f msgs_per_s=%.0f MB_per_s=%.1f\n",
	       (unsigned long long)b->n_msgs, b->size, b->writers, dt, (double)b->n_msgs / dt,
	       (double)b->n_msgs * (double)b->size / dt / 1e6);
	close(fd);
	close(mfd);
	unlink(path);
	free(buf);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: storage_append -d DIR [-n MESSAGES] [-s BYTES] [-m MAILBOXES] "
	                "[-w WRITERS] [-M MAP_MIB] [-T] [-F]\n"
	                "  -T  malloc tuning: keep freed memory (see RESULTS.md)\n"
	                "  -F  measure the I/O floor of the same commits, without LMDB\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench b = {.n_msgs = 10000, .size = 10 * 1000, .n_mailboxes = 1, .writers = 32};
	struct store_opts o = {.map_size = 1ULL << 30};
	const char *why = "";
	bool floor_only = false;
	int c, rc;

	while ((c = getopt(argc, argv, "d:n:s:m:w:M:F")) != -1) {
		switch (c) {
		case 'd':
			o.path = optarg;
			break;
		case 'n':
			b.n_msgs = strtoull(optarg, NULL, 10);
			break;
		case 's':
			b.size = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			b.n_mailboxes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			b.writers = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'M':
			o.map_size = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'F':
			floor_only = true;
			break;
		default:
			usage();
		}
	}
	if (o.path == NULL || b.n_mailboxes == 0 || b.n_mailboxes > BENCH_MAILBOXES_MAX ||
	    b.writers == 0 || b.writers > BENCH_WRITERS_MAX || b.size == 0)
		usage();
	if (floor_only)
		return bench_floor(o.path, &b);
	b.data = malloc(b.size);
	for (size_t i = 0; i < b.size; i++)
		b.data[i] = (uint8_t)(i * 131 + (i >> 7));
	pthread_mutex_init(&b.lock, NULL);
	if ((rc = store_open(&o, &b.s, &why)) != 0) {
		fprintf(stderr, "store_open: %s: %s\n", store_strerror(rc), why);
		return 1;
	}
	rc = bench_setup(&b);
	if (rc == 0)
		rc = bench_run(&b);
	store_close(&b.s);
	free(b.data);
	return rc == 0 ? 0 : 1;
}
