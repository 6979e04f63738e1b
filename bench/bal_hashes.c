/* SPDX-License-Identifier: ISC */
/* bal_hashes DATA_DIR: prints "address hash" for every BAL of a balise store,
 * so that bench/imap_bench.sh can give Dovecot the very argon2id hashes
 * balisectl made. A benchmark tool: it prints password hashes, which
 * balisectl never does; never install it. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "balstore.h"

static int print_bal(void *arg, const struct store_bal *bal)
{
	(void)arg;
	if (bal->password_hash[0] != '\0')
		printf("%s %s\n", bal->address, bal->password_hash);
	return 0;
}

int main(int argc, char **argv)
{
	struct store_opts o;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	const char *why = "";
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: bal_hashes DATA_DIR\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.path = argv[1];
	if ((rc = store_open(&o, &s, &why)) != 0) {
		fprintf(stderr, "bal_hashes: %s: %s: %s\n", argv[1], store_strerror(rc), why);
		return 1;
	}
	if ((rc = store_read_begin(s, &txn)) == 0) {
		rc = store_bal_each(txn, print_bal, NULL);
		store_read_end(&txn);
	}
	store_close(&s);
	if (rc != 0)
		fprintf(stderr, "bal_hashes: %s\n", store_strerror(rc));
	return rc == 0 ? 0 : 1;
}
