/* SPDX-License-Identifier: ISC */
/* Helpers shared by the check_sieve_*.c suites: compile a script, save and
 * load its compiled form, run the loaded copy on a message and render the
 * action list as one line ("keep fileinto:Work redirect:a@b.c ..."). */
#ifndef BALISE_SIEVE_CHECK_UTIL_H
#define BALISE_SIEVE_CHECK_UTIL_H

/* Vector tables leave the optional message and environment out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sieve.h"

/* A plain message most vectors run on. */
static const char sc_msg[] =
    "Return-Path: <sender@example.org>\r\n"
    "From: \"Jean Dupont\" <jean.dupont+news@example.org>\r\n"
    "To: alice@example.com, Bob <bob+work@EXAMPLE.com>\r\n"
    "Cc: carol@example.net\r\n"
    "Subject: =?UTF-8?Q?R=C3=A9union_du_lundi?=\r\n"
    "Date: Tue, 01 Dec 2026 10:30:00 +0100\r\n"
    "Message-ID: <m1@example.org>\r\n"
    "X-Spam-Score: 12\r\n"
    "X-Multi: one\r\n"
    "X-Multi: two\r\n"
    "X-Multi: three\r\n"
    "\r\n"
    "Bonjour, la reunion est a 10h.\r\n";

struct sc_env {
	const char *mail_from, *rcpt_to;
	int64_t now;
	int tz;
	int seen;      /* duplicate_seen answer */
	int vac_sent;  /* vacation_sent answer */
	int allow;     /* redirect_allowed answer (1 default) */
	const char *mailboxes; /* " a b " existing mailboxes */
};

static inline int sc_mailbox_exists(void *ctx, const char *m)
{
	const struct sc_env *e = ctx;
	char key[300];

	snprintf(key, sizeof(key), " %s ", m);
	return e->mailboxes != NULL && strstr(e->mailboxes, key) != NULL;
}

static inline int sc_dup_seen(void *ctx, const char *handle, const char *id, uint64_t secs)
{
	(void)handle, (void)id, (void)secs;
	return ((const struct sc_env *)ctx)->seen;
}

static inline int sc_redirect_allowed(void *ctx, const char *a, const char **why)
{
	(void)a;
	*why = "not the same holder";
	return ((const struct sc_env *)ctx)->allow;
}

static inline int sc_vac_sent(void *ctx, const char *s, const char *h, uint64_t secs)
{
	(void)s, (void)h, (void)secs;
	return ((const struct sc_env *)ctx)->vac_sent;
}

static inline void sc_render_action(struct buf *b, const struct sieve_action *a)
{
	buf_printf(b, "%s%s", b->len ? " " : "", sieve_act_name(a->type));
	if (a->target != NULL && a->type != SIEVE_ACT_VACATION)
		buf_printf(b, ":%s", a->target);
	if (a->text != NULL && a->type != SIEVE_ACT_VACATION)
		buf_printf(b, ":%s", a->text);
	if (a->copy)
		buf_append_str(b, "+copy");
	if (a->create)
		buf_append_str(b, "+create");
	for (unsigned i = 0; i < a->nflags; i++)
		buf_printf(b, "%s%s", i ? "," : "[", a->flags[i]);
	if (a->nflags)
		buf_append_str(b, "]");
	if (a->type == SIEVE_ACT_VACATION)
		buf_printf(b, ":%s:%llu:%s", a->target, (unsigned long long)a->seconds, a->text);
}

/* "compile L:C msg" for a compile error, "load msg" if the compiled form
 * does not load, else the actions, then " error(msg)" after a run-time
 * error. Caller frees. */
