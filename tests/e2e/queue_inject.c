/* SPDX-License-Identifier: ISC */
/* queue_inject: a test-only tool that fills the outbound queue of a store
 * through libbalstore, since nothing in balised does yet. Built for
 * `make check` only; used by test_queue_cli.py.
 *
 *   queue_inject DATA_DIR [--from ADDR] [--rcpt ADDR]... [--envid X]
 *                [--ret FULL|HDRS] [--notify BITS] [--orcpt TYPE VALUE]
 *                [--bal ID] [--arrival T] [--next T] [--expires T]
 *                [--blob ID | --message FILE] [--lose-blob]
 *                [--attempt IDX STATE CODE ENH TEXT HOST]...
 *     adds one entry (a new blob holding a small message, or FILE's bytes,
 *     unless --blob names an existing one), then records the attempts given in one
 *     write; prints "ID BLOB_ID". --lose-blob then drops the entry's blob
 *     reference in the same write, so that its blob is gone (damage).
 *   queue_inject DATA_DIR --refs BLOB_ID
 *     prints the blob's reference count, or "gone". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "store_int.h" /* store_blob_ref, for --lose-blob */

#define INJ_RCPTS_MAX 8
#define INJ_ATTEMPTS_MAX 8

static const char inj_message[] = "From: <dr.martin@example.test>\r\n"
                                  "To: <dest@other.test>\r\n"
                                  "Subject: queued\r\n"
                                  "\r\n"
                                  "Bonjour.\r\n";

struct inj {
	struct store_qentry e;
	struct store_qrcpt rcpts[INJ_RCPTS_MAX];
	struct store_qresult res[INJ_ATTEMPTS_MAX];
	size_t n_res;
	bool new_blob;
	bool lose_blob;
	char *message; /* --message FILE's bytes, or NULL */
	size_t message_len;
	const char *why;
	bool deleted;
};

static void inj_die(const char *what)
{
	fprintf(stderr, "queue_inject: %s\n", what);
	exit(2);
}

static void inj_copy(char *dst, size_t dstsz, const char *src)
{
	/* Over-long values are passed on unterminated so that the store's
	 * limits are what refuses them. */
	size_t n = strlen(src);

	memcpy(dst, src, n < dstsz ? n + 1 : dstsz);
}

static int64_t inj_num(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		inj_die("expected a number");
	return v;
}

static enum store_qrcpt_state inj_state(const char *s)
{
	for (int st = QRCPT_PENDING; st <= QRCPT_DELAY_NOTIFIED; st++)
		if (strcmp(s, store_qrcpt_state_name(st)) == 0)
			return st;
	inj_die("unknown recipient state");
	return QRCPT_PENDING;
}

/* --attempt IDX STATE CODE ENH TEXT HOST */
static int inj_attempt(struct inj *q, char **argv, int i, int argc)
{
	struct store_qresult *r;

	if (i + 6 >= argc || q->n_res == INJ_ATTEMPTS_MAX)
		inj_die("--attempt needs IDX STATE CODE ENH TEXT HOST");
	r = &q->res[q->n_res++];
	r->rcpt = (size_t)inj_num(argv[i + 1]);
	r->state = inj_state(argv[i + 2]);
	r->reply.code = (unsigned)inj_num(argv[i + 3]);
	inj_copy(r->reply.enhanced, sizeof(r->reply.enhanced), argv[i + 4]);
	inj_copy(r->reply.text, sizeof(r->reply.text), argv[i + 5]);
	inj_copy(r->reply.host, sizeof(r->reply.host), argv[i + 6]);
	return i + 6;
}

static void inj_read_message(struct inj *q, const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		inj_die("--message: cannot read the file");
	q->message = malloc((size_t)n + 1);
	if (q->message == NULL || fread(q->message, 1, (size_t)n, f) != (size_t)n)
		inj_die("--message: cannot read the file");
	q->message_len = (size_t)n;
	fclose(f);
}

static int inj_rcpt_opt(struct inj *q, char **argv, int i, int argc)
{
	struct store_qrcpt *r = q->e.n_rcpts ? &q->rcpts[q->e.n_rcpts - 1] : NULL;
	const char *a = argv[i];

	if (strcmp(a, "--rcpt") == 0) {
		if (q->e.n_rcpts == INJ_RCPTS_MAX)
			inj_die("too many --rcpt");
		inj_copy(q->rcpts[q->e.n_rcpts++].address, STORE_QADDR_MAX + 1, argv[i + 1]);
		return i + 1;
	}
	if (r == NULL)
		inj_die("--notify and --orcpt follow the --rcpt they apply to");
	if (strcmp(a, "--notify") == 0) {
		r->notify = (unsigned)inj_num(argv[i + 1]);
		return i + 1;
	}
	if (i + 2 >= argc)
		inj_die("--orcpt needs TYPE VALUE");
	inj_copy(r->orcpt_type, sizeof(r->orcpt_type), argv[i + 1]);
	inj_copy(r->orcpt, sizeof(r->orcpt), argv[i + 2]);
	return i + 2;
}

