/* SPDX-License-Identifier: ISC */
/* sieve-run: runs a script on a message with libbalsieve and prints the
 * action list in the canonical form sieve_diff.py compares with Pigeonhole's
 * sieve-test: one action per line ("keep", "fileinto NAME", "redirect ADDR",
 * "discard", "vacation seconds=N", "reject", "ereject", "duplicate"), flags appended as
 * " flags=a,b" in lower case, "compile-error" or "error" first.
 *   sieve-run [-f SENDER] [-a RECIPIENT] SCRIPT MESSAGE */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "sieve.h"

static int slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return -1;
	buf_init(b, 0);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(b, tmp, n);
	fclose(f);
	return 0;
}

static void print_action(const struct sieve_action *a)
{
	switch (a->type) {
	case SIEVE_ACT_KEEP: printf("keep"); break;
	case SIEVE_ACT_FILEINTO:
		if (strcasecmp(a->target, "INBOX") == 0)
			printf("keep");
		else
			printf("fileinto %s", a->target);
		break;
	case SIEVE_ACT_REDIRECT: printf("redirect %s", a->target); break;
	case SIEVE_ACT_DISCARD: printf("discard"); break;
	case SIEVE_ACT_VACATION: printf("vacation seconds=%llu", (unsigned long long)a->seconds); break;
	case SIEVE_ACT_REJECT: printf("reject"); break;
	case SIEVE_ACT_EREJECT: printf("ereject"); break;
	case SIEVE_ACT_DUPLICATE: printf("duplicate"); break;
	}
	for (unsigned i = 0; i < a->nflags; i++) {
		printf("%s", i ? "," : " flags=");
		for (const char *p = a->flags[i]; *p; p++)
			putchar(tolower((unsigned char)*p));
	}
	putchar('\n');
}

/* A fresh store holds INBOX only, as Pigeonhole's sieve-test sees it. */
static int inbox_only(void *ctx, const char *mailbox)
{
	(void)ctx;
	return strcmp(mailbox, "INBOX") == 0;
}

int main(int argc, char **argv)
{
	const char *from = "sender@example.org", *to = "alice@example.com";
	struct buf script, msg;
	struct sieve_script *s;
	struct sieve_error err;
	struct sieve_msg_env env;
	struct sieve_result r;
	int c;

	while ((c = getopt(argc, argv, "f:a:")) != -1) {
		if (c == 'f')
			from = optarg;
		else if (c == 'a')
			to = optarg;
		else
			return 2;
	}
	if (argc - optind != 2 || slurp(argv[optind], &script) < 0 ||
	    slurp(argv[optind + 1], &msg) < 0) {
		fprintf(stderr, "usage: sieve-run [-f SENDER] [-a RECIPIENT] SCRIPT MESSAGE\n");
		return 2;
	}
	if (sieve_compile((const char *)script.data, script.len, NULL, &s, &err) < 0) {
		printf("compile-error\n");
		fprintf(stderr, "%u:%u: %s\n", err.line, err.col, err.msg);
		buf_free(&script);
		buf_free(&msg);
		return 0;
	}
	memset(&env, 0, sizeof(env));
	env.msg = msg.data;
	env.len = msg.len;
	env.mail_from = from;
	env.rcpt_to = to;
	env.now = time(NULL);
	env.mailbox_exists = inbox_only;
	sieve_run(s, &env, &r);
	if (r.error != NULL) {
		printf("error\n");
		fprintf(stderr, "run-time error: %s\n", r.error);
	}
	for (unsigned i = 0; i < r.n; i++)
		print_action(&r.v[i]);
	sieve_result_free(&r);
	sieve_script_free(&s);
	buf_free(&script);
	buf_free(&msg);
	return 0;
}
