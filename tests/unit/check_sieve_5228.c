/* SPDX-License-Identifier: ISC */
/* RFC 5228 (Sieve) vectors: lexical structure (§2), control commands (§3),
 * actions (§4), tests (§5), comparators (§2.7.3), match types (§2.7.1),
 * address parts (§2.7.4), implicit keep (§2.10.2), duplicate actions (§4),
 * errors (§2.10.6). Each vector names the section it checks. */
#include "config.h"

#include "sieve_check_util.h"

static const struct sc_env null_sender = {"", "alice@example.com", 0, 0, 0, 0, 1, NULL};

static const struct sc_vec vecs[] = {
    /* §2.10.2 implicit keep */
    {"2.10.2", "", "keep"},
    {"2.10.2", "# only a comment\n", "keep"},
    {"2.10.2", "stop;", "keep"},
    {"4.3", "discard;", "discard"},
    {"4.2 keep", "keep;", "keep"},
    {"4.2 keep twice", "keep; keep;", "keep"},
    {"4.1 fileinto", "require \"fileinto\"; fileinto \"Work\";", "fileinto:Work"},
    {"4.1 fileinto INBOX = keep", "require \"fileinto\"; keep; fileinto \"INBOX\";", "keep"},
    {"4 duplicate fileinto", "require \"fileinto\"; fileinto \"A\"; fileinto \"A\";",
     "fileinto:A"},
    {"4.2 redirect", "redirect \"bob@example.net\";", "redirect:bob@example.net"},
    {"4 duplicate redirect", "redirect \"bob@example.net\"; redirect \"BOB@example.net\";",
     "redirect:bob@example.net"},
    {"4.2 redirect + keep", "redirect \"bob@example.net\"; keep;",
     "redirect:bob@example.net keep"},
    {"3.3 stop", "discard; stop; keep;", "discard"},
    /* §2.3 comments, §2.4.2 strings */
    {"2.3 bracket comment", "/* a\n * b */ discard; /* c */", "discard"},
    {"2.3 hash comment", "discard; # keep;\n", "discard"},
    {"2.4.2 escapes", "require \"fileinto\"; fileinto \"a\\\\b\\\"c\\d\";", "fileinto:a\\b\"cd"},
    {"2.4.2 multi-line", "require \"fileinto\";\nfileinto text:\nline1\n..dot\n.\n;",
     "fileinto:line1\r\n.dot\r\n"},
    {"2.4.2 multi-line comment", "require \"fileinto\";\nfileinto text: # c\nx\n.\n;",
     "fileinto:x\r\n"},
    {"2.4.2 quoted CRLF", "require \"fileinto\"; fileinto \"a\r\nb\";", "fileinto:a\r\nb"},
    /* §2.4.1 numbers */
    {"2.4.1 K", "if size :over 1K { discard; }", "keep"},
    {"2.4.1 under", "if size :under 1K { discard; }", "discard"},
    {"2.4.1 big", "if size :under 4G { discard; }", "discard"},
    {"2.4.1 2^63-1", "if size :under 9223372036854775807 { discard; }", "discard"},
    {"2.4.1 overflow", "if size :under 9223372036854775808 { discard; }", "compile 1:16 number too large (limit 2^63-1)"},
    {"2.4.1 G overflow", "if size :under 9000000000G { discard; }", "compile"},
    /* §8.1 case-insensitive identifiers */
    {"8.1 upper case", "IF HEADER :CONTAINS \"Subject\" \"lundi\" { DISCARD; }", "discard"},
    /* §3.1 if / elsif / else */
    {"3.1 if true", "if true { discard; }", "discard"},
    {"3.1 elsif", "if false { keep; } elsif true { discard; } else { keep; }", "discard"},
    {"3.1 else", "if false { keep; } elsif false { keep; } else { discard; }", "discard"},
    {"3.1 first wins", "if true { discard; } elsif true { keep; }", "discard"},
    {"3.1 two ifs", "if false { discard; } if true { redirect \"a@b.c\"; }", "redirect:a@b.c"},
    {"3.1 else without if", "else { keep; }", "compile 1:1 \"else\" without \"if\""},
    {"3.1 elsif after cmd", "if true { keep; } keep; elsif true { keep; }", "compile"},
    /* §5.1 address, §2.7.4 address parts */
    {"5.1 address :is", "if address :is \"from\" \"jean.dupont+news@example.org\" { discard; }",
     "discard"},
    {"2.7.4 :domain", "if address :domain :is \"to\" \"example.com\" { discard; }", "discard"},
    {"2.7.4 :localpart", "if address :localpart :is \"cc\" \"carol\" { discard; }", "discard"},
    {"2.7.4 :all default", "if address \"from\" \"jean.dupont+news@example.org\" { discard; }",
     "discard"},
    {"5.1 no display name", "if address :contains \"from\" \"Jean\" { discard; }", "discard"},
    {"5.1 octet case", "if address :comparator \"i;octet\" :contains \"from\" \"Jean\" { discard; }",
     "keep"},
    {"5.1 domain casemap", "if address :domain :is \"to\" \"EXAMPLE.COM\" { discard; }", "discard"},
    {"5.1 address fields only", "if address :is \"subject\" \"a@b.c\" { keep; }",
     "compile 1:4 invalid address header \"subject\""},
    {"5.1 reply-to allowed", "if address :is \"reply-to\" \"a@b.c\" { discard; }", "keep"},
    /* §5.7 header, RFC 2047 decoding */
    {"5.7 header :contains", "if header :contains \"subject\" \"Réunion\" { discard; }", "discard"},
    {"5.7 header :is", "if header :is \"x-spam-score\" \"12\" { discard; }", "discard"},
    {"5.7 several names", "if header :is [\"x-none\", \"X-Multi\"] \"two\" { discard; }", "discard"},
    {"5.7 absent", "if header :contains \"x-none\" \"\" { discard; }", "keep"},
    {"5.7 empty key", "if header :contains \"subject\" \"\" { discard; }", "discard"},
    /* §2.7.1 match types */
    {"2.7.1 :matches *", "if header :matches \"subject\" \"R*lundi\" { discard; }", "discard"},
    {"2.7.1 :matches ?", "if header :matches \"x-spam-score\" \"1?\" { discard; }", "discard"},
    {"2.7.1 :matches no", "if header :matches \"x-spam-score\" \"1\" { discard; }", "keep"},
    {"2.7.1 :matches escape", "if header :matches \"x-star\" \"a\\\\*b\" { discard; }", "keep"},
    {"2.7.1 :matches all", "if header :matches \"subject\" \"*\" { discard; }", "discard"},
    {"2.7.3 casemap default", "if header :is \"X-MULTI\" \"ONE\" { discard; }", "discard"},
    {"2.7.3 octet", "if header :comparator \"i;octet\" :is \"x-multi\" \"ONE\" { discard; }",
     "keep"},
    {"2.7.3 unknown comparator", "if header :comparator \"i;foo\" :is \"a\" \"b\" { keep; }",
     "compile 1:23 unknown comparator \"i;foo\""},
    /* §5.5 exists, §5.9 size, §5.2/5.3 allof/anyof, §5.8 not */
    {"5.5 exists", "if exists [\"from\", \"to\"] { discard; }", "discard"},
    {"5.5 exists one missing", "if exists [\"from\", \"x-none\"] { discard; }", "keep"},
    {"5.2 allof", "if allof (true, exists \"from\") { discard; }", "discard"},
    {"5.2 allof false", "if allof (true, false) { discard; }", "keep"},
    {"5.3 anyof", "if anyof (false, exists \"from\") { discard; }", "discard"},
    {"5.8 not", "if not exists \"x-none\" { discard; }", "discard"},
    {"5.9 size both", "if size :over 1 :under 2 { keep; }", "compile"},
    {"5.9 size none", "if size 100 { keep; }", "compile"},
    /* §5.4 envelope */
    {"5.4 envelope from", "require \"envelope\"; if envelope :is \"from\" \"sender@example.org\" "
     "{ discard; }", "discard"},
    {"5.4 envelope to :domain", "require \"envelope\"; if envelope :domain :is \"to\" \"EXAMPLE.com\" "
     "{ discard; }", "discard"},
    {"5.4 envelope :localpart", "require \"envelope\"; if envelope :localpart :is \"to\" \"alice\" "
     "{ discard; }", "discard"},
    {"5.4 envelope null sender", "require \"envelope\"; if envelope :is \"from\" \"\" { discard; }",
     "discard", NULL, &null_sender},
    {"5.4 envelope null sender :domain", "require \"envelope\"; if envelope :domain :matches \"from\" \"*\" "
     "{ discard; }", "keep", NULL, &null_sender},
    {"5.4 envelope auth absent", "require \"envelope\"; if envelope :matches \"auth\" \"*\" { discard; }",
     "keep"},
    {"5.4 bad envelope part", "require \"envelope\"; if envelope :is \"x-foo\" \"a\" { keep; }",
     "compile"},
    {"5.4 needs require", "if envelope :is \"from\" \"a\" { keep; }", "compile"},
    /* §3.2 require */
    {"3.2 require unknown", "require \"foo\";", "compile 1:1 unsupported extension \"foo\""},
    {"3.2 require late", "keep; require \"fileinto\";", "compile"},
    {"3.2 fileinto without require", "fileinto \"x\";",
     "compile 1:1 \"fileinto\" needs require \"fileinto\""},
    {"3.2 require list", "require [\"fileinto\", \"envelope\"]; fileinto \"x\";", "fileinto:x"},
    /* §2.10.6 errors stop the script from running */
    {"2.10.6 syntax", "keep", "compile 1:5 ';' or '{' expected, found end of script"},
    {"2.10.6 unknown command", "discard;\nfoo;", "compile 2:1 unknown command \"foo\""},
    {"2.10.6 unknown test", "if foo { keep; }", "compile 1:4 unknown test \"foo\""},
    {"2.10.6 bad arg", "redirect 12;", "compile"},
    {"2.10.6 bad address", "redirect \"not an address\";", "compile"},
    {"2.10.6 missing block", "if true keep;", "compile"},
    {"2.10.6 block on keep", "keep { }", "compile"},
    {"2.10.6 unterminated", "require \"fileinto", "compile 1:9 unterminated quoted string"},
    {"2.10.6 unterminated text", "redirect text:\nx\n", "compile"},
    {"2.10.6 unterminated comment", "/* x", "compile 1:1 unterminated comment"},
    {"2.10.6 stray", "keep; }", "compile"},
    {"2.10.6 empty test list", "if anyof () { keep; }", "compile"},
    {"2.10.6 string for number", "if size :over \"1\" { keep; }", "compile"},
    {"2.10.6 tag twice", "if header :is :is \"a\" \"b\" { keep; }", "compile"},
    {"2.10.6 bad header name", "if header :is \"a b\" \"b\" { keep; }", "compile"},
    {"2.6.2 tag after positional", "if header \"subject\" :contains \"x\" { keep; }",
     "compile 1:21 tag \":contains\" after the positional arguments of \"header\""},
    {"2.6.2 comparator last", "if header :contains \"subject\" \"x\" :comparator \"i;octet\" { keep; }",
     "compile"},
    {"2.10.6 non-ascii byte", "keep;\xc3\xa9", "compile 1:6 unexpected byte 0xc3"},
};

