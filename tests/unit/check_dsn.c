/* SPDX-License-Identifier: ISC */
/* French DSN/NDR and quota alerts: every kind is built, then read back with
 * the project's own MIME parser, RFC 2047 decoder and message summary
 * (structure, content types, delivery-status fields, French text with its
 * accents, RET=HDRS/FULL and the size cap, injection attempts). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dsn.h"
#include "mailgen.h"
#include "mime.h"
#include "msgsum.h"
#include "notice.h"
#include "rfc2047.h"
#include "templates_fr.h"

#define T_2026_12_01_1455 INT64_C(1796136900) /* Tue, 01 Dec 2026 14:55:00 UTC */

static const char orig_msg[] = "Return-Path: <alice@hopital.exemple.fr>\r\n"
                               "From: Alice <alice@hopital.exemple.fr>\r\n"
                               "To: bob@clinique.exemple.fr\r\n"
                               "Subject: =?utf-8?Q?R=C3=A9sultats_d'analyses?=\r\n"
                               "Message-ID: <orig.1@hopital.exemple.fr>\r\n"
                               "References: <a.0@x.fr> <b.0@x.fr>\r\n"
                               "\r\n"
                               "Bonjour,\r\nVoici les r\xc3\xa9sultats.\r\n";

/* ----------------------------------------------------------- helpers */

struct parsed {
	struct buf raw;
	struct mime_msg *m;
	char *text;   /* first part, decoded to UTF-8 */
	char *status; /* second part as written */
};

static char *slice_dup(struct slice s)
{
	char *c = malloc(s.len + 1);
	memcpy(c, s.p, s.len);
	c[s.len] = '\0';
	return c;
}

/* The decoded text with "\n" line ends, as the templates write it. */
static char *crlf_to_lf(struct slice s)
{
	char *c = malloc(s.len + 1), *o = c;

	for (size_t i = 0; i < s.len; i++)
		if (!(s.p[i] == '\r' && i + 1 < s.len && s.p[i + 1] == '\n'))
			*o++ = (char)s.p[i];
	*o = '\0';
	return c;
}

static char *header_utf8(const struct parsed *p, const char *name)
{
	struct buf b;
	char *r;

	buf_init(&b, 0);
	if (mime_header_get_utf8(mime_part_header(p->m, p->m->root), name, &b) != 1) {
		buf_free(&b);
		return NULL;
	}
	r = slice_dup(buf_slice(&b));
	buf_free(&b);
	return r;
}

static struct mime_part *nth_child(struct mime_part *p, unsigned n)
{
	struct mime_part *c = p->children;
	while (c != NULL && n-- > 0)
		c = c->next;
	ck_assert_ptr_nonnull(c);
	return c;
}

/* Every line ends in CRLF; header lines of the top level stay <= 78
 * (folded), every line <= 998. */
static void assert_wire_clean(struct slice s)
{
	size_t line = 0;
	bool in_header = true;

	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '\r') {
			ck_assert_msg(i + 1 < s.len && s.p[i + 1] == '\n', "bare CR at %zu", i);
			continue;
		}
		if (s.p[i] == '\n') {
			ck_assert_msg(i > 0 && s.p[i - 1] == '\r', "bare LF at %zu", i);
			if (line == 0) /* the empty line ends the header */
				in_header = false;
			if (in_header)
				ck_assert_msg(line <= MAILGEN_LINE, "header line of %zu", line);
			line = 0;
			continue;
		}
		ck_assert_msg(s.p[i] != '\0', "NUL at %zu", i);
		line++;
		ck_assert_msg(line <= 998, "line too long at %zu", i);
	}
}

static void parse(struct parsed *p)
{
	struct buf t;

	assert_wire_clean(buf_slice(&p->raw));
	mime_parse(p->raw.data, p->raw.len, &p->m);
	ck_assert(mime_is_type(p->m->root, "multipart", "report"));
	ck_assert_uint_ge(p->m->root->nchildren, 2);
	buf_init(&t, 0);
	ck_assert_int_eq(mime_part_text(p->m, nth_child(p->m->root, 0), &t), 0);
	p->text = crlf_to_lf(buf_slice(&t));
	buf_free(&t);
	p->status = slice_dup(mime_part_body(p->m, nth_child(p->m->root, 1)));
}

static void parsed_free(struct parsed *p)
{
	mime_free(&p->m);
	buf_free(&p->raw);
	free(p->text);
	free(p->status);
}

static struct dsn base_dsn(struct dsn_rcpt *r, size_t n)
{
	return (struct dsn){
	    .reporting_mta = "mx.balise.test",
	    .postmaster = "postmaster@balise.test",
	    .return_path = "alice@hopital.exemple.fr",
	    .arrival = T_2026_12_01_1455 - 600,
	    .date = T_2026_12_01_1455,
	    .id = "Q0001",
	    .rcpts = r,
	    .nrcpts = n,
	    .original = {(const uint8_t *)orig_msg, sizeof(orig_msg) - 1},
	};
}

static void build_ok(const struct dsn *d, struct parsed *p, unsigned *flags)
{
	const char *err = "unset";

	memset(p, 0, sizeof(*p));
	buf_init(&p->raw, 0);
	ck_assert_msg(dsn_build(d, &p->raw, flags, &err) == 0, "dsn_build: %s", err);
	ck_assert_ptr_null(err);
	parse(p);
}

#define ck_has(hay, needle)                                                                        \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "missing [%s] in:\n%s", (needle), (hay))
#define ck_hasnt(hay, needle)                                                                      \
	ck_assert_msg(strstr((hay), (needle)) == NULL, "unexpected [%s] in:\n%s", (needle), (hay))

/* -------------------------------------------------------- failure (NDR) */

