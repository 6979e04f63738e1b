/* SPDX-License-Identifier: ISC */
/* RFC 5230 (vacation) and RFC 6131 (vacation-seconds): the reply action
 * and its arguments (§4.1-§4.4), when no reply is due (§4.5 the user is
 * not a recipient, §4.6 robots and lists, RFC 3834 §5 Auto-Submitted),
 * the caller's once-per-period memory (§4.2). */
#include "config.h"

#include "sieve_check_util.h"

#define VAC "require \"vacation\"; "

static const char list_msg[] =
    "From: list@example.org\r\nTo: alice@example.com\r\nList-Id: <l.example.org>\r\n\r\nx\r\n";
static const char auto_msg[] =
    "From: a@example.org\r\nTo: alice@example.com\r\nAuto-Submitted: auto-replied\r\n\r\nx\r\n";
static const char auto_no_msg[] =
    "From: a@example.org\r\nTo: alice@example.com\r\nAuto-Submitted: no\r\n\r\nx\r\n";
static const char bulk_msg[] =
    "From: a@example.org\r\nTo: alice@example.com\r\nPrecedence: bulk\r\n\r\nx\r\n";
/* RFC 8058: a List-* field outside RFC 2369 and RFC 2919 is a list too */
static const char list_post_msg[] = "From: a@example.org\r\nTo: alice@example.com\r\n"
                                    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nx\r\n";
static const char bcc_msg[] = "From: a@example.org\r\nTo: other@example.com\r\n\r\nx\r\n";
static const char alias_msg[] =
    "From: a@example.org\r\nTo: other@example.com\r\nCc: Alice <ALICE.M@example.com>\r\n\r\nx\r\n";

static const struct sc_env null_sender = {"", "alice@example.com", 0, 0, 0, 0, 1, NULL};
static const struct sc_env daemon = {"MAILER-DAEMON@example.org", "alice@example.com", 0, 0, 0,
                                     0, 1, NULL};
static const struct sc_env owner = {"owner-list@example.org", "alice@example.com", 0, 0, 0, 0, 1,
                                    NULL};
static const struct sc_env request = {"list-request@example.org", "alice@example.com", 0, 0, 0,
                                      0, 1, NULL};
static const struct sc_env already = {"sender@example.org", "alice@example.com", 0, 0, 0, 1, 1,
                                      NULL};

