/* SPDX-License-Identifier: ISC */
/* Driver for xcheck_imap_sort.py (the Dovecot cross-check of SORT and
 * THREAD): reads DIR/m0000, m0001, ... (raw messages) and DIR/dates.txt
 * (one internal date per message), and prints "COMMAND => answer" for each
 * "SORT (criteria)" or "THREAD ALGORITHM" argument. Not part of make
 * check; built by the script against a build directory. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_sort.h"
#include "imap_thread.h"
#include "msgsum.h"

#define XCHECK_MAX_MSGS 5000
#define XCHECK_MAX_SIZE (1 << 20)

static const char *const xcheck_keys[] = {"ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT",
                                          "TO", "DISPLAYFROM", "DISPLAYTO"};

static size_t xcheck_load(const char *dir, struct imap_sort_msg *msgs, struct buf *sums)
{
	static uint8_t data[XCHECK_MAX_SIZE];
	char path[4096];
	long long idate;
	size_t n = 0;
	FILE *df;

	snprintf(path, sizeof(path), "%s/dates.txt", dir);
	if ((df = fopen(path, "r")) == NULL)
		exit(2);
	while (n < XCHECK_MAX_MSGS && fscanf(df, "%lld", &idate) == 1) {
		struct msgsum_view v;
		size_t len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/m%04zu", dir, n);
		if ((f = fopen(path, "rb")) == NULL)
			exit(2);
		len = fread(data, 1, sizeof(data), f);
		fclose(f);
		buf_init(&sums[n], 0);
		if (msgsum_build(data, len, &sums[n]) < 0 ||
		    msgsum_open(sums[n].data, sums[n].len, &v) < 0)
			exit(3);
		memset(&msgs[n], 0, sizeof(msgs[n]));
		msgs[n].seq = msgs[n].uid = (uint32_t)n + 1;
		msgs[n].internal_date = idate;
		imap_sort_msg_fill(&msgs[n], &v);
		n++;
	}
	fclose(df);
	return n;
}

/* "SORT (REVERSE DATE SUBJECT)" to a program, by hand (no IMAP parser). */
static void xcheck_sort(const char *cmd, const struct imap_sort_msg *msgs, size_t n,
                        struct buf *out)
{
	struct imap_sort_program prog = {.n = 0};
	uint32_t *order = malloc((n != 0 ? n : 1) * sizeof(*order));
	char tmp[256], *tok, *save, *lp = strchr(cmd, '('), *rp;
	bool reverse = false;

	snprintf(tmp, sizeof(tmp), "%s", lp != NULL ? lp + 1 : "");
	if ((rp = strchr(tmp, ')')) != NULL)
		*rp = '\0';
	for (tok = strtok_r(tmp, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "REVERSE") == 0) {
			reverse = true;
			continue;
		}
		for (unsigned k = 0; k < sizeof(xcheck_keys) / sizeof(xcheck_keys[0]); k++)
			if (strcmp(tok, xcheck_keys[k]) == 0 && prog.n < IMAP_SORT_MAX_CRITERIA)
				prog.c[prog.n++] = (struct imap_sort_criterion){k, reverse};
		reverse = false;
	}
	imap_sort_run(&prog, msgs, n, order);
	imap_sort_render(msgs, order, n, false, out);
	free(order);
}

int main(int argc, char **argv)
{
	static struct imap_sort_msg msgs[XCHECK_MAX_MSGS];
	static struct buf sums[XCHECK_MAX_MSGS];
	size_t n;

	if (argc < 2)
		return 2;
	n = xcheck_load(argv[1], msgs, sums);
	for (int a = 2; a < argc; a++) {
		struct buf out;

		buf_init(&out, 0);
		if (strncmp(argv[a], "THREAD ", 7) == 0)
			imap_thread_run(strstr(argv[a], "REFERENCES") != NULL ? IMAP_THREAD_REFERENCES
			                                                      : IMAP_THREAD_ORDEREDSUBJECT,
			                msgs, n, false, &out);
		else
			xcheck_sort(argv[a], msgs, n, &out);
		buf_cstr(&out);
		printf("%s => %s\n", argv[a],
		       out.len > 0 && out.data[0] == ' ' ? (char *)out.data + 1 : (char *)out.data);
		buf_free(&out);
	}
	for (size_t i = 0; i < n; i++)
		buf_free(&sums[i]);
	return 0;
}