START_TEST(ndr_unknown_address)
{
	struct dsn_rcpt r = {.rcpt = "bob@clinique.exemple.fr",
	                     .action = DSN_FAILED,
	                     .status = "5.1.1",
	                     .remote_mta = "mx.clinique.exemple.fr",
	                     .diag = "550 5.1.1 <bob@clinique.exemple.fr>: Recipient unknown",
	                     .last_attempt = T_2026_12_01_1455 - 60};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	struct mime_part *third;
	unsigned flags = 99;
	char *s;

	build_ok(&d, &p, &flags);
	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_eq(p.m->root->nchildren, 3);
	ck_assert_str_eq(s = slice_dup(mime_param_get(&p.m->root->ct_params, "report-type")),
	                 "delivery-status");
	free(s);
	/* headers */
	ck_assert_str_eq(s = header_utf8(&p, "Subject"),
	                 "Avis de non-remise : votre message n'a pas pu être remis");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "To"), "<alice@hopital.exemple.fr>");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "From"),
	                 "Administrateur de la messagerie <postmaster@balise.test>");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "Auto-Submitted"), "auto-replied");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "In-Reply-To"), "<orig.1@hopital.exemple.fr>");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "References"),
	                 "<a.0@x.fr> <b.0@x.fr> <orig.1@hopital.exemple.fr>");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "Message-ID"), "<Q0001.balise@mx.balise.test>");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "MIME-Version"), "1.0");
	free(s);
	s = header_utf8(&p, "Date");
	int64_t t;
	ck_assert_int_eq(msgsum_date_parse((const uint8_t *)s, strlen(s), &t), 0);
	ck_assert_int_eq(t, T_2026_12_01_1455);
	free(s);
	/* French part */
	struct mime_part *tp = nth_child(p.m->root, 0);
	ck_assert(mime_is_type(tp, "text", "plain"));
	ck_assert_int_eq(tp->cte, MIME_CTE_QP);
	ck_assert_str_eq(s = slice_dup(mime_param_get(&tp->ct_params, "charset")), "utf-8");
	free(s);
	ck_has(p.text, "Bonjour,");
	ck_has(p.text, "Votre message n'a pas pu être remis");
	ck_has(p.text, "Remise impossible :");
	ck_has(p.text, "  - bob@clinique.exemple.fr\n");
	ck_has(p.text, "Motif : adresse inconnue");
	ck_has(p.text, "(code 5.1.1)");
	ck_has(p.text, "Réponse du serveur mx.clinique.exemple.fr : 550 5.1.1");
	ck_has(p.text, "Dernière tentative : mardi 1er décembre 2026 à 15:54 (heure de Paris)");
	ck_has(p.text, "Objet : Résultats d'analyses");
	ck_has(p.text, "Les en-têtes de votre message sont joints");
	ck_has(p.text, "L'administrateur de la messagerie");
	/* delivery-status */
	ck_assert(mime_is_type(nth_child(p.m->root, 1), "message", "delivery-status"));
	ck_has(p.status, "Reporting-MTA: dns; mx.balise.test\r\n");
	ck_has(p.status, "Arrival-Date: Tue, 01 Dec 2026 14:45:00 +0000\r\n");
	ck_has(p.status, "\r\n\r\nFinal-Recipient: rfc822;bob@clinique.exemple.fr\r\n");
	ck_has(p.status, "Action: failed\r\nStatus: 5.1.1\r\n");
	ck_has(p.status, "Remote-MTA: dns; mx.clinique.exemple.fr\r\n");
	ck_has(p.status, "Diagnostic-Code: smtp; 550 5.1.1 <bob@clinique.exemple.fr>:");
	ck_has(p.status, "Last-Attempt-Date: Tue, 01 Dec 2026 14:54:00 +0000\r\n");
	ck_hasnt(p.status, "Original-Envelope-Id");
	ck_hasnt(p.status, "Will-Retry-Until");
	/* RET absent: the header only */
	third = nth_child(p.m->root, 2);
	ck_assert(mime_is_type(third, "text", "rfc822-headers"));
	s = slice_dup(mime_part_body(p.m, third));
	ck_has(s, "Message-ID: <orig.1@hopital.exemple.fr>\r\n");
	ck_hasnt(s, "Voici");
	free(s);
	/* the summary IMAP will store reads it too */
	struct buf sum;
	struct msgsum_view v;
	buf_init(&sum, 0);
	ck_assert_int_eq(msgsum_build(p.raw.data, p.raw.len, &sum), 0);
	ck_assert_int_eq(msgsum_open(sum.data, sum.len, &v), 0);
	s = slice_dup(msgsum_bodystructure(&v, true));
	ck_has(s, "\"report\" (\"report-type\" \"delivery-status\"");
	ck_has(s, "(\"message\" \"delivery-status\" NIL NIL NIL \"7bit\"");
	ck_has(s, "(\"text\" \"rfc822-headers\"");
	free(s);
	buf_free(&sum);
	parsed_free(&p);
}
END_TEST

START_TEST(ndr_each_code_in_french)
{
	static const char *const codes[] = {"5.1.1", "5.2.1", "5.2.2", "5.3.4",
	                                    "5.7.1", "4.4.7", "5.4.7", "5.4.4"};
	static const char *const words[] = {
	    "adresse inconnue",    "suspendue",       "pleine",          "trop volumineux",
	    "espace de confiance", "délai de remise", "délai de remise", "impossible d'acheminer"};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct dsn_rcpt r = {.rcpt = "bob@x.fr", .action = DSN_FAILED, .status = codes[i]};
		struct dsn d = base_dsn(&r, 1);
		struct parsed p;
		char want[64];

		build_ok(&d, &p, NULL);
		ck_has(p.text, words[i]);
		ck_has(p.text, tfr_status_text(codes[i]));
		snprintf(want, sizeof(want), "Status: %s\r\n", codes[i]);
		ck_has(p.status, want);
		parsed_free(&p);
	}
	/* fallbacks: class.subject, then class; the 4.x ones say "temporary" */
	ck_assert_str_eq(tfr_status_text("5.2.9"), tfr_status_text("5.2"));
	ck_has(tfr_status_text("5.9.9"), "définitif");
	ck_has(tfr_status_text("4.9.9"), "temporaire");
	ck_assert_str_ne(tfr_status_text("4.4.7"), tfr_status_text("4.4"));
	ck_assert_ptr_nonnull(tfr_status_text(NULL));
	ck_assert_ptr_nonnull(tfr_status_text("x"));
}
END_TEST

START_TEST(ndr_bad_status_falls_back)
{
	struct dsn_rcpt r[] = {{.rcpt = "a@x.fr", .action = DSN_FAILED, .status = "5.1.1\r\nX: y"},
	                       {.rcpt = "b@x.fr", .action = DSN_DELAYED, .status = "9.9.9"},
	                       {.rcpt = "c@x.fr", .action = DSN_DELIVERED, .status = NULL}};
	struct dsn d = base_dsn(r, 3);
	struct parsed p;

	build_ok(&d, &p, NULL);
	ck_has(p.status, "Final-Recipient: rfc822;a@x.fr\r\nAction: failed\r\nStatus: 5.0.0\r\n");
	ck_has(p.status, "Action: delayed\r\nStatus: 4.0.0\r\n");
	ck_has(p.status, "Action: delivered\r\nStatus: 2.0.0\r\n");
	ck_hasnt(p.status, "X: y");
	parsed_free(&p);
}
END_TEST

/* ----------------------------------------------------- success, relay */

