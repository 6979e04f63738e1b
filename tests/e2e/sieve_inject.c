/* SPDX-License-Identifier: ISC */
/* sieve_inject: a test-only tool that stores a Sieve script for a BAL
 * through libbalstore, without the upload checks (the forwarding rule is
 * not applied: how test_sieve_delivery.py tests the refusal at delivery).
 * A script that compiles is stored with its compiled form (version 1);
 * one that does not gets a placeholder form ("test", version 0) that
 * delivery compiles again (and logs). Built for make check only; used by
 * test_sieve_cli.py and test_sieve_delivery.py.
 *
 *   sieve_inject DATA_DIR ADDRESS NAME FILE [--active]
 *     stores FILE's bytes as script NAME of the BAL at ADDRESS (replacing
 *     one of that name), and makes it the active one with --active. Exit 0,
 *     or 1 with the store's reason on stderr. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "sieve.h"

struct inj {
	const char *address, *name;
	struct slice text;
	struct buf compiled;
	bool active;
	enum store_sieve_space space;
	const char *why;
};

static int inj_apply(struct store_txn *txn, void *arg)
{
	struct inj *q = arg;
	struct store_bal b;
	int rc = store_bal_get_by_addr(txn, q->address, &b);

	q->why = NULL;
	if (rc <= 0)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	rc = q->compiled.len > 0 ? store_sieve_put(txn, b.id, q->name, q->text, 1,
	                                           buf_slice(&q->compiled), 0, &q->space, &q->why)
	                         : store_sieve_put(txn, b.id, q->name, q->text, 0, SLICE_STR("test"),
	                                           0, &q->space, &q->why);
	if (rc == 0 && q->active)
		rc = store_sieve_set_active(txn, b.id, q->name);
	return rc;
}

/* The compiled form when the script compiles (no redirect check). */
static void inj_compile(struct inj *q)
{
	struct sieve_script *sc = NULL;
	struct sieve_error err;

	buf_init(&q->compiled, 0);
	if (sieve_compile((const char *)q->text.p, q->text.len, NULL, &sc, &err) != 0)
		return;
	if (sieve_save(sc, &q->compiled) < 0)
		q->compiled.len = 0;
	sieve_script_free(&sc);
}

static char *inj_read(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *data = malloc(STORE_SIEVE_SCRIPT_MAX + 2);

	if (f == NULL || data == NULL) {
		perror(path);
		exit(2);
	}
	*len_r = fread(data, 1, STORE_SIEVE_SCRIPT_MAX + 1, f);
	fclose(f);
	return data;
}

int main(int argc, char **argv)
{
	struct store_opts o = {0};
	struct store *s;
	struct inj q = {0};
	const char *why = NULL;
	size_t len;
	char *data;
	int rc;

	if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "--active") != 0)) {
		fprintf(stderr, "usage: sieve_inject DATA_DIR ADDRESS NAME FILE [--active]\n");
		return 2;
	}
	data = inj_read(argv[4], &len);
	q.address = argv[2];
	q.name = argv[3];
	q.text = (struct slice){(const uint8_t *)data, len};
	q.active = argc == 6;
	inj_compile(&q);
	o.path = argv[1];
	if (store_open(&o, &s, &why) != 0) {
		fprintf(stderr, "sieve_inject: %s\n", why);
		return 2;
	}
	rc = store_write(s, inj_apply, &q);
	store_close(&s);
	buf_free(&q.compiled);
	free(data);
	if (rc != 0) {
		fprintf(stderr, "sieve_inject: %s%s%s\n", store_strerror(rc), q.why ? ": " : "",
		        q.why ? q.why : "");
		return 1;
	}
	return 0;
}
