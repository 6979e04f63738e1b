/* SPDX-License-Identifier: ISC */
/* Crash test: a child process writes with acknowledgements and is killed
 * with SIGKILL at random points; after reopening, every acknowledged write
 * must be there and store_check must find the environment consistent. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "balstore.h"
#include "store_test.h"

#define CRASH_ROUNDS 10
#define CRASH_WRITERS 4
#define CRASH_MAILBOXES 3
#define CRASH_KILL_MIN_MS 30
#define CRASH_KILL_MAX_MS 400
/* A child that acknowledged nothing by then is killed all the same. */
#define CRASH_FIRST_ACK_MS 20000
#define CRASH_MSG_MAX (300 * 1000)
#define CRASH_ACKS_MAX 200000
/* Whole-test guard: a hung child or verifier fails instead of blocking. */
#define CRASH_GUARD_S 60

enum ack_kind {
	ACK_APPEND = 1,     /* tag listed at (mailbox, uid), durable */
	ACK_EXPUNGE_INTENT, /* about to expunge (mailbox, uid): may or may not happen */
	ACK_EXPUNGE,        /* expunge of (mailbox, uid) durable */
};

struct ack {
	uint32_t kind;
	uint32_t uid;
	uint64_t mailbox;
	uint64_t tag;
	uint64_t size;
};

enum msg_state { MSG_LIVE = 1, MSG_MAYBE_GONE, MSG_GONE };

struct known {
	uint64_t mailbox;
	uint32_t uid;
	uint64_t tag, size;
	enum msg_state state;
};

static char dir[256];
static uint64_t mailboxes[CRASH_MAILBOXES];
static struct known *known;
static size_t n_known;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "test_store_crash: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static uint8_t pattern_byte(uint64_t tag, uint64_t i)
{
	return (uint8_t)((tag * 2654435761u + i * 31 + (i >> 8)) & 0xff);
}

static struct store *open_store(void)
{
	struct store_opts o = {.path = dir, .map_size = 1 << 20, .map_size_max = 1ULL << 30};
	struct store *s;
	const char *why = "";

	if (store_open(&o, &s, &why) != 0) {
		fail("store_open: %s", why);
		exit(1);
	}
	return s;
}

/* ---------------------------------------------------------------- child */

struct child {
	struct store *s;
	int fd;
	pthread_mutex_t lock;
};

struct op {
	uint64_t tag, size;
	uint8_t *data;
	uint64_t mb[CRASH_MAILBOXES];
	size_t n_mb;
	uint32_t uid[CRASH_MAILBOXES];
	uint64_t blob;
};

static int ap_append(struct store_txn *t, void *ctx)
{
	struct op *o = ctx;
	struct store_msg m;
	int rc = store_blob_put(t, o->data, o->size, &o->tag, sizeof(o->tag), &o->blob);

	for (size_t i = 0; i < o->n_mb && rc == 0; i++) {
		rc = store_msg_append(t, o->mb[i], o->blob, 0, 0, 0, 0, &m);
		o->uid[i] = m.uid;
	}
	return rc;
}

static int ap_expunge(struct store_txn *t, void *ctx)
{
	struct op *o = ctx;

	return store_msg_expunge(t, o->mb[0], o->uid[0]);
}

struct copy_op {
	const struct op *src;
	uint64_t dst;
	uint32_t uid;
};

static int ap_copy(struct store_txn *t, void *ctx)
{
	struct copy_op *o = ctx;
	struct store_msg m;
	int rc = store_msg_copy(t, o->src->mb[0], o->src->uid[0], o->dst, 0, &m);

	o->uid = m.uid;
	return rc;
}

static void child_ack(struct child *c, const struct ack *a)
{
	/* one write per record (< PIPE_BUF): records never interleave */
	pthread_mutex_lock(&c->lock);
	if (write(c->fd, a, sizeof(*a)) != (ssize_t)sizeof(*a))
		_exit(3);
	pthread_mutex_unlock(&c->lock);
}

static void child_append(struct child *c, struct op *o, unsigned *seed, uint64_t tag)
{
	o->tag = tag;
	o->size = 1 + (uint64_t)rand_r(seed) % CRASH_MSG_MAX;
	o->data = malloc(o->size);
	for (uint64_t i = 0; i < o->size; i++)
		o->data[i] = pattern_byte(tag, i);
	o->n_mb = 1 + (size_t)rand_r(seed) % CRASH_MAILBOXES;
	for (size_t i = 0; i < o->n_mb; i++)
		o->mb[i] = mailboxes[(i + tag) % CRASH_MAILBOXES];
	if (store_write(c->s, ap_append, o) != 0)
		_exit(4);
	for (size_t i = 0; i < o->n_mb; i++) {
		struct ack a = {ACK_APPEND, o->uid[i], o->mb[i], tag, o->size};

		child_ack(c, &a);
	}
	free(o->data);
}