static char *sc_run_env(const char *script, const char *msg, const struct sc_env *se)
{
	struct sieve_script *s = NULL, *s2 = NULL;
	struct sieve_error err;
	struct sieve_result res;
	struct sieve_msg_env env;
	struct buf out, bin;
	const char *why = NULL;
	struct sc_env dflt = {"sender@example.org", "alice@example.com", 1796117400, 0, 0, 0, 1, NULL};

	if (se == NULL)
		se = &dflt;
	buf_init(&out, 0);
	if (sieve_compile(script, strlen(script), NULL, &s, &err) < 0) {
		buf_printf(&out, "compile %u:%u %s", err.line, err.col, err.msg);
		buf_cstr(&out);
		return (char *)out.data;
	}
	buf_init(&bin, 0);
	ck_assert_int_eq(sieve_save(s, &bin), 0);
	sieve_script_free(&s);
	if (sieve_load(bin.data, bin.len, &s2, &why) < 0) {
		buf_printf(&out, "load %s", why);
		buf_free(&bin);
		buf_cstr(&out);
		return (char *)out.data;
	}
	buf_free(&bin);
	memset(&env, 0, sizeof(env));
	env.msg = (const uint8_t *)msg;
	env.len = strlen(msg);
	env.mail_from = se->mail_from;
	env.rcpt_to = se->rcpt_to;
	env.auth = NULL;
	env.now = se->now;
	env.tz_minutes = se->tz;
	env.ctx = (void *)se;
	env.mailbox_exists = sc_mailbox_exists;
	env.duplicate_seen = sc_dup_seen;
	env.redirect_allowed = sc_redirect_allowed;
	env.vacation_sent = sc_vac_sent;
	sieve_run(s2, &env, &res);
	for (unsigned i = 0; i < res.n; i++)
		sc_render_action(&out, &res.v[i]);
	if (res.error != NULL)
		buf_printf(&out, " error(%s)", res.error);
	sieve_result_free(&res);
	sieve_script_free(&s2);
	buf_cstr(&out);
	return out.data != NULL ? (char *)out.data : strdup("");
}

static inline char *sc_run(const char *script)
{
	return sc_run_env(script, sc_msg, NULL);
}

/* A vector: script, expected rendering, and the RFC section it checks. */
struct sc_vec {
	const char *section;
	const char *script;
	const char *want;
	const char *msg;          /* NULL: the suite's message */
	const struct sc_env *env; /* NULL: the suite's environment */
};

static inline void sc_check_vec(const struct sc_vec *v, const char *msg, const struct sc_env *e)
{
	char *got;

	if (v->msg != NULL)
		msg = v->msg;
	if (v->env != NULL)
		e = v->env;
	got = sc_run_env(v->script, msg != NULL ? msg : sc_msg, e);

	if (strncmp(v->want, "compile", 7) == 0 && strncmp(got, "compile", 7) == 0 &&
	    strchr(v->want, ' ') == NULL) {
		free(got);
		return; /* any compile error will do */
	}
	ck_assert_msg(strcmp(got, v->want) == 0, "%s: script\n%s\nwant [%s]\ngot  [%s]",
	              v->section, v->script, v->want, got);
	free(got);
}

/* main() of a suite made of one vector table and extra tests. */
#define SC_SUITE(name, vecs, msg, env, extra)                                        \
	START_TEST(test_vectors) { sc_check_vec(&vecs[_i], msg, env); }                \
	END_TEST                                                                       \
	int main(void)                                                                 \
	{                                                                              \
		Suite *s = suite_create(name);                                             \
		TCase *tc = tcase_create("vectors");                                       \
		SRunner *sr;                                                               \
		int failed;                                                                \
		tcase_add_loop_test(tc, test_vectors, 0, sizeof(vecs) / sizeof(vecs[0]));  \
		extra(tc);                                                                 \
		suite_add_tcase(s, tc);                                                    \
		sr = srunner_create(s);                                                    \
		srunner_run_all(sr, CK_NORMAL);                                            \
		failed = srunner_ntests_failed(sr);                                        \
		srunner_free(sr);                                                          \
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                          \
	}

#endif