START_TEST(success_with_orcpt_and_envid)
{
	struct dsn_rcpt r = {.orcpt_type = "rfc822",
	                     .orcpt = "Bob@Clinique.exemple.fr",
	                     .rcpt = "bob@clinique.exemple.fr",
	                     .action = DSN_DELIVERED,
	                     .status = "2.0.0"};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	char *s;

	d.envid = "QQ314159";
	d.ret = DSN_RET_FULL; /* RET=FULL only matters for failures */
	build_ok(&d, &p, NULL);
	ck_assert_str_eq(s = header_utf8(&p, "Subject"),
	                 "Avis de remise : votre message a été remis");
	free(s);
	ck_has(p.text, "a bien été remis");
	ck_has(p.text, "Message remis :");
	ck_has(p.text, "Résultat : message remis dans la boîte aux lettres");
	ck_has(p.text, "Adresse d'origine : Bob@Clinique.exemple.fr");
	ck_has(p.status, "Original-Envelope-Id: QQ314159\r\n");
	ck_has(p.status, "Original-Recipient: rfc822;Bob@Clinique.exemple.fr\r\n"
	                 "Final-Recipient: rfc822;bob@clinique.exemple.fr\r\n"
	                 "Action: delivered\r\nStatus: 2.0.0\r\n");
	ck_assert(mime_is_type(nth_child(p.m->root, 2), "text", "rfc822-headers"));
	ck_assert_str_eq(s = slice_dup(nth_child(p.m->root, 0)->description), "Avis de remise");
	free(s);
	parsed_free(&p);
}
END_TEST

START_TEST(relayed_and_expanded)
{
	struct dsn_rcpt r[] = {{.rcpt = "bob@autre.fr",
	                        .action = DSN_RELAYED,
	                        .status = "2.0.0",
	                        .remote_mta = "mx.autre.fr"},
	                       {.rcpt = "liste@x.fr", .action = DSN_EXPANDED}};
	struct dsn d = base_dsn(r, 2);
	struct parsed p;
	char *s;

	build_ok(&d, &p, NULL);
	ck_assert_str_eq(s = header_utf8(&p, "Subject"),
	                 "Avis de remise : votre message a été transmis");
	free(s);
	ck_has(p.text, "ne délivre pas\nd'accusé de remise");
	ck_has(p.text, "Message transmis, sans accusé de remise possible :");
	ck_has(p.text, "redistribué");
	ck_has(p.status, "Action: relayed\r\n");
	ck_has(p.status, "Action: expanded\r\nStatus: 2.0.0\r\n");
	ck_has(p.status, "Remote-MTA: dns; mx.autre.fr\r\n");
	parsed_free(&p);
}
END_TEST

/* --------------------------------------------------------------- delay */

START_TEST(delay_notice)
{
	struct dsn_rcpt r = {.rcpt = "bob@lent.fr",
	                     .action = DSN_DELAYED,
	                     .status = "4.4.1",
	                     .remote_mta = "mx.lent.fr",
	                     .diag = "421 4.4.1 try later",
	                     .last_attempt = T_2026_12_01_1455,
	                     .retry_until = T_2026_12_01_1455 + 4 * 86400};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	char *s;

	build_ok(&d, &p, NULL);
	ck_assert_str_eq(s = header_utf8(&p, "Subject"),
	                 "Avis de retard : votre message n'a pas encore pu être remis");
	free(s);
	ck_has(p.text, "Le serveur continue\nd'essayer");
	ck_has(p.text, "Remise retardée :");
	ck_has(p.text, "le serveur de destination ne répond pas");
	ck_has(p.text, "Nouvelles tentatives jusqu'au : samedi 5 décembre 2026 à 15:55");
	ck_has(p.status, "Action: delayed\r\nStatus: 4.4.1\r\n");
	ck_has(p.status, "Will-Retry-Until: Sat, 05 Dec 2026 14:55:00 +0000\r\n");
	parsed_free(&p);
}
END_TEST

START_TEST(mixed_report_is_a_failure)
{
	struct dsn_rcpt r[] = {{.rcpt = "ok@x.fr", .action = DSN_DELIVERED},
	                       {.rcpt = "late@x.fr", .action = DSN_DELAYED},
	                       {.rcpt = "full@x.fr", .action = DSN_FAILED, .status = "5.2.2"}};
	struct dsn d = base_dsn(r, 3);
	struct parsed p;
	char *s;

	ck_assert_int_eq(dsn_report_kind(r, 3), TFR_REPORT_FAILURE);
	ck_assert_int_eq(dsn_report_kind(r, 2), TFR_REPORT_DELAY);
	ck_assert_int_eq(dsn_report_kind(r, 1), TFR_REPORT_SUCCESS);
	build_ok(&d, &p, NULL);
	ck_has(s = header_utf8(&p, "Subject"), "Avis de non-remise");
	free(s);
	/* failures listed first, then delays, then deliveries */
	char *f = strstr(p.text, "Remise impossible"), *l = strstr(p.text, "Remise retardée"),
	     *o = strstr(p.text, "Message remis :");
	ck_assert(f != NULL && l != NULL && o != NULL && f < l && l < o);
	ck_has(p.text, "boîte aux lettres du destinataire est pleine");
	parsed_free(&p);
}
END_TEST

/* ----------------------------------------------------------------- RET */

START_TEST(ret_full_returns_message)
{
	struct dsn_rcpt r = {.rcpt = "bob@x.fr", .action = DSN_FAILED, .status = "5.2.2"};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	struct mime_part *third;
	unsigned flags;
	char *s;

	d.ret = DSN_RET_FULL;
	build_ok(&d, &p, &flags);
	ck_assert_uint_eq(flags, NOTICE_F_8BIT); /* the original has 8-bit text */
	ck_assert_str_eq(s = header_utf8(&p, "Content-Transfer-Encoding"), "8bit");
	free(s);
	third = nth_child(p.m->root, 2);
	ck_assert(mime_is_type(third, "message", "rfc822"));
	ck_assert_int_eq(third->kind, MIME_MESSAGE);
	ck_assert_int_eq(third->cte, MIME_CTE_8BIT);
	struct slice body = mime_part_body(p.m, third);
	ck_assert_uint_eq(body.len, sizeof(orig_msg) - 1);
	ck_assert(memcmp(body.p, orig_msg, body.len) == 0);
	ck_assert_uint_eq(third->nchildren, 1);
	ck_has(p.text, "Votre message est joint en entier");
	parsed_free(&p);

	/* RET=HDRS: header only, even for a failure */
	d.ret = DSN_RET_HDRS;
	build_ok(&d, &p, &flags);
	ck_assert_uint_eq(flags, 0);
	ck_assert(mime_is_type(nth_child(p.m->root, 2), "text", "rfc822-headers"));
	parsed_free(&p);
}
END_TEST