/* Expunges the first listing of this thread's previous append. */
static void child_expunge(struct child *c, struct op *prev)
{
	struct ack a = {ACK_EXPUNGE_INTENT, prev->uid[0], prev->mb[0], prev->tag, 0};

	child_ack(c, &a);
	if (store_write(c->s, ap_expunge, prev) != 0)
		_exit(5);
	a.kind = ACK_EXPUNGE;
	child_ack(c, &a);
}

/* Lists this thread's previous append in one more mailbox (one more
 * reference on its blob). */
static void child_copy(struct child *c, const struct op *prev, unsigned *seed)
{
	struct copy_op o = {prev, mailboxes[(unsigned)rand_r(seed) % CRASH_MAILBOXES], 0};
	struct ack a;

	if (store_write(c->s, ap_copy, &o) != 0)
		_exit(7);
	a = (struct ack){ACK_APPEND, o.uid, o.dst, prev->tag, prev->size};
	child_ack(c, &a);
}

struct child_thread {
	struct child *c;
	unsigned seed;
	uint64_t tag_base;
};

static void *child_main(void *arg)
{
	struct child_thread *ct = arg;
	struct op prev = {0}, o;

	for (uint64_t n = 1;; n++) {
		unsigned dice = (unsigned)rand_r(&ct->seed) % 8;

		if (prev.tag != 0 && dice < 2) {
			child_expunge(ct->c, &prev);
			prev.tag = 0;
			continue;
		}
		if (prev.tag != 0 && dice < 4) {
			child_copy(ct->c, &prev, &ct->seed);
			continue;
		}
		memset(&o, 0, sizeof(o));
		child_append(ct->c, &o, &ct->seed, ct->tag_base + n);
		prev = o;
	}
	return NULL;
}

static void child_run(int fd, unsigned seed, unsigned round)
{
	struct child c = {.s = open_store(), .fd = fd};
	struct child_thread ct[CRASH_WRITERS];
	pthread_t th[CRASH_WRITERS];

	pthread_mutex_init(&c.lock, NULL);
	for (int i = 0; i < CRASH_WRITERS; i++) {
		ct[i] = (struct child_thread){&c, seed + (unsigned)i,
		                              ((uint64_t)round << 40) | ((uint64_t)i << 32)};
		pthread_create(&th[i], NULL, child_main, &ct[i]);
	}
	pause(); /* until SIGKILL */
	_exit(6);
}

/* ---------------------------------------------------------------- parent */

static struct known *find_known(uint64_t mailbox, uint32_t uid)
{
	for (size_t i = n_known; i-- > 0;)
		if (known[i].mailbox == mailbox && known[i].uid == uid)
			return &known[i];
	return NULL;
}

static int record_ack(const struct ack *a)
{
	struct known *k;

	if (a->kind == ACK_APPEND) {
		if (n_known == CRASH_ACKS_MAX)
			return fail("too many acks (%zu)", n_known);
		known[n_known++] = (struct known){a->mailbox, a->uid, a->tag, a->size, MSG_LIVE};
		return 0;
	}
	k = find_known(a->mailbox, a->uid);
	if (k == NULL)
		return fail("ack for an unknown message, uid %u", a->uid);
	k->state = a->kind == ACK_EXPUNGE ? MSG_GONE : MSG_MAYBE_GONE;
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reads acks until the child's end closes. The child is killed kill_ms
 * after its first acknowledgement, so that every round cuts into
 * acknowledged writes however slow the machine is (a loaded machine may
 * take longer than kill_ms just to open the store); a child that
 * acknowledges nothing within CRASH_FIRST_ACK_MS is killed anyway. */
static int parent_collect(int fd, pid_t pid, unsigned kill_ms)
{
	struct ack a;
	size_t have = 0;
	struct timespec t0, t_ack;
	bool killed = false, acked = false;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (!killed && ((acked && ms_since(&t_ack) >= kill_ms) ||
				(!acked && ms_since(&t0) >= CRASH_FIRST_ACK_MS))) {
			kill(pid, SIGKILL);
			killed = true;
		}
		if (poll(&p, 1, killed ? 1000 : 5) < 0 && errno != EINTR)
			return fail("poll: %s", strerror(errno));
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(fd, (char *)&a + have, sizeof(a) - have);
		if (n == 0)
			break;
		if (n < 0)
			return fail("read: %s", strerror(errno));
		have += (size_t)n;
		if (have == sizeof(a)) {
			if (record_ack(&a) != 0)
				return 1;
			have = 0;
			if (!acked)
				clock_gettime(CLOCK_MONOTONIC, &t_ack);
			acked = true;
		}
	}
	return 0;
}