START_TEST(test_vectors)
{
	sc_check_vec(&vecs[_i], NULL, NULL);
}
END_TEST

/* §2.10.2 / RFC 5228 §4: with a runtime error everything is dropped and the
 * message kept. */
START_TEST(test_runtime_error_keeps)
{
	char *got = sc_run("redirect \"a@b.c\"; redirect \"b@b.c\"; redirect \"c@b.c\";"
	                   "redirect \"d@b.c\"; redirect \"e@b.c\";");
	ck_assert_str_eq(got, "keep error(too many redirects (limit 4))");
	free(got);
}
END_TEST

/* The lexer and parser fed every prefix of a script byte by byte: each
 * prefix compiles or fails cleanly with a position inside the text; only
 * complete scripts compile, and the whole one gives the same result as
 * always. */
START_TEST(test_prefixes)
{
	static const char *const scripts[] = {
	    "require [\"fileinto\", \"variables\"];\n"
	    "# comment\nif header :matches \"subject\" \"*R?union*\" {\n"
	    "  set \"x\" \"${1}\"; fileinto text:\nA\n..b\n.\n;\n} elsif size :over 10K "
	    "{ discard; } else { keep; }\n/* end */",
	    "if anyof (not exists \"x\", address :domain :is \"to\" \"example.com\") { stop; }",
	};
	for (size_t k = 0; k < sizeof(scripts) / sizeof(scripts[0]); k++) {
		const char *s = scripts[k];
		size_t n = strlen(s);
		for (size_t i = 0; i <= n; i++) {
			struct sieve_script *sc = NULL;
			struct sieve_error err;
			char *copy = malloc(i + 1);
			memcpy(copy, s, i);
			copy[i] = '\0';
			if (sieve_compile(copy, i, NULL, &sc, &err) == 0) {
				sieve_script_free(&sc);
			} else {
				ck_assert_ptr_null(sc);
				ck_assert_uint_ge(err.line, 1);
				ck_assert_uint_le(err.line, 20);
				ck_assert(err.msg[0] != '\0');
			}
			free(copy);
		}
		{
			struct sieve_script *sc = NULL;
			struct sieve_error err;
			ck_assert_int_eq(sieve_compile(s, n, NULL, &sc, &err), 0);
			sieve_script_free(&sc);
		}
	}
}
END_TEST

