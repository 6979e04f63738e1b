/* SPDX-License-Identifier: ISC */
/* RFC 5322 §3.4 address lists as IMAP ENVELOPE addresses: display names,
 * comments, groups (RFC 3501 §7.4.2 group syntax), quoted local parts,
 * obsolete routes (§4.4), and junk. Cases marked "dovecot" give the same
 * (name adl mailbox host) as Dovecot 2.3.19 in ENVELOPE. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rfc822_addr.h"

/* One address as "name|adl|mailbox|host", NIL for NULL, ";" between. */
static char *render(const char *in)
{
	struct rfc822_addr_list l;
	struct buf b;

	rfc822_addr_parse((const uint8_t *)in, strlen(in), &l);
	buf_init(&b, 0);
	for (unsigned i = 0; i < l.n; i++) {
		const struct rfc822_addr *a = &l.v[i];
		buf_printf(&b, "%s%s|%s|%s|%s", i ? ";" : "", a->name ? a->name : "NIL",
		           a->adl ? a->adl : "NIL", a->mailbox ? a->mailbox : "NIL",
		           a->host ? a->host : "NIL");
	}
	rfc822_addr_list_free(&l);
	ck_assert_uint_eq(l.n, 0);
	buf_cstr(&b);
	return b.data != NULL ? (char *)b.data : strdup("");
}

static const struct {
	const char *in, *want;
} cases[] = {
    /* dovecot */
    {"\"A B\" <a@b.c>", "A B|NIL|a|b.c"},
    {"x@y (Comment Name), <@r1,@r2:z@w>", "Comment Name|NIL|x|y;NIL|@r1,@r2|z|w"},
    {"undisclosed-recipients:;", "NIL|NIL|undisclosed-recipients|NIL;NIL|NIL|NIL|NIL"},
    {"g: a@b, c@d; , h@i", "NIL|NIL|g|NIL;NIL|NIL|a|b;NIL|NIL|c|d;NIL|NIL|NIL|NIL;NIL|NIL|h|i"},
    {"\"a b\"@c.d, foo", "NIL|NIL|a b|c.d;NIL|NIL|foo|MISSING_DOMAIN"},
    {"Alice <alice@cab.example> (Cabinet)", "Alice|NIL|alice|cab.example"},
    {"\"Dr. Dupont, Jean\" <jean.dupont@cab.example>",
     "Dr. Dupont, Jean|NIL|jean.dupont|cab.example"},
    {"Equipe: bob@hop.example, \"Carol C.\" <carol@hop.example>;, x:;",
     "NIL|NIL|Equipe|NIL;NIL|NIL|bob|hop.example;Carol C.|NIL|carol|hop.example;"
     "NIL|NIL|NIL|NIL;NIL|NIL|x|NIL;NIL|NIL|NIL|NIL"},
    {"(only comment) g@h", "NIL|NIL|g|h"},
    {"=?utf-8?q?Caf=C3=A9?= <c@f>", "=?utf-8?q?Caf=C3=A9?=|NIL|c|f"},
    {"x@[1.2.3.4]", "NIL|NIL|x|[1.2.3.4]"},
    {"\"\" <e@f>", "NIL|NIL|e|f"},
    {"@", "NIL|NIL|MISSING_MAILBOX|MISSING_DOMAIN"},
    {"<>", "NIL|NIL|MISSING_MAILBOX|MISSING_DOMAIN"},
    {"Name <a @ b . c>", "Name|NIL|a|b.c"},
    {"a@b (nested (comment) here)", "nested (comment) here|NIL|a|b"},
    {"a:b:c@d;", "NIL|NIL|a|NIL;NIL|NIL|b|MISSING_DOMAIN;NIL|NIL|NIL|NIL"}, /* no nesting */
    {"g: ;", "NIL|NIL|g|NIL;NIL|NIL|NIL|NIL"},
    {"g: a@b", "NIL|NIL|g|NIL;NIL|NIL|a|b;NIL|NIL|NIL|NIL"},
    /* same addresses as Dovecot, but Dovecot writes a literal for a name
     * with a quote where we write a quoted string with \" */
    {"\"Q\\\"uote\" <q@r>", "Q\"uote|NIL|q|r"},
    /* deliberately more lenient: Dovecot stops the list at the first
     * syntax error (host "SYNTAX_ERROR"), we keep what can be read */
    {"<x@>, John Q. Public <jqp@e.f>", "NIL|NIL|x|MISSING_DOMAIN;John Q. Public|NIL|jqp|e.f"},
    {"a@b>junk, c@d", "NIL|NIL|a|b;NIL|NIL|c|d"},
    {"<a@b", "NIL|NIL|a|b"},
    {"\"unterminated <a@b>", "NIL|NIL|unterminated <a@b>|MISSING_DOMAIN"},
    /* not checked against Dovecot */
    {"", ""},
    {" , ,, ", ""},
    {"(unterminated comment a@b", ""},
    {"\xc3\x89mile <e@z.fr>", "\xc3\x89mile|NIL|e|z.fr"},
    {"r\xc3\xa9mi@\xc3\xa9t\xc3\xa9.fr", "NIL|NIL|r\xc3\xa9mi|\xc3\xa9t\xc3\xa9.fr"},
    {"a\r\n b@c", "NIL|NIL|ab|c"},
};