START_TEST(ret_full_size_cap)
{
	struct dsn_rcpt r = {.rcpt = "bob@x.fr", .action = DSN_FAILED, .status = "5.3.4"};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	char *s;

	d.ret = DSN_RET_FULL;
	d.full_max = 100;
	build_ok(&d, &p, NULL);
	ck_assert(mime_is_type(nth_child(p.m->root, 2), "text", "rfc822-headers"));
	ck_has(p.text, "dépasse la taille de 100\xc2\xa0octets");
	ck_has(p.text, "seuls ses en-têtes sont joints");
	s = slice_dup(mime_part_body(p.m, nth_child(p.m->root, 2)));
	ck_assert_uint_le(strlen(s), 100);
	ck_has(s, "Return-Path:");
	free(s);
	parsed_free(&p);

	d.full_max = sizeof(orig_msg) - 1; /* exactly at the cap: included */
	build_ok(&d, &p, NULL);
	ck_assert(mime_is_type(nth_child(p.m->root, 2), "message", "rfc822"));
	parsed_free(&p);
}
END_TEST

START_TEST(ret_full_unsafe_original)
{
	static const char nul_msg[] = "Subject: x\r\n\r\nbin\0ary\r\n";
	struct dsn_rcpt r = {.rcpt = "bob@x.fr", .action = DSN_FAILED};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;

	d.ret = DSN_RET_FULL;
	d.original = (struct slice){(const uint8_t *)nul_msg, sizeof(nul_msg) - 1};
	build_ok(&d, &p, NULL);
	ck_assert(mime_is_type(nth_child(p.m->root, 2), "text", "rfc822-headers"));
	ck_has(p.text, "ne peut pas être joint tel quel");
	parsed_free(&p);
}
END_TEST

START_TEST(headers_8bit_are_quoted_printable)
{
	static const char eai[] = "From: J\xc3\xa9r\xc3\xb4me <j\xc3\xa9r\xc3\xb4me@x.fr>\n"
	                          "Subject: ---- =?x\n"
	                          "\n"
	                          "corps\n";
	struct dsn_rcpt r = {.rcpt = "bob@x.fr", .action = DSN_FAILED};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	struct mime_part *third;
	struct buf dec;

	d.original = (struct slice){(const uint8_t *)eai, sizeof(eai) - 1};
	build_ok(&d, &p, NULL);
	third = nth_child(p.m->root, 2);
	ck_assert(mime_is_type(third, "text", "rfc822-headers"));
	ck_assert_int_eq(third->cte, MIME_CTE_QP);
	buf_init(&dec, 0);
	ck_assert_int_eq(mime_decode(third->cte, mime_part_body(p.m, third), &dec), 0);
	const char *want = "From: J\xc3\xa9r\xc3\xb4me <j\xc3\xa9r\xc3\xb4me@x.fr>\r\n"
	                   "Subject: ---- =?x\r\n";
	ck_assert_uint_eq(dec.len, strlen(want));
	ck_assert(memcmp(dec.data, want, dec.len) == 0);
	buf_free(&dec);
	parsed_free(&p);
}
END_TEST

START_TEST(no_original)
{
	struct dsn_rcpt r = {.rcpt = "bob@x.fr", .action = DSN_FAILED, .status = "5.4.7"};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	char *s;

	d.original = (struct slice){NULL, 0};
	d.arrival = 0;
	build_ok(&d, &p, NULL);
	ck_assert_uint_eq(p.m->root->nchildren, 2);
	ck_assert_ptr_null(s = header_utf8(&p, "In-Reply-To"));
	ck_hasnt(p.status, "Arrival-Date");
	ck_hasnt(p.text, "en-têtes");
	ck_hasnt(p.text, "Votre message d'origine");
	parsed_free(&p);
}
END_TEST

START_TEST(long_original_subject_cut_cleanly)
{
	char orig[1200] = "Subject: x"; /* odd: byte 200 is inside a character */
	struct dsn_rcpt r = {.rcpt = "bob@x.fr", .action = DSN_FAILED};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;

	for (int i = 0; i < 150; i++)
		strcat(orig, "\xc3\xa9");
	strcat(orig, "\r\n\r\nbody\r\n");
	d.original = slice_from_cstr(orig);
	build_ok(&d, &p, NULL);
	ck_has(p.text, "  Objet : x\xc3\xa9\xc3\xa9");
	ck_has(p.text, "\xc3\xa9…\n");
	ck_hasnt(p.text, "\xef\xbf\xbd"); /* no U+FFFD: cut between characters */
	parsed_free(&p);
}
END_TEST

/* ------------------------------------------------------------ injection */

START_TEST(injection_refused_or_neutralised)
{
	static const char evil_orig[] = "Message-ID: <a b@c>\r\nSubject: x\r\n\r\n";
	struct dsn_rcpt r = {.orcpt_type = "rfc822",
	                     .orcpt = "o@x.fr\r\nBcc: evil@y.fr",
	                     .rcpt = "bob@x.fr\r\nBcc: evil@y.fr",
	                     .action = DSN_FAILED,
	                     .status = "5.1.1",
	                     .remote_mta = "mx\r\nX-Injected: 1",
	                     .diag = "550 no\r\nX-Injected: 2\0never"};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	struct buf out;
	const char *err;
	char *s;

	/* a return path, host or postmaster that could inject: nothing built */
	buf_init(&out, 0);
	buf_append_str(&out, "keep");
	d.return_path = "alice@x.fr\r\nBcc: evil@y.fr";
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), -1);
	ck_has(err, "recipient address");
	d.return_path = "alice@x.fr";
	d.reporting_mta = "mx.fr\r\nX: 1";
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), -1);
	ck_has(err, "host");
	d.reporting_mta = "mx.balise.test";
	d.postmaster = "postmaster@x.fr>\r\nBcc: <evil@y.fr";
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), -1);
	d.postmaster = "postmaster@balise.test";
	d.return_path = "";
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), -1);
	d.return_path = "alice@x.fr";
	ck_assert_uint_eq(out.len, 4);
	buf_free(&out);

	/* recipient, ORCPT, remote host, diagnostic, ENVID, Message-ID: cleaned */
	d.envid = "id\r\nX-Injected: 3";
	d.original = (struct slice){(const uint8_t *)evil_orig, sizeof(evil_orig) - 1};
	build_ok(&d, &p, NULL);
	ck_hasnt(p.status, "\nBcc");
	ck_hasnt(p.status, "\nX-Injected");
	ck_has(p.status,
	       "Final-Recipient: utf-8;bob@x.fr\\x{FFFD}\\x{FFFD}Bcc:\\x{20}evil@y.fr\r\n");
	ck_has(p.status, "Original-Recipient: utf-8;o@x.fr\\x{FFFD}");
	ck_has(p.status, "Original-Envelope-Id: id+0D+0AX-Injected:+203\r\n");
	ck_has(p.status, "Remote-MTA: dns; mx X-Injected: 1\r\n");
	ck_has(p.status, "Diagnostic-Code: smtp; 550 no X-Injected: 2\r\n");
	ck_hasnt(p.text, "\nBcc");
	ck_hasnt(p.text, "\nX-Injected");
	s = header_utf8(&p, "In-Reply-To");
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(mime_header_count(mime_part_header(p.m, p.m->root), "Bcc"), 0);
	parsed_free(&p);
}
END_TEST