static int refuse_hook(void *ctx, const char *a, const char **why)
{
	(void)ctx;
	*why = "RE_GBM_4480";
	return strcmp(a, "ok@example.com") == 0 ? 0 : -1;
}

/* The compile-time redirect hook (deliver-time checks are the caller's). */
START_TEST(test_redirect_hook)
{
	struct sieve_compile_hooks h = {NULL, refuse_hook};
	struct sieve_script *s = NULL;
	struct sieve_error err;
	const char *ok = "redirect \"ok@example.com\";";
	const char *bad = "\nredirect \"no@example.com\";";
	const char *var = "require \"variables\"; set \"a\" \"no@example.com\"; redirect \"${a}\";";

	ck_assert_int_eq(sieve_compile(ok, strlen(ok), &h, &s, &err), 0);
	sieve_script_free(&s);
	ck_assert_int_eq(sieve_compile(bad, strlen(bad), &h, &s, &err), -1);
	ck_assert_str_eq(err.msg, "redirect to \"no@example.com\" refused: RE_GBM_4480");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_int_eq(sieve_compile(var, strlen(var), &h, &s, &err), 0);
	sieve_script_free(&s);
}
END_TEST

/* Deliver-time redirect refusal: kept, with the reason. */
START_TEST(test_redirect_refused_at_delivery)
{
	struct sc_env e = {"s@example.org", "alice@example.com", 0, 0, 0, 0, 0, NULL};
	char *got = sc_run_env("redirect \"x@example.net\";", sc_msg, &e);

	ck_assert_str_eq(got, "keep error(redirect to \"x@example.net\" refused: not the same holder)");
	free(got);
}
END_TEST

