/* SPDX-License-Identifier: ISC */
/* Interpreter: walks the compiled form against one message (RFC 5228 §3
 * control commands, §5.8-§5.10 test combinators), counts every step
 * against the budget, and ends with the implicit keep (§2.10.2). A
 * run-time error drops every action and keeps the message. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sieve_run_int.h"
#include "util.h"

int sieve_rt_error(struct sieve_run *r, const char *fmt, ...)
{
	va_list ap;
	char msg[SIEVE_MAX_ERROR];

	if (r->error == NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		r->error = xstrdup(msg);
	}
	return -1;
}

int sieve_step(struct sieve_run *r, uint64_t cost)
{
	r->steps += cost;
	if (r->steps > SIEVE_MAX_STEPS)
		return sieve_rt_error(r, "instruction budget spent (limit %d)", SIEVE_MAX_STEPS);
	return 0;
}

struct mime_msg *sieve_mime(struct sieve_run *r)
{
	if (r->mime == NULL)
		mime_parse(r->hdr.p, r->hdr.len + r->body.len, &r->mime);
	return r->mime;
}

static int test_size(struct sieve_run *r, const struct sieve_node *n)
{
	uint64_t len = r->env->msg != NULL ? r->env->len : 0;

	return (n->flags & SIEVE_F_OVER) ? len > n->size : len < n->size;
}

static int eval(struct sieve_run *r, const struct sieve_node *n);

/* allof / anyof short-circuit (RFC 5228 §5.2, §5.3). */
static int eval_list(struct sieve_run *r, const struct sieve_node *n, bool all)
{
	for (unsigned i = 0; i < n->ntests; i++) {
		int rc = eval(r, &n->tests[i]);
		if (rc < 0)
			return -1;
		if (rc != all)
			return !all;
	}
	return all;
}

static int eval(struct sieve_run *r, const struct sieve_node *n)
{
	int rc;

	if (sieve_step(r, 1) < 0)
		return -1;
	switch (n->id) {
	case SIEVE_T_TRUE: return 1;
	case SIEVE_T_FALSE: return 0;
	case SIEVE_T_NOT:
		rc = eval(r, &n->tests[0]);
		return rc < 0 ? -1 : !rc;
	case SIEVE_T_ALLOF: return eval_list(r, n, true);
	case SIEVE_T_ANYOF: return eval_list(r, n, false);
	case SIEVE_T_SIZE: return test_size(r, n);
	case SIEVE_T_HEADER: return sieve_test_header(r, n);
	case SIEVE_T_ADDRESS: return sieve_test_address(r, n);
	case SIEVE_T_ENVELOPE: return sieve_test_envelope(r, n);
	case SIEVE_T_EXISTS: return sieve_test_exists(r, n);
	case SIEVE_T_STRING: return sieve_test_string(r, n);
	case SIEVE_T_HASFLAG: return sieve_test_hasflag(r, n);
	case SIEVE_T_BODY: return sieve_test_body(r, n);
	case SIEVE_T_DATE:
	case SIEVE_T_CURRENTDATE: return sieve_test_date(r, n);
	case SIEVE_T_MAILBOXEXISTS: return sieve_test_mailboxexists(r, n);
	case SIEVE_T_DUPLICATE: return sieve_test_duplicate(r, n);
	default: return sieve_rt_error(r, "unknown test %u", n->id);
	}
}

static int run_block(struct sieve_run *r, const struct sieve_node *v, unsigned n);

static int exec(struct sieve_run *r, const struct sieve_node *n, bool *chain)
{
	int rc;

	if (sieve_step(r, 1) < 0)
		return -1;
	switch (n->id) {
	case SIEVE_IF:
	case SIEVE_ELSIF:
		if (n->id == SIEVE_ELSIF && *chain)
			return 0;
		if ((rc = eval(r, &n->tests[0])) < 0)
			return -1;
		*chain = rc;
		return rc ? run_block(r, n->block, n->nblock) : 0;
	case SIEVE_ELSE:
		return *chain ? 0 : run_block(r, n->block, n->nblock);
	case SIEVE_REQUIRE: return 0;
	case SIEVE_STOP:
		r->stopped = true;
		return 0;
	case SIEVE_SETFLAG:
	case SIEVE_ADDFLAG:
	case SIEVE_REMOVEFLAG: return sieve_cmd_flags(r, n);
	case SIEVE_SET: return sieve_cmd_set(r, n);
	case SIEVE_VACATION: return sieve_cmd_vacation(r, n);
	default: return sieve_cmd_action(r, n);
	}
}

static int run_block(struct sieve_run *r, const struct sieve_node *v, unsigned n)
{
	bool chain = false;

	for (unsigned i = 0; i < n && !r->stopped; i++) {
		bool was_if = v[i].id == SIEVE_IF || v[i].id == SIEVE_ELSIF;
		if (!was_if && v[i].id != SIEVE_ELSE)
			chain = false;
		if (exec(r, &v[i], &chain) < 0)
			return -1;
	}
	return 0;
}

static void split_message(struct sieve_run *r)
{
	const uint8_t *m = r->env->msg != NULL ? r->env->msg : (const uint8_t *)"";
	size_t len = r->env->msg != NULL ? r->env->len : 0, i;

	for (i = 0; i < len; i++) {
		if (m[i] != '\n')
			continue;
		if (i + 1 < len && m[i + 1] == '\n') {
			i += 2;
			break;
		}
		if (i + 2 < len && m[i + 1] == '\r' && m[i + 2] == '\n') {
			i += 3;
			break;
		}
	}
	if (len > 0 && m[0] == '\n')
		i = 1;
	else if (len > 1 && m[0] == '\r' && m[1] == '\n')
		i = 2;
	if (i > len)
		i = len;
	r->hdr = (struct slice){m, i};
	r->body = (struct slice){m + i, len - i};
}

static void run_free(struct sieve_run *r)
{
	for (unsigned i = 0; i < r->nvars; i++)
		buf_free(&r->vars[i].val);
	for (unsigned i = 0; i < SIEVE_MAX_MATCH_VARS; i++)
		buf_free(&r->match[i]);
	buf_free(&r->flags);
	mime_free(&r->mime);
	sieve_fields_free(r);
}

static void result_reset(struct sieve_result *res)
{
	for (unsigned i = 0; i < res->n; i++)
		sieve_action_clear(&res->v[i]);
	res->n = 0;
}

/* The implicit keep carries the internal flags (RFC 5232 §3). */
static void implicit_keep(struct sieve_run *r, bool with_flags)
{
	struct sieve_action a;

	memset(&a, 0, sizeof(a));
	a.type = SIEVE_ACT_KEEP;
	a.implicit = true;
	if (with_flags)
		sieve_act_flags(r, NULL, &a);
	sieve_act_add(r, &a);
}

int sieve_run(const struct sieve_script *s, const struct sieve_msg_env *env,
              struct sieve_result *res)
{
	struct sieve_run *r = xmalloc(sizeof(*r));
	int rc;

	memset(r, 0, offsetof(struct sieve_run, vars));

	memset(res, 0, sizeof(*res));
	r->s = s;
	r->env = env;
	r->res = res;
	r->implicit_keep = true;
	buf_init(&r->flags, SIEVE_MAX_STRING);
	split_message(r);
	rc = run_block(r, s->cmds, s->ncmds);
	if (rc < 0) {
		result_reset(res);
		r->implicit_keep = true;
		implicit_keep(r, false);
	} else if (r->implicit_keep) {
		implicit_keep(r, true);
	}
	res->error = r->error;
	res->steps = r->steps;
	run_free(r);
	free(r);
	return rc < 0 ? -1 : 0;
}
