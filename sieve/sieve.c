/* SPDX-License-Identifier: ISC */
/* Compilation entry point: parse, validate, and the script's lifetime. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sieve_int.h"
#include "util.h"

void sieve_script_free(struct sieve_script **s)
{
	if (*s == NULL)
		return;
	sieve_nodes_free((*s)->cmds, (*s)->ncmds);
	free(*s);
	*s = NULL;
}

int sieve_compile(const char *script, size_t len, const struct sieve_compile_hooks *hooks,
                  struct sieve_script **script_r, struct sieve_error *err)
{
	struct sieve_script *s = xcalloc(1, sizeof(*s));
	struct sieve_error dummy;

	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	*script_r = NULL;
	if (sieve_parse(script, len, &s->cmds, &s->ncmds, err) < 0 ||
	    sieve_validate(s, hooks, err) < 0) {
		sieve_script_free(&s);
		return -1;
	}
	*script_r = s;
	return 0;
}