START_TEST(recipients_checked)
{
	struct dsn_rcpt r[2] = {{.rcpt = "a@x.fr"}, {.rcpt = NULL}};
	struct dsn d = base_dsn(r, 2);
	struct buf out;
	const char *err;

	buf_init(&out, 0);
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), -1);
	d.nrcpts = 0;
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), -1);
	d.nrcpts = DSN_MAX_RCPTS + 1;
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), -1);
	ck_assert_uint_eq(out.len, 0);
	/* a buffer limit: fails cleanly, nothing appended */
	d.nrcpts = 1;
	out.max = 500;
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), -1);
	ck_assert_uint_eq(out.len, 0);
	buf_free(&out);
}
END_TEST

/* ----------------------------------------------- EAI and long values */

START_TEST(utf8_addresses)
{
	struct dsn_rcpt r = {.orcpt_type = "utf-8",
	                     .orcpt = "j\xc3\xa9r\xc3\xb4me+x=y\\@h\xc3\xb4pital.fr",
	                     .rcpt = "j\xc3\xa9r\xc3\xb4me@h\xc3\xb4pital.fr",
	                     .action = DSN_FAILED,
	                     .status = "5.2.1"};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;
	unsigned flags;
	char *s;

	d.return_path = "al\xc3\xaf"
	                "ce@h\xc3\xb4pital.fr";
	build_ok(&d, &p, &flags);
	ck_assert_uint_eq(flags, NOTICE_F_SMTPUTF8);
	ck_assert_str_eq(s = header_utf8(&p, "To"), "<al\xc3\xaf"
	                                            "ce@h\xc3\xb4pital.fr>");
	free(s);
	ck_has(p.status, "Original-Recipient: utf-8;j\\x{E9}r\\x{F4}me\\x{2B}x\\x{3D}y\\x{5C}"
	                 "@h\\x{F4}pital.fr\r\n");
	ck_has(p.status, "Final-Recipient: utf-8;j\\x{E9}r\\x{F4}me@h\\x{F4}pital.fr\r\n");
	ck_has(p.text, "  - jérôme@hôpital.fr\n");
	ck_has(p.text, "désactivée ou suspendue");
	parsed_free(&p);

	struct buf b;
	buf_init(&b, 0);
	ck_assert_int_eq(dsn_address(NULL, "a@b.fr", &b), 0);
	ck_assert(slice_eq_cstr(buf_slice(&b), "rfc822;a@b.fr"));
	buf_reset(&b);
	ck_assert_int_eq(dsn_address("X400", "c=fr;a= ;p=x", &b), 0);
	ck_assert(slice_eq_cstr(buf_slice(&b), "X400;c=fr;a= ;p=x"));
	buf_reset(&b);
	ck_assert_int_eq(dsn_address("bad type", "a@b", &b), 0);
	ck_assert(slice_eq_cstr(buf_slice(&b), "rfc822;a@b"));
	buf_reset(&b);
	ck_assert_int_eq(dsn_address(NULL, "\xff\xfe@\xe9", &b), 0);
	ck_assert(slice_eq_cstr(buf_slice(&b), "utf-8;\\x{FFFD}\\x{FFFD}@\\x{FFFD}"));
	buf_free(&b);
}
END_TEST

START_TEST(long_values_folded)
{
	char diag[3000], word[2001];
	struct dsn_rcpt r = {.rcpt = "bob@x.fr", .action = DSN_FAILED, .diag = diag};
	struct dsn d = base_dsn(&r, 1);
	struct parsed p;

	for (size_t i = 0; i < sizeof(diag) - 1; i++)
		diag[i] = i % 7 == 6 ? ' ' : 'a' + (char)(i % 26);
	diag[sizeof(diag) - 1] = '\0';
	build_ok(&d, &p, NULL);
	/* the delivery-status lines: folded at spaces, none past 78 */
	for (char *l = p.status; *l;) {
		char *e = strstr(l, "\r\n");
		size_t n = e ? (size_t)(e - l) : strlen(l);
		ck_assert_msg(n <= MAILGEN_LINE, "status line of %zu", n);
		l += n + (e ? 2 : 0);
	}
	ck_has(p.status, "Diagnostic-Code: smtp; abcdef ");
	parsed_free(&p);

	memset(word, 'w', sizeof(word) - 1); /* one word, no space to fold at */
	word[sizeof(word) - 1] = '\0';
	r.diag = word;
	r.rcpt = word;
	d.envid = word;
	build_ok(&d, &p, NULL); /* assert_wire_clean: every line <= 998 */
	parsed_free(&p);
}
END_TEST

/* --------------------------------------------------------- quota alerts */

static void alert_ok(int level, uint64_t used, uint64_t quota, struct parsed *p)
{
	struct notice_quota q = {.postmaster = "postmaster@balise.test",
	                         .bal = "dr.martin@balise.test",
	                         .level = level,
	                         .used = used,
	                         .quota = quota,
	                         .date = T_2026_12_01_1455,
	                         .host = "mx.balise.test",
	                         .id = "quota-80-1"};
	const char *err = NULL;
	struct buf t;
	unsigned flags = 9;

	memset(p, 0, sizeof(*p));
	buf_init(&p->raw, 0);
	ck_assert_msg(notice_quota_alert(&q, &p->raw, &flags, &err) == 0, "alert: %s", err);
	ck_assert_uint_eq(flags, 0);
	assert_wire_clean(buf_slice(&p->raw));
	mime_parse(p->raw.data, p->raw.len, &p->m);
	ck_assert(mime_is_type(p->m->root, "text", "plain"));
	ck_assert_int_eq(p->m->root->cte, MIME_CTE_QP);
	ck_assert(mailgen_is_ascii(buf_slice(&p->raw)));
	buf_init(&t, 0);
	ck_assert_int_eq(mime_part_text(p->m, p->m->root, &t), 0);
	p->text = crlf_to_lf(buf_slice(&t));
	buf_free(&t);
}

