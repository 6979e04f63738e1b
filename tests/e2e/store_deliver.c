/* SPDX-License-Identifier: ISC */
/* Test-only: appends one message (read from stdin) to a BAL's INBOX
 * through libbalstore, from a process of its own, as balisectl or a
 * delivery agent would while balised runs. balised's 2 s poll must make an
 * IDLE session see it (tests/e2e/test_imap_rev2.py).
 *
 *   store_deliver CONFIG ADDRESS < message
 *
 * Prints "uid N" once the write is durable; exit 0, or 1 with a reason. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "balstore.h"
#include "buf.h"
#include "cfg.h"
#include "msgsum.h"

struct deliver {
	const char *address;
	const struct buf *msg;
	const struct buf *summary;
	uint32_t uid;
};

static int deliver_apply(struct store_txn *txn, void *arg)
{
	struct deliver *d = arg;
	struct store_bal bal;
	struct store_mailbox mb;
	struct store_msg m;
	uint64_t blob;
	int r = store_bal_get_by_addr(txn, d->address, &bal);

	if (r != 1)
		return r == 0 ? STORE_E_NOTFOUND : r;
	r = store_mailbox_get(txn, bal.id, "INBOX", &mb);
	if (r != 1)
		return r == 0 ? STORE_E_NOTFOUND : r;
	r = store_blob_put(txn, d->msg->data, d->msg->len, d->summary->data, d->summary->len,
	                   &blob);
	if (r == 0)
		r = store_msg_append(txn, mb.id, blob, 0, 0, 0, 0, &m);
	if (r == 0)
		d->uid = m.uid;
	return r;
}

static int read_stdin(struct buf *b)
{
	uint8_t chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (buf_append(b, chunk, n) < 0)
			return -1;
	return ferror(stdin) ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct store_opts opts = {0};
	struct store *st = NULL;
	struct buf msg, sum;
	struct deliver d = {0};
	const char *why = NULL;
	char err[256];
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: store_deliver CONFIG ADDRESS < message\n");
		return 1;
	}
	if (cfg_load(argv[1], &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_deliver: %s\n", err);
		return 1;
	}
	buf_init(&msg, 0);
	buf_init(&sum, 0);
	if (read_stdin(&msg) < 0 || msg.len == 0 || msgsum_build(msg.data, msg.len, &sum) < 0) {
		fprintf(stderr, "store_deliver: cannot read or parse the message\n");
		return 1;
	}
	opts.path = cfg.data_dir;
	opts.map_size = cfg.map_size;
	opts.map_size_max = cfg.map_size_max;
	r = store_open(&opts, &st, &why);
	if (r == 0) {
		d.address = argv[2];
		d.msg = &msg;
		d.summary = &sum;
		r = store_write(st, deliver_apply, &d);
		store_close(&st);
	}
	buf_free(&msg);
	buf_free(&sum);
	cfg_free(&cfg);
	if (r < 0) {
		fprintf(stderr, "store_deliver: %s\n", why != NULL ? why : store_strerror(r));
		return 1;
	}
	printf("uid %u\n", d.uid);
	return 0;
}