/* :copy-less actions with an error in a later command still keep. */
START_TEST(test_empty_message)
{
	char *got = sc_run_env("if header :contains \"subject\" \"x\" { discard; }", "", NULL);
	ck_assert_str_eq(got, "keep");
	free(got);
	got = sc_run_env("if size :under 1 { discard; }", "", NULL);
	ck_assert_str_eq(got, "discard");
	free(got);
}
END_TEST

/* Every extension the SIEVE capability lists can be required, and
 * together they are all of them (RFC 5804 §1.7 asks for the exact list). */
START_TEST(test_capability)
{
	char *caps = strdup(sieve_capability()), *save = NULL;
	struct buf script;
	unsigned n = 0;

	buf_init(&script, 0);
	buf_append_str(&script, "require [\"comparator-i;octet\", \"comparator-i;ascii-casemap\"");
	for (char *w = strtok_r(caps, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		buf_printf(&script, ", \"%s\"", w);
		n++;
	}
	buf_append_str(&script, "]; keep;");
	buf_cstr(&script);
	ck_assert_uint_eq(n, 18);
	{
		char *got = sc_run((const char *)script.data);
		ck_assert_str_eq(got, "keep");
		free(got);
	}
	buf_free(&script);
	free(caps);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sieve_5228");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_vectors, 0, sizeof(vecs) / sizeof(vecs[0]));
	tcase_add_test(tc, test_runtime_error_keeps);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_redirect_hook);
	tcase_add_test(tc, test_redirect_refused_at_delivery);
	tcase_add_test(tc, test_empty_message);
	tcase_add_test(tc, test_capability);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