START_TEST(quota_alerts)
{
	struct parsed p;
	char *s;

	alert_ok(80, 410 * 1024 * 1024, 500 * 1024 * 1024, &p);
	ck_assert_str_eq(s = header_utf8(&p, "Subject"),
	                 "Votre boîte aux lettres est remplie à 80\xc2\xa0%");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "Auto-Submitted"), "auto-generated");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "To"), "<dr.martin@balise.test>");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "From"),
	                 "Administrateur de la messagerie <postmaster@balise.test>");
	free(s);
	ck_assert_str_eq(s = header_utf8(&p, "Content-Language"), "fr");
	free(s);
	ck_has(p.text, "a dépassé 80\xc2\xa0% de l'espace");
	ck_has(p.text, "utilise actuellement\n410\xc2\xa0Mo sur les 500\xc2\xa0Mo de son quota, "
	               "soit 82\xc2\xa0%.");
	ck_has(p.text, "Lorsque le quota sera atteint");
	ck_has(p.text, "videz la corbeille");
	parsed_free(&p);

	alert_ok(90, UINT64_C(920) * 1024 * 1024, UINT64_C(1024) * 1024 * 1024, &p);
	ck_has(s = header_utf8(&p, "Subject"), "90\xc2\xa0% : libérez de l'espace");
	free(s);
	ck_has(p.text, "920\xc2\xa0Mo sur les 1\xc2\xa0Go de son quota, soit 89\xc2\xa0%");
	parsed_free(&p);

	alert_ok(100, UINT64_C(1536) * 1024 * 1024 + 1, UINT64_C(1536) * 1024 * 1024, &p);
	ck_assert_str_eq(s = header_utf8(&p, "Subject"),
	                 "Votre boîte aux lettres est pleine : elle ne peut plus recevoir ni "
	                 "envoyer de messages");
	free(s);
	ck_has(
	    p.text,
	    "a atteint la limite de l'espace de stockage\nqui lui est attribué : elle est pleine.");
	ck_has(p.text, "ne peut plus recevoir ni envoyer de messages");
	ck_has(p.text, "envoyer de messages\ntant que de l'espace n'aura pas été libéré.");
	ck_has(p.text, "1,5\xc2\xa0Go sur les 1,5\xc2\xa0Go de son quota, soit 100\xc2\xa0%");
	parsed_free(&p);
}
END_TEST

START_TEST(quota_alert_refuses_bad_input)
{
	struct notice_quota q = {.postmaster = "postmaster@balise.test",
	                         .bal = "dr.martin@balise.test",
	                         .level = 70,
	                         .host = "mx.balise.test",
	                         .id = "x"};
	struct buf out;
	const char *err;

	buf_init(&out, 0);
	ck_assert_int_eq(notice_quota_alert(&q, &out, NULL, &err), -1);
	ck_has(err, "80, 90 or 100");
	q.level = 80;
	q.bal = "dr\r\nBcc: x@y.fr";
	ck_assert_int_eq(notice_quota_alert(&q, &out, NULL, &err), -1);
	q.bal = "dr.martin@balise.test";
	q.id = "\r\n";
	ck_assert_int_eq(notice_quota_alert(&q, &out, NULL, &err), -1);
	ck_has(err, "id");
	ck_assert_uint_eq(out.len, 0);
	buf_free(&out);
}
END_TEST

START_TEST(generic_notice)
{
	struct notice n = {.postmaster = "postmaster@balise.test",
	                   .from_name = "Équipe \"support\"",
	                   .to = "a@b.fr",
	                   .subject = "Accusé\r\nBcc: x@y.fr",
	                   .date = 1,
	                   .host = "h.fr",
	                   .id = "n1"};
	struct buf out, t;
	struct mime_msg *m;
	const char *err;
	char *s;

	buf_init(&out, 0);
	n.auto_submitted = "auto-generated\r\nBcc: x@y.fr";
	ck_assert_int_eq(notice_build(&n, SLICE_STR("x"), &out, NULL, &err), -1);
	ck_assert_uint_eq(out.len, 0);
	n.auto_submitted = "auto-notified";
	ck_assert_int_eq(
	    notice_build(&n, slice_from_cstr("Ligne 1\n-- \n.\nfin   \n"), &out, NULL, &err), 0);
	assert_wire_clean(buf_slice(&out));
	mime_parse(out.data, out.len, &m);
	buf_init(&t, 0);
	ck_assert_int_eq(mime_header_get_utf8(mime_part_header(m, m->root), "Subject", &t), 1);
	ck_assert_str_eq(s = slice_dup(buf_slice(&t)), "Accusé  Bcc: x@y.fr");
	free(s);
	buf_reset(&t);
	ck_assert_int_eq(mime_header_get_utf8(mime_part_header(m, m->root), "From", &t), 1);
	ck_assert_str_eq(s = slice_dup(buf_slice(&t)),
	                 "Équipe \"support\" <postmaster@balise.test>");
	free(s);
	ck_assert_uint_eq(mime_header_count(mime_part_header(m, m->root), "Bcc"), 0);
	buf_reset(&t);
	ck_assert_int_eq(mime_header_get(mime_part_header(m, m->root), "Auto-Submitted", &t), 1);
	ck_assert(slice_eq_cstr(buf_slice(&t), "auto-notified"));
	buf_reset(&t);
	ck_assert_int_eq(mime_part_text(m, m->root, &t), 0);
	ck_assert_str_eq(s = slice_dup(buf_slice(&t)), "Ligne 1\r\n-- \r\n.\r\nfin   \r\n");
	free(s);
	buf_free(&t);
	mime_free(&m);
	buf_free(&out);
}
END_TEST

/* ---------------------------------------------------------- writers */

