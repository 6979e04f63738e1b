/* SPDX-License-Identifier: ISC */
/* Fuzz target: opening a stored summary that may be corrupt, then every
 * accessor and section lookup on whatever msgsum_open accepted. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "msgsum.h"

#define FUZZ_MSGSUM_MAX_WALK 4 /* section path depth and width walked */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct msgsum_view *v, char *path, size_t len, unsigned depth)
{
	for (unsigned n = 1; n <= FUZZ_MSGSUM_MAX_WALK; n++) {
		struct msgsum_part p;
		size_t l = len + (size_t)snprintf(path + len, 16, "%s%u", len ? "." : "", n);
		if (msgsum_section_part(v, path, l, &p) != 1)
			continue;
		if (p.body_off + p.body_len > v->msg_size || p.hdr_off + p.hdr_len > v->msg_size)
			abort();
		if (depth < FUZZ_MSGSUM_MAX_WALK)
			walk(v, path, l, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msgsum_view v;
	struct msgsum_part p;
	char path[128];
	volatile uint8_t sink = 0;

	if (msgsum_open(data, size, &v) != 0)
		return 0;
	for (int i = 0; i < MSGSUM_STR_COUNT + 2; i++) {
		struct slice s = msgsum_str(&v, (enum msgsum_str)i);
		for (size_t j = 0; j < s.len; j++)
			sink ^= s.p[j]; /* every byte must be readable */
	}
	(void)msgsum_date(&v);
	msgsum_section_part(&v, "", 0, &p);
	walk(&v, path, 0, 1);
	(void)sink;
	return 0;
}