static void inj_parse(struct inj *q, int argc, char **argv)
{
	q->e.rcpts = q->rcpts;
	q->new_blob = true;
	strcpy(q->e.return_path, "dr.martin@example.test");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--lose-blob") == 0) { /* the one option without a value */
			q->lose_blob = true;
			continue;
		}
		if (i + 1 >= argc)
			inj_die("option without its value");
		if (strcmp(a, "--rcpt") == 0 || strcmp(a, "--notify") == 0 ||
		    strcmp(a, "--orcpt") == 0)
			i = inj_rcpt_opt(q, argv, i, argc);
		else if (strcmp(a, "--attempt") == 0)
			i = inj_attempt(q, argv, i, argc);
		else if (strcmp(a, "--from") == 0)
			inj_copy(q->e.return_path, sizeof(q->e.return_path), argv[++i]);
		else if (strcmp(a, "--envid") == 0)
			inj_copy(q->e.envid, sizeof(q->e.envid), argv[++i]);
		else if (strcmp(a, "--ret") == 0)
			q->e.ret = strcmp(argv[++i], "FULL") == 0 ? QRET_FULL : QRET_HDRS;
		else if (strcmp(a, "--bal") == 0)
			q->e.bal_id = (uint64_t)inj_num(argv[++i]);
		else if (strcmp(a, "--arrival") == 0)
			q->e.arrival = inj_num(argv[++i]);
		else if (strcmp(a, "--next") == 0)
			q->e.next_attempt = inj_num(argv[++i]);
		else if (strcmp(a, "--expires") == 0)
			q->e.expires = inj_num(argv[++i]);
		else if (strcmp(a, "--message") == 0)
			inj_read_message(q, argv[++i]);
		else if (strcmp(a, "--blob") == 0) {
			q->e.blob_id = (uint64_t)inj_num(argv[++i]);
			q->new_blob = false;
		} else
			inj_die("unknown option");
	}
}

static int inj_add(struct store_txn *txn, void *arg)
{
	struct inj *q = arg;
	int rc = 0;

	if (q->new_blob && q->message != NULL)
		rc = store_blob_put(txn, q->message, q->message_len, NULL, 0, &q->e.blob_id);
	else if (q->new_blob)
		rc = store_blob_put(txn, inj_message, sizeof(inj_message) - 1, NULL, 0,
		                    &q->e.blob_id);
	if (rc == 0)
		rc = store_queue_add(txn, &q->e, &q->why);
	if (rc == 0 && q->lose_blob)
		rc = store_blob_ref(txn, q->e.blob_id, -1);
	return rc;
}

/* The attempts, made "now" (the arrival time when given), due again in an
 * hour. */
static int inj_attempts(struct store_txn *txn, void *arg)
{
	struct inj *q = arg;
	int64_t now = q->e.arrival;

	return store_queue_attempt(txn, q->e.id, now, q->res, q->n_res, now + 3600, &q->deleted,
	                           &q->why);
}

static int inj_refs(struct store *s, const char *arg)
{
	struct store_txn *txn;
	uint32_t refs;
	int rc = store_read_begin(s, &txn);

	if (rc == 0) {
		rc = store_blob_info(txn, (uint64_t)inj_num(arg), NULL, &refs, NULL, NULL);
		store_read_end(&txn);
	}
	if (rc == STORE_E_NOTFOUND)
		printf("gone\n");
	else if (rc == 0)
		printf("%u\n", refs);
	return rc == 0 || rc == STORE_E_NOTFOUND ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct store_opts o = {0};
	struct store *s;
	static struct inj q;
	const char *why = NULL;
	int rc;

	if (argc < 2)
		inj_die("usage: queue_inject DATA_DIR [options]");
	o.path = argv[1];
	rc = store_open(&o, &s, &why);
	if (rc != 0) {
		fprintf(stderr, "queue_inject: %s: %s\n", argv[1], why ? why : store_strerror(rc));
		return 1;
	}
	if (argc == 4 && strcmp(argv[2], "--refs") == 0) {
		rc = inj_refs(s, argv[3]);
		store_close(&s);
		return rc;
	}
	inj_parse(&q, argc, argv);
	rc = store_write(s, inj_add, &q);
	if (rc == 0 && q.n_res > 0)
		rc = store_write(s, inj_attempts, &q);
	store_close(&s);
	if (rc != 0) {
		fprintf(stderr, "queue_inject: %s%s%s\n", store_strerror(rc), q.why ? ": " : "",
		        q.why ? q.why : "");
		return 1;
	}
	printf("%llu %llu\n", (unsigned long long)q.e.id, (unsigned long long)q.e.blob_id);
	return 0;
}