START_TEST(subject_encoded_words)
{
	const char *subj = "Avis de non-remise : le message « Compte rendu opératoire du "
	                   "patient » n'a pas pu être remis à ses destinataires — désolé";
	struct buf out, dec;
	struct mime_header_iter it;
	struct slice name, raw;

	buf_init(&out, 0);
	ck_assert_int_eq(mailgen_field_text(&out, "Subject", subj), 0);
	assert_wire_clean(buf_slice(&out));
	/* each encoded-word at most 75 characters */
	for (size_t i = 0; i + 1 < out.len; i++) {
		if (out.data[i] != '=' || out.data[i + 1] != '?')
			continue;
		size_t j = i + 2;
		while (j + 1 < out.len && !(out.data[j] == '?' && out.data[j + 1] == '=' &&
		                            (j + 2 == out.len || out.data[j + 2] == '\r')))
			j++;
		ck_assert_uint_le(j + 2 - i, MAILGEN_WORD);
		i = j + 1;
	}
	mime_header_iter_init(&it, buf_slice(&out));
	ck_assert_int_eq(mime_header_next(&it, &name, &raw, NULL, NULL), 1);
	buf_init(&dec, 0);
	ck_assert_int_eq(mime_header_get_utf8(buf_slice(&out), "Subject", &dec), 1);
	ck_assert(slice_eq_cstr(buf_slice(&dec), subj));
	buf_reset(&dec);
	struct buf unf;
	buf_init(&unf, 0);
	ck_assert_int_eq(mime_unfold((struct slice){raw.p, raw.len}, &unf), 0);
	ck_assert_int_eq(rfc2047_decode(buf_slice(&unf), &dec), 0);
	ck_assert(slice_eq_cstr(buf_slice(&dec), subj));
	buf_free(&unf);
	buf_free(&dec);
	buf_free(&out);
}
END_TEST

START_TEST(quoted_printable_round_trip)
{
	char text[400];
	struct buf out, dec;
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "-- boundary-like\n.dot\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "trailing space \ntab\t\n=_ equals\n");
	for (int i = 0; i < 150; i++)
		text[n++] = i % 3 == 0 ? '\xc3' : i % 3 == 1 ? '\xa9' : 'e';
	text[n++] = '\n';
	text[n] = '\0';
	buf_init(&out, 0);
	ck_assert_int_eq(mailgen_qp(slice_from_cstr(text), &out), 0);
	assert_wire_clean(buf_slice(&out));
	ck_assert(mailgen_is_ascii(buf_slice(&out)));
	ck_assert(!strstr(buf_cstr(&out) == 0 ? (char *)out.data : "", "\n--"));
	ck_assert(!strstr((char *)out.data, "=_"));
	for (char *l = (char *)out.data; *l;) {
		char *e = strstr(l, "\r\n");
		ck_assert_uint_le((size_t)(e - l), MAILGEN_QP_LINE);
		l = e + 2;
	}
	buf_init(&dec, 0);
	ck_assert_int_eq(mime_decode(MIME_CTE_QP, buf_slice(&out), &dec), 0);
	/* the decoded text is the input with CRLF line ends */
	struct buf want;
	buf_init(&want, 0);
	ck_assert_int_ge(mime_crlf_normalize((const uint8_t *)text, n, &want), 0);
	ck_assert_uint_eq(dec.len, want.len);
	ck_assert(memcmp(dec.data, want.data, dec.len) == 0);
	buf_free(&want);
	buf_free(&dec);
	buf_free(&out);
}
END_TEST

START_TEST(long_display_name_folds)
{
	char name[301];
	struct buf out, dec;

	for (size_t i = 0; i < sizeof(name) - 1; i++)
		name[i] = i % 10 == 9 ? ' ' : 'n';
	name[sizeof(name) - 1] = '\0';
	buf_init(&out, 0);
	ck_assert_int_eq(mailgen_field_addr(&out, "From", name, "postmaster@balise.test"), 0);
	buf_append_str(&out, "\r\n");
	assert_wire_clean(buf_slice(&out)); /* header lines <= 78 */
	buf_init(&dec, 0);
	ck_assert_int_eq(mime_header_get_utf8(buf_slice(&out), "From", &dec), 1);
	buf_append_str(&dec, "");
	ck_assert_uint_eq(dec.len, strlen(name) + strlen(" <postmaster@balise.test>"));
	ck_assert(memcmp(dec.data, name, strlen(name)) == 0);
	buf_free(&dec);
	buf_free(&out);
}
END_TEST

START_TEST(french_formats)
{
	static const struct {
		uint64_t v;
		const char *want;
	} sizes[] = {
	    {0, "0\xc2\xa0octet"},
	    {1, "1\xc2\xa0octet"},
	    {1023, "1\xc2\xa0"
	           "023\xc2\xa0octets"},
	    {1536, "1,5\xc2\xa0Ko"},
	    {1024 * 1024 - 1, "1\xc2\xa0Mo"},
	    {UINT64_C(500) * 1024 * 1024, "500\xc2\xa0Mo"},
	    {UINT64_C(1536) * 1024 * 1024, "1,5\xc2\xa0Go"},
	    {UINT64_C(1023) * 1024 * 1024 * 1024 * 1024, "1\xc2\xa0"
	                                                 "023\xc2\xa0To"},
	    {UINT64_MAX, "16\xc2\xa0"
	                 "Eo"},
	};
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf_reset(&b);
		ck_assert_int_eq(tfr_format_size(sizes[i].v, &b), 0);
		buf_cstr(&b);
		ck_assert_str_eq((char *)b.data, sizes[i].want);
	}
	buf_reset(&b);
	tfr_format_uint(1234567, &b);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "1\xc2\xa0"
	                                 "234\xc2\xa0"
	                                 "567");
	buf_reset(&b);
	tfr_format_percent(999, 1000, &b);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "99\xc2\xa0%");
	buf_reset(&b);
	tfr_format_percent(UINT64_MAX, UINT64_MAX / 2, &b);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "200\xc2\xa0%");
	buf_reset(&b);
	tfr_format_percent(5, 0, &b);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "100\xc2\xa0%");
	/* Paris time: winter +1, summer +2, switch at 01:00 UTC */
	buf_reset(&b);
	tfr_format_date(T_2026_12_01_1455, &b);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "mardi 1er décembre 2026 à 15:55 (heure de Paris)");
	buf_reset(&b);
	tfr_format_date(INT64_C(1784714400), &b); /* 2026-07-22 10:00 UTC */
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "mercredi 22 juillet 2026 à 12:00 (heure de Paris)");
	buf_reset(&b);
	tfr_format_date(INT64_C(1774745999), &b); /* 2026-03-29 00:59:59 UTC */
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "dimanche 29 mars 2026 à 01:59 (heure de Paris)");
	buf_reset(&b);
	tfr_format_date(INT64_C(1774746000), &b); /* 01:00 UTC: summer time */
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "dimanche 29 mars 2026 à 03:00 (heure de Paris)");
	buf_reset(&b);
	tfr_format_date(INT64_C(1792890000), &b); /* 2026-10-25 01:00 UTC: winter */
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "dimanche 25 octobre 2026 à 02:00 (heure de Paris)");
	buf_free(&b);
}
END_TEST