START_TEST(address_cases)
{
	char *got = render(cases[_i].in);
	ck_assert_msg(strcmp(got, cases[_i].want) == 0, "input '%s': got '%s' want '%s'",
	              cases[_i].in, got, cases[_i].want);
	free(got);
}
END_TEST

START_TEST(first_mailbox)
{
	struct rfc822_addr_list l;
	const char *in = "g:;, \"N\" <n@x>";

	rfc822_addr_parse((const uint8_t *)in, strlen(in), &l);
	ck_assert_str_eq(rfc822_addr_first(&l)->mailbox, "n");
	rfc822_addr_list_free(&l);
	rfc822_addr_parse(NULL, 0, &l);
	ck_assert_ptr_null(rfc822_addr_first(&l));
	rfc822_addr_list_free(&l);
}
END_TEST

START_TEST(limit_and_nul)
{
	struct rfc822_addr_list l;
	struct buf b;
	const uint8_t nul[] = {'"', 'a', 0, 'b', '"', ' ', '<', 'x', '@', 'y', '>'};

	buf_init(&b, 0);
	buf_append_str(&b, "g: ");
	for (int i = 0; i < RFC822_ADDR_MAX + 10; i++)
		buf_append_str(&b, "a@b,");
	buf_append_str(&b, ";");
	rfc822_addr_parse(b.data, b.len, &l);
	ck_assert_uint_eq(l.n, RFC822_ADDR_MAX);
	/* the group stays balanced at the limit */
	ck_assert_ptr_null(l.v[l.n - 1].mailbox);
	ck_assert_ptr_null(l.v[l.n - 1].host);
	rfc822_addr_list_free(&l);
	buf_free(&b);

	rfc822_addr_parse(nul, sizeof(nul), &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].name, "a b");
	rfc822_addr_list_free(&l);
}
END_TEST

/* Every prefix of a tricky list, in an exactly-sized copy (for ASan). */
START_TEST(every_truncation)
{
	const char *in = "Grp: \"Q\\\"x\" <@r1,@r2:a.b@[1.2]> (c (d)), e@f;, =?x?q?y?= <g@h>";
	size_t len = strlen(in);

	for (size_t cut = 0; cut <= len; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		struct rfc822_addr_list l;
		memcpy(c, in, cut);
		rfc822_addr_parse(c, cut, &l);
		rfc822_addr_list_free(&l);
		free(c);
	}
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("rfc822_addr");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, address_cases, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, first_mailbox);
	tcase_add_test(tc, limit_and_nul);
	tcase_add_test(tc, every_truncation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