static int verify_msg(struct store_txn *t, struct known *k, uint8_t *buf)
{
	struct store_msg m;
	size_t got;
	int rc = store_msg_get(t, k->mailbox, k->uid, &m);

	if (rc == 0 && k->state != MSG_LIVE) {
		k->state = MSG_GONE;
		return 0;
	}
	if (rc != 1)
		return k->state == MSG_GONE ? 0
		                            : fail("acked message lost: mailbox %llu uid %u",
		                                   (unsigned long long)k->mailbox, k->uid);
	if (k->state == MSG_GONE)
		return fail("acked expunge undone: uid %u", k->uid);
	k->state = MSG_LIVE; /* the intent did not commit: it is plainly there */
	if (m.size != k->size || store_blob_read(t, m.blob_id, 0, buf, CRASH_MSG_MAX, &got) != 0 ||
	    got != k->size)
		return fail("message size or blob wrong: uid %u", k->uid);
	for (uint64_t i = 0; i < got; i++)
		if (buf[i] != pattern_byte(k->tag, i))
			return fail("message bytes differ: uid %u", k->uid);
	return 0;
}

static int parent_verify(unsigned round)
{
	struct store *s = open_store();
	struct store_txn *t;
	uint8_t *buf = malloc(CRASH_MSG_MAX);
	const char *why = NULL;
	int bad = 0;
	size_t live = 0;

	if (store_read_begin(s, &t) != 0)
		return fail("cannot begin a read txn");
	for (size_t i = 0; i < n_known && !bad; i++) {
		bad = verify_msg(t, &known[i], buf);
		live += known[i].state == MSG_LIVE;
	}
	store_read_end(&t);
	if (!bad && store_check(s, &why) != 0)
		bad = fail("store_check: %s (round %u)", why, round);
	store_close(&s);
	free(buf);
	printf("round %u: %zu acked appends, %zu live, %s\n", round, n_known, live,
	       bad ? "FAILED" : "ok");
	return bad;
}

struct setup_ctx {
	struct store_bal bal;
	const char *why;
};

static int ap_setup(struct store_txn *t, void *ctx)
{
	struct setup_ctx *c = ctx;
	struct store_mailbox mb;
	static const char *const names[CRASH_MAILBOXES] = {"INBOX", "Sent", "Archive"};
	int rc = store_domain_add(t, "crash.test");

	if (rc == 0)
		rc = store_bal_create(t, &c->bal, &c->why);
	if (rc == 0)
		rc = store_mailbox_create(t, c->bal.id, "Archive", MBOX_SU_ARCHIVE, &mb);
	for (int i = 0; i < CRASH_MAILBOXES && rc == 0; i++) {
		rc = store_mailbox_get(t, c->bal.id, names[i], &mb);
		mailboxes[i] = mb.id;
		rc = rc == 1 ? 0 : STORE_E_NOTFOUND;
	}
	return rc;
}

static int setup_env(void)
{
	struct store *s = open_store();
	struct setup_ctx c = {0};
	int rc;

	strcpy(c.bal.address, "crash@crash.test");
	c.bal.type = BAL_PER;
	c.bal.holder_type = 8;
	strcpy(c.bal.holder, "810001234565");
	rc = store_write(s, ap_setup, &c);
	store_close(&s);
	return rc == 0 ? 0 : fail("setup: %s", c.why ? c.why : store_strerror(rc));
}

static int run_round(unsigned round, unsigned *seed)
{
	unsigned kill_ms =
	    CRASH_KILL_MIN_MS + (unsigned)rand_r(seed) % (CRASH_KILL_MAX_MS - CRASH_KILL_MIN_MS);
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0)
		return fail("pipe: %s", strerror(errno));
	/* No environment is open here: LMDB forbids using one across fork. */
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		child_run(fds[1], (unsigned)rand_r(seed), round);
	}
	close(fds[1]);
	if (parent_collect(fds[0], pid, kill_ms) != 0)
		return 1;
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return fail("child died on its own, status %d", status);
	return parent_verify(round);
}

int main(void)
{
	const char *env_seed = getenv("STORE_CRASH_SEED");
	unsigned seed = env_seed ? (unsigned)strtoul(env_seed, NULL, 10) : 20261201u;
	int bad;

	alarm(CRASH_GUARD_S);
	printf("test_store_crash: seed %u (STORE_CRASH_SEED to replay)\n", seed);
	store_test_dir(dir);
	known = calloc(CRASH_ACKS_MAX, sizeof(*known));
	bad = setup_env();
	for (unsigned r = 1; r <= CRASH_ROUNDS && !bad; r++)
		bad = run_round(r, &seed);
	if (!bad && n_known == 0)
		bad = fail("no write was acknowledged in any round");
	store_test_rmdir(dir);
	free(known);
	return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}