START_TEST(address_checks)
{
	bool u;

	ck_assert(mailgen_addr_ok("a@b.fr", &u) && !u);
	ck_assert(mailgen_addr_ok("\"john doe\"@b.fr", &u) && !u);
	ck_assert(mailgen_addr_ok("j\xc3\xa9@b.fr", &u) && u);
	ck_assert(mailgen_addr_ok("a@[192.0.2.1]", NULL));
	ck_assert(!mailgen_addr_ok("a b@b.fr", NULL));
	ck_assert(!mailgen_addr_ok("a@b.fr>", NULL));
	ck_assert(!mailgen_addr_ok("<a@b.fr", NULL));
	ck_assert(!mailgen_addr_ok("a@b.fr\r\n", NULL));
	ck_assert(!mailgen_addr_ok("\"a\r\n\"@b.fr", NULL));
	ck_assert(!mailgen_addr_ok("a@", NULL));
	ck_assert(!mailgen_addr_ok("@b.fr", NULL));
	ck_assert(!mailgen_addr_ok("ab.fr", NULL));
	ck_assert(!mailgen_addr_ok("a\xff@b.fr", NULL));
	ck_assert(!mailgen_addr_ok("a@b..", NULL));
	ck_assert(!mailgen_addr_ok(NULL, NULL));
	ck_assert(mailgen_host_ok("mx.balise.test"));
	ck_assert(!mailgen_host_ok("mx balise"));
	ck_assert(!mailgen_host_ok(""));
	ck_assert(!mailgen_host_ok("-mx"));
}
END_TEST

/* ------------------------------------------- a second reader: Python */

static void write_file(const char *path, struct slice s)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s.p, 1, s.len, f), s.len);
	fclose(f);
}

/* "path|kind|subject|actions", one argument of dsn_email_check.py */
static char *check_arg(const char *dir, const char *name, const char *kind, const char *subject,
                       const char *actions)
{
	size_t n =
	    strlen(dir) + strlen(name) + strlen(kind) + strlen(subject) + strlen(actions) + 8;
	char *a = malloc(n);

	snprintf(a, n, "%s/%s|%s|%s|%s", dir, name, kind, subject, actions);
	return a;
}

/* Runs argv (no shell: subjects hold quotes); its exit status. */
static int run(char *const argv[])
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(python_email_reads_back)
{
	struct dsn_rcpt r[] = {
	    {.rcpt = "bob@x.fr", .action = DSN_FAILED, .status = "5.2.2", .diag = "552 5.2.2 full"},
	    {.rcpt = "j\xc3\xa9r\xc3\xb4me@x.fr",
	     .action = DSN_DELAYED,
	     .retry_until = T_2026_12_01_1455 + 86400},
	    {.rcpt = "ok@x.fr",
	     .orcpt_type = "rfc822",
	     .orcpt = "OK@x.fr",
	     .action = DSN_DELIVERED}};
	struct dsn d = base_dsn(r, 3);
	struct notice_quota q = {.postmaster = "postmaster@balise.test",
	                         .bal = "dr.martin@balise.test",
	                         .level = 100,
	                         .used = 100,
	                         .quota = 100,
	                         .host = "mx.balise.test",
	                         .id = "q"};
	const char *py = getenv("PYTHON3"), *src = getenv("BALISE_SRCDIR"), *err;
	char dir[] = "/tmp/check_dsn.XXXXXX", path[256], script[4096];
	struct buf out;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	buf_init(&out, 0);
	d.ret = DSN_RET_FULL;
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/ndr.eml", dir);
	write_file(path, buf_slice(&out));
	buf_reset(&out);
	d.rcpts = r + 1;
	d.nrcpts = 2;
	ck_assert_int_eq(dsn_build(&d, &out, NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/delay.eml", dir);
	write_file(path, buf_slice(&out));
	buf_reset(&out);
	ck_assert_int_eq(notice_quota_alert(&q, &out, NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/alert.eml", dir);
	write_file(path, buf_slice(&out));
	buf_free(&out);

	snprintf(script, sizeof(script), "%s/tests/unit/dsn_email_check.py", src ? src : ".");
	char *argv[] = {
	    (char *)(py ? py : "python3"),
	    script,
	    check_arg(dir, "ndr.eml", "dsn", tfr_dsn_subject(TFR_REPORT_FAILURE),
	              "failed,delayed,delivered"),
	    check_arg(dir, "delay.eml", "dsn", tfr_dsn_subject(TFR_REPORT_DELAY),
	              "delayed,delivered"),
	    check_arg(dir, "alert.eml", "alert", tfr_quota_subject(TFR_QUOTA_LEVEL_FULL), ""),
	    NULL};
	ck_assert_msg(run(argv) == 0, "dsn_email_check.py failed (output above)");
	for (int i = 2; i < 5; i++)
		free(argv[i]);
	char *rm[] = {"rm", "-rf", dir, NULL};
	ck_assert_int_eq(run(rm), 0);
}
END_TEST

static Suite *dsn_suite(void)
{
	Suite *s = suite_create("dsn");
	TCase *tc = tcase_create("dsn");

	tcase_add_test(tc, ndr_unknown_address);
	tcase_add_test(tc, ndr_each_code_in_french);
	tcase_add_test(tc, ndr_bad_status_falls_back);
	tcase_add_test(tc, success_with_orcpt_and_envid);
	tcase_add_test(tc, relayed_and_expanded);
	tcase_add_test(tc, delay_notice);
	tcase_add_test(tc, mixed_report_is_a_failure);
	tcase_add_test(tc, ret_full_returns_message);
	tcase_add_test(tc, ret_full_size_cap);
	tcase_add_test(tc, ret_full_unsafe_original);
	tcase_add_test(tc, headers_8bit_are_quoted_printable);
	tcase_add_test(tc, no_original);
	tcase_add_test(tc, long_original_subject_cut_cleanly);
	tcase_add_test(tc, injection_refused_or_neutralised);
	tcase_add_test(tc, recipients_checked);
	tcase_add_test(tc, utf8_addresses);
	tcase_add_test(tc, long_values_folded);
	suite_add_tcase(s, tc);
	tc = tcase_create("notice");
	tcase_add_test(tc, quota_alerts);
	tcase_add_test(tc, quota_alert_refuses_bad_input);
	tcase_add_test(tc, generic_notice);
	suite_add_tcase(s, tc);
	tc = tcase_create("writers");
	tcase_add_test(tc, subject_encoded_words);
	tcase_add_test(tc, quoted_printable_round_trip);
	tcase_add_test(tc, long_display_name_folds);
	tcase_add_test(tc, french_formats);
	tcase_add_test(tc, address_checks);
	suite_add_tcase(s, tc);
	tc = tcase_create("python");
	tcase_add_test(tc, python_email_reads_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dsn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