static const struct sc_vec vecs[] = {
    {"5230 4.1 default 7 days", VAC "vacation \"Absent\";",
     "vacation:sender@example.org:604800:Absent keep"},
    {"5230 4.1 :days", VAC "vacation :days 3 \"A\";", "vacation:sender@example.org:259200:A keep"},
    {"5230 4.1 :days 0 is 1", VAC "vacation :days 0 \"A\";",
     "vacation:sender@example.org:86400:A keep"},
    {"5230 4.1 :days capped", VAC "vacation :days 3650 \"A\";",
     "vacation:sender@example.org:2592000:A keep"},
    {"6131 2 :seconds", "require [\"vacation\", \"vacation-seconds\"]; vacation :seconds 600 \"A\";",
     "vacation:sender@example.org:600:A keep"},
    {"6131 2 :seconds 0", "require [\"vacation\", \"vacation-seconds\"]; vacation :seconds 0 \"A\";",
     "vacation:sender@example.org:0:A keep"},
    {"6131 2 :seconds needs require", VAC "vacation :seconds 600 \"A\";", "compile"},
    {"6131 2 :days with :seconds",
     "require [\"vacation\", \"vacation-seconds\"]; vacation :days 1 :seconds 600 \"A\";", "compile"},
    {"5230 4 needs require", "vacation \"A\";", "compile"},
    {"5230 4.1 with discard", VAC "vacation \"A\"; discard;",
     "vacation:sender@example.org:604800:A discard"},
    {"5230 4.5 not a recipient", VAC "vacation \"A\";", "keep", bcc_msg},
    {"5230 4.5 :addresses", VAC "vacation :addresses [\"alice.m@example.com\"] \"A\";",
     "vacation:sender@example.org:604800:A keep", alias_msg},
    {"5230 4.6 list", VAC "vacation \"A\";", "keep", list_msg},
    {"5230 4.6 any List- field", VAC "vacation \"A\";", "keep", list_post_msg},
    {"3834 5 auto-submitted", VAC "vacation \"A\";", "keep", auto_msg},
    {"3834 5 auto-submitted no", VAC "vacation \"A\";",
     "vacation:sender@example.org:604800:A keep", auto_no_msg},
    {"3834 precedence bulk", VAC "vacation \"A\";", "keep", bulk_msg},
    {"5230 4.6 null sender", VAC "vacation \"A\";", "keep", NULL, &null_sender},
    {"5230 4.6 MAILER-DAEMON", VAC "vacation \"A\";", "keep", NULL, &daemon},
    {"5230 4.6 owner-", VAC "vacation \"A\";", "keep", NULL, &owner},
    {"5230 4.6 -request", VAC "vacation \"A\";", "keep", NULL, &request},
    {"5230 4.2 already replied", VAC "vacation \"A\";", "keep", NULL, &already},
    {"5230 twice", VAC "vacation \"A\"; vacation \"B\";", "keep error(vacation used twice)"},
    {"5230 4.4 :mime", VAC "vacation :mime text:\nContent-Type: text/plain\n\nA\n.\n;",
     "vacation:sender@example.org:604800:Content-Type: text/plain\r\n\r\nA\r\n keep"},
    {"5230 4.3 bad :from", VAC "vacation :from \"nonsense\" \"A\";",
     "keep error(vacation :from is not an address)"},
};

/* The other arguments travel in the action (§4.2-§4.4). */
START_TEST(test_fields)
{
	const char *src = "require \"vacation\"; vacation :subject \"Absent\" :from "
	                  "\"alice@example.com\" :handle \"h1\" :mime \"Bye\";";
	struct sieve_script *s;
	struct sieve_error err;
	struct sieve_result res;
	struct sieve_msg_env env;
	const char *d1 = "require \"vacation\"; vacation \"Bye\";";
	const char *d2 = "require \"vacation\"; vacation :subject \"S\" \"Bye\";";
	char *h1;

	memset(&env, 0, sizeof(env));
	env.msg = (const uint8_t *)sc_msg;
	env.len = strlen(sc_msg);
	env.mail_from = "sender@example.org";
	env.rcpt_to = "alice@example.com";
	ck_assert_int_eq(sieve_compile(src, strlen(src), NULL, &s, &err), 0);
	ck_assert_int_eq(sieve_run(s, &env, &res), 0);
	ck_assert_uint_eq(res.n, 2);
	ck_assert_str_eq(res.v[0].subject, "Absent");
	ck_assert_str_eq(res.v[0].from, "alice@example.com");
	ck_assert_str_eq(res.v[0].handle, "h1");
	ck_assert(res.v[0].mime);
	sieve_result_free(&res);
	sieve_script_free(&s);
	/* without :handle, a different :subject makes a different handle */
	ck_assert_int_eq(sieve_compile(d1, strlen(d1), NULL, &s, &err), 0);
	ck_assert_int_eq(sieve_run(s, &env, &res), 0);
	h1 = strdup(res.v[0].handle);
	sieve_result_free(&res);
	sieve_script_free(&s);
	ck_assert_int_eq(sieve_compile(d2, strlen(d2), NULL, &s, &err), 0);
	ck_assert_int_eq(sieve_run(s, &env, &res), 0);
	ck_assert_str_ne(h1, res.v[0].handle);
	free(h1);
	sieve_result_free(&res);
	sieve_script_free(&s);
}
END_TEST

static void extra(TCase *tc)
{
	tcase_add_test(tc, test_fields);
}

SC_SUITE("sieve_5230", vecs, NULL, NULL, extra)
