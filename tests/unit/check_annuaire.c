/* SPDX-License-Identifier: ISC */
/* The Annuaire Santé extraction parser (common/annuaire.c) on synthetic
 * files built from the documented 31 columns (no real extraction data is
 * committed: it names real people): header, BOM, CRLF, trailing '|',
 * duplicates, every refusal with its line number, the limits, a file of
 * 300 000 lines streamed from disk, and the holder that keeps the last good
 * index. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "annuaire.h"
#include "buf.h"

#define HEADER                                                                                     \
	"Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|"   \
	"Type identifiant structure|Identification Structure|Service de rattachement|"             \
	"Civilit\xc3\xa9 d'exercice|Nom d'exercice|Pr\xc3\xa9nom d'exercice|Cat\xc3\xa9gorie "      \
	"profession|Libell\xc3\xa9 de cat\xc3\xa9gorie profession|Code Profession|Libell\xc3\xa9 "  \
	"Profession|Code savoir-faire|Libell\xc3\xa9 savoir-faire|D\xc3\xa9mat\xc3\xa9rialisation|" \
	"Raison Sociale structure BAL|Enseigne commerciale structure BAL|"                         \
	"L2COMPLEMENTLOCALISATION|L3COMPLEMENTDISTRIBUTION|L4NUMEROVOIE|L4COMPLEMENTNUMEROVOIE|"   \
	"NL4TYPEVOIE|L4LIBELLEVOIE|L5LIEUDITMENTION|L6LIGNEACHEMINEMENT|Code postal|"             \
	"D\xc3\xa9partement|Pays"

static char g_err[ANNUAIRE_ERR_MAX];

/* One line of 31 columns; the personal columns hold plausible text with a
 * quote and accents (never parsed). */
static void row(struct buf *b, const char *type, const char *addr, const char *pp_type,
                const char *pp_id, const char *idnat, const char *structure)
{
	buf_printf(b,
	           "%s|%s|%s|%s|%s|%s|%s|Cardiologie|M|D\"Artagnan|Fran\xc3\xa7ois|C|Civil|10|"
	           "M\xc3\xa9" "decin|SM04|Cardiologie|O|Clinique|Enseigne|||12||R|de la Paix|||"
	           "75001|75|France",
	           type, addr, pp_type, pp_id, idnat, structure[0] ? "1" : "", structure);
}

static struct annuaire *parse_buf(struct buf *b)
{
	return annuaire_parse(b->data, b->len, "t.txt", g_err, sizeof(g_err));
}

static struct buf sample(const char *eol)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s%s", HEADER, eol);
	row(&b, "PER", "Jean.Dupont@medecin.mssante.fr", "8", "10001234565", "810001234565", "");
	buf_printf(&b, "%s", eol);
	row(&b, "PER", "jean.dupont@medecin.mssante.fr", "8", "10001234565", "810001234565", "");
	buf_printf(&b, "%s", eol); /* the same BAL, another activity */
	row(&b, "ORG", "secretariat@ch-exemple.mssante.fr", "", "", "", "750000001");
	buf_printf(&b, "%s", eol);
	row(&b, "PER", "marie.curie@pharmacien.mssante.fr", "8", "10009876543", "", "");
	buf_printf(&b, "%s", eol);
	row(&b, "APPLI", "robot@ch-exemple.mssante.fr", "", "", "", "750000001");
	buf_printf(&b, "%s", eol);
	return b;
}

START_TEST(test_sample)
{
	struct buf b = sample("\n");
	struct annuaire *a = parse_buf(&b);
	const struct annuaire_entry *e;

	ck_assert_msg(a != NULL, "%s", g_err);
	ck_assert_uint_eq(annuaire_entry_count(a), 5);
	ck_assert_uint_eq(annuaire_address_count(a), 4);
	ck_assert_uint_eq(annuaire_type_count(a, ANNUAIRE_PER), 3);
	ck_assert_uint_eq(annuaire_type_count(a, ANNUAIRE_ORG), 1);
	ck_assert_uint_eq(annuaire_type_count(a, ANNUAIRE_OTHER), 1);
	ck_assert_uint_eq(annuaire_lookup(a, "JEAN.DUPONT@medecin.mssante.fr", &e), 2);
	ck_assert_str_eq(e[0].address, "jean.dupont@medecin.mssante.fr");
	ck_assert_str_eq(e[0].idnat, "810001234565");
	ck_assert_int_eq(e[0].type, ANNUAIRE_PER);
	ck_assert_uint_eq(e[0].line, 2);
	ck_assert_uint_eq(e[1].line, 3);
	ck_assert_uint_eq(annuaire_lookup(a, "secretariat@ch-exemple.mssante.fr", &e), 1);
	ck_assert_int_eq(e[0].type, ANNUAIRE_ORG);
	ck_assert_str_eq(e[0].idnat, "");
	ck_assert_str_eq(e[0].structure, "750000001");
	/* column 5 empty: columns 3 and 4 joined */
	ck_assert_uint_eq(annuaire_lookup(a, "marie.curie@pharmacien.mssante.fr", &e), 1);
	ck_assert_str_eq(e[0].idnat, "810009876543");
	ck_assert_uint_eq(annuaire_lookup(a, "robot@ch-exemple.mssante.fr", &e), 1);
	ck_assert_str_eq(annuaire_type_name(e[0].type), "other");
	ck_assert_uint_eq(annuaire_lookup(a, "absent@medecin.mssante.fr", &e), 0);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(annuaire_lookup(a, "", &e), 0);
	ck_assert_uint_eq(annuaire_lookup(NULL, "x@y.fr", &e), 0);
	{
		struct annuaire *second = annuaire_ref(a);
		ck_assert_ptr_eq(second, a);
		annuaire_unref(&a);
		ck_assert_ptr_null(a);
		/* the second reference still reads */
		ck_assert_uint_eq(annuaire_lookup(second, "jean.dupont@medecin.mssante.fr", &e), 2);
		annuaire_unref(&second);
	}
	buf_free(&b);
}
END_TEST

/* BOM, CRLF, trailing '|', blank lines, no final newline. */
START_TEST(test_tolerated_forms)
{
	struct buf b;
	struct annuaire *a;
	const struct annuaire_entry *e;

	buf_init(&b, 0);
	buf_printf(&b, "\xef\xbb\xbf%s|\r\n\r\n", HEADER);
	row(&b, "PER", "a@b.mssante.fr", "8", "10001234565", "810001234565", "");
	buf_printf(&b, "|\r\n");
	row(&b, "per", "c@b.mssante.fr", "8", "10001234565", "810001234565", "");
	a = parse_buf(&b);
	ck_assert_msg(a != NULL, "%s", g_err);
	ck_assert_uint_eq(annuaire_entry_count(a), 2);
	ck_assert_uint_eq(annuaire_lookup(a, "c@b.mssante.fr", &e), 1);
	ck_assert_uint_eq(e[0].line, 4);
	ck_assert_int_eq(e[0].type, ANNUAIRE_PER);
	annuaire_unref(&a);
	buf_free(&b);
	b = sample("\r\n");
	a = parse_buf(&b);
	ck_assert_msg(a != NULL, "%s", g_err);
	ck_assert_uint_eq(annuaire_entry_count(a), 5);
	annuaire_unref(&a);
	buf_free(&b);
}
END_TEST

/* A file with line 3 replaced by bad; the error must be "t.txt:3: want". */
static void refused_line(const char *bad, const char *want)
{
	struct buf b;
	struct annuaire *a;
	char exp[ANNUAIRE_ERR_MAX];

	buf_init(&b, 0);
	buf_printf(&b, "%s\n", HEADER);
	row(&b, "PER", "a@b.mssante.fr", "8", "10001234565", "810001234565", "");
	buf_printf(&b, "\n%s\n", bad);
	row(&b, "PER", "c@b.mssante.fr", "8", "10001234565", "810001234565", "");
	a = parse_buf(&b);
	ck_assert_msg(a == NULL, "accepted: %s", bad);
	snprintf(exp, sizeof(exp), "t.txt:3: %s", want);
	ck_assert_str_eq(g_err, exp);
	buf_free(&b);
}

static char *row_str(const char *type, const char *addr, const char *idnat, const char *structure)
{
	struct buf b;

	buf_init(&b, 0);
	row(&b, type, addr, "8", "10001234565", idnat, structure);
	buf_cstr(&b);
	return (char *)b.data;
}

START_TEST(test_refusals)
{
	char *r;

	refused_line("PER|a@b.fr|8", "3 columns, expected 31");
	r = row_str("PER", "x@b.fr", "810001234565", "");
	strcat(r, "|extra|more");
	refused_line(r, "more than 32 columns");
	free(r);
	r = row_str("PER", "x@b.fr", "810001234565", "");
	strcat(r, "|x");
	refused_line(r, "32 columns, expected 31");
	free(r);
	refused_line((r = row_str("", "x@b.fr", "810001234565", "")),
	             "the BAL type (column 1) is empty");
	free(r);
	refused_line((r = row_str("PER", "", "810001234565", "")), "the address (column 2) is empty");
	free(r);
	refused_line((r = row_str("PER", "no-at.b.fr", "810001234565", "")),
	             "the address is not local@domain");
	free(r);
	refused_line((r = row_str("PER", "a@b@c.fr", "810001234565", "")),
	             "the address is not local@domain");
	free(r);
	refused_line((r = row_str("PER", "a b@c.fr", "810001234565", "")),
	             "the address has a character not allowed in its local part");
	free(r);
	refused_line((r = row_str("PER", "a@-b.fr", "810001234565", "")),
	             "the address has a malformed domain");
	free(r);
	refused_line((r = row_str("PER", "a@b..fr", "810001234565", "")),
	             "the address has a malformed domain");
	free(r);
	refused_line((r = row_str("PER", "\xc3\xa9@b.fr", "810001234565", "")),
	             "the address has a character not allowed in its local part");
	free(r);
	refused_line((r = row_str("PER", "a@b.fr", "8100-01234565", "")),
	             "column 5 (Identification nationale PP) is not an identifier");
	free(r);
	refused_line((r = row_str("ORG", "a@b.fr", "", "75 0")),
	             "column 7 (Identification Structure) is not an identifier");
	free(r);
	refused_line("PER|a@b.fr|\xc3(", "invalid UTF-8");
	refused_line("PER|a@b.fr|\xed\xa0\x80", "invalid UTF-8"); /* a surrogate */
	refused_line("PER|a@b.fr|\x01", "a control character");
	refused_line("PER|a@b.fr\rX|", "a control character");
}
END_TEST

START_TEST(test_header_and_empty)
{
	struct buf b;
	struct annuaire *a;

	ck_assert_ptr_null(annuaire_parse("", 0, "t.txt", g_err, sizeof(g_err)));
	ck_assert_str_eq(g_err, "t.txt:1: empty file");
	buf_init(&b, 0);
	row(&b, "PER", "a@b.fr", "8", "10001234565", "810001234565", "");
	a = parse_buf(&b);
	ck_assert_ptr_null(a);
	ck_assert(strncmp(g_err, "t.txt:1: not the header", 23) == 0);
	buf_reset(&b);
	buf_printf(&b, "%s\n\n", HEADER);
	ck_assert_ptr_null(parse_buf(&b));
	ck_assert_str_eq(g_err, "t.txt:2: no BAL listed after the header");
	buf_reset(&b);
	buf_printf(&b, "Type|Adresse BAL%s\n", &HEADER[19]);
	ck_assert_ptr_null(parse_buf(&b));
	ck_assert(strncmp(g_err, "t.txt:1: not the header", 23) == 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_line_limit)
{
	struct buf b;
	char *big = malloc(ANNUAIRE_LINE_MAX + 2);

	memset(big, 'x', ANNUAIRE_LINE_MAX + 1);
	big[ANNUAIRE_LINE_MAX + 1] = '\0';
	refused_line(big, "line longer than 8192 bytes");
	/* exactly the limit is read (and refused for its columns only) */
	big[ANNUAIRE_LINE_MAX] = '\0';
	refused_line(big, "1 columns, expected 31");
	free(big);
	buf_init(&b, 0);
	buf_free(&b);
}
END_TEST

/* ---------------------------------------------------------------- files */

static char g_dir[64];

static void file_setup(void)
{
	strcpy(g_dir, "/tmp/annuaire-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
}

static void file_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_large_streamed)
{
	char path[128];
	struct buf b;
	struct annuaire *a;
	const struct annuaire_entry *e;
	const unsigned n = 300000;

	buf_init(&b, 0);
	buf_printf(&b, "%s\r\n", HEADER);
	for (unsigned i = 0; i < n; i++) {
		char addr[64];
		snprintf(addr, sizeof(addr), "pro%07u@dom%u.mssante.fr", i, i % 97);
		row(&b, i % 5 == 0 ? "ORG" : "PER", addr, "8", "10001234565", "", "");
		buf_printf(&b, "\r\n");
	}
	snprintf(path, sizeof(path), "%s/Extraction_Correspondance_MSSante.txt", g_dir);
	write_file(path, b.data, b.len);
	a = annuaire_load(path, g_err, sizeof(g_err));
	ck_assert_msg(a != NULL, "%s", g_err);
	ck_assert_uint_eq(annuaire_entry_count(a), n);
	ck_assert_uint_eq(annuaire_address_count(a), n);
	ck_assert_uint_eq(annuaire_type_count(a, ANNUAIRE_ORG), n / 5);
	ck_assert_uint_eq(annuaire_lookup(a, "pro0123457@dom73.mssante.fr", &e), 1);
	ck_assert_uint_eq(e[0].line, 123457 + 2);
	annuaire_unref(&a);
	/* an error deep in the file names its line, across read chunks */
	b.data[b.len - 20] = 0x01;
	write_file(path, b.data, b.len);
	ck_assert_ptr_null(annuaire_load(path, g_err, sizeof(g_err)));
	{
		char want[256];
		snprintf(want, sizeof(want), "%s:%u: a control character", path, n + 1);
		ck_assert_str_eq(g_err, want);
	}
	buf_free(&b);
}
END_TEST

START_TEST(test_streamed_long_line)
{
	char path[128];
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s\n", HEADER);
	row(&b, "PER", "a@b.fr", "8", "10001234565", "810001234565", "");
	buf_printf(&b, "\n");
	for (int i = 0; i < 3 * 1024 * 1024; i++)
		buf_append_u8(&b, 'y'); /* no line end at all */
	snprintf(path, sizeof(path), "%s/long.txt", g_dir);
	write_file(path, b.data, b.len);
	ck_assert_ptr_null(annuaire_load(path, g_err, sizeof(g_err)));
	ck_assert_ptr_nonnull(strstr(g_err, "long.txt:3: line longer than 8192 bytes"));
	snprintf(path, sizeof(path), "%s/missing.txt", g_dir);
	ck_assert_ptr_null(annuaire_load(path, g_err, sizeof(g_err)));
	ck_assert_ptr_nonnull(strstr(g_err, "No such file"));
	ck_assert_ptr_null(annuaire_load(g_dir, g_err, sizeof(g_err)));
	ck_assert_ptr_nonnull(strstr(g_err, "not a regular file"));
	buf_free(&b);
}
END_TEST

START_TEST(test_holder_keeps_last_good)
{
	char path[128];
	struct annuaire_holder h;
	struct buf good = sample("\n"), bad;
	const struct annuaire_entry *e;
	struct annuaire *kept;

	snprintf(path, sizeof(path), "%s/a.txt", g_dir);
	annuaire_holder_init(&h, path);
	ck_assert_int_eq(annuaire_holder_refresh(&h, g_err, sizeof(g_err)), ANNUAIRE_FAILED);
	ck_assert_ptr_null(annuaire_holder_get(&h));
	/* the same missing file is not reported again */
	ck_assert_int_eq(annuaire_holder_refresh(&h, g_err, sizeof(g_err)), ANNUAIRE_UNCHANGED);
	write_file(path, good.data, good.len);
	ck_assert_int_eq(annuaire_holder_refresh(&h, g_err, sizeof(g_err)), ANNUAIRE_RELOADED);
	ck_assert_uint_eq(annuaire_entry_count(annuaire_holder_get(&h)), 5);
	ck_assert_int_eq(annuaire_holder_refresh(&h, g_err, sizeof(g_err)), ANNUAIRE_UNCHANGED);
	kept = annuaire_holder_ref(&h);
	/* a broken file: refused, the last good index stays */
	buf_init(&bad, 0);
	buf_printf(&bad, "%sPER|broken\n", HEADER "\n");
	write_file(path, bad.data, bad.len);
	ck_assert_int_eq(annuaire_holder_refresh(&h, g_err, sizeof(g_err)), ANNUAIRE_FAILED);
	ck_assert_ptr_nonnull(strstr(g_err, "a.txt:2: 2 columns, expected 31"));
	ck_assert_ptr_eq(annuaire_holder_get(&h), kept);
	ck_assert_uint_eq(annuaire_lookup(annuaire_holder_get(&h), "marie.curie@pharmacien.mssante.fr", &e), 1);
	ck_assert_int_eq(annuaire_holder_refresh(&h, g_err, sizeof(g_err)), ANNUAIRE_UNCHANGED);
	/* a new good version replaces it; the old one lives on for its holder */
	buf_reset(&bad);
	buf_printf(&bad, "%s\n", HEADER);
	row(&bad, "PER", "new@b.mssante.fr", "8", "10001234565", "810001234565", "");
	write_file(path, bad.data, bad.len);
	ck_assert_int_eq(annuaire_holder_refresh(&h, g_err, sizeof(g_err)), ANNUAIRE_RELOADED);
	ck_assert_uint_eq(annuaire_entry_count(annuaire_holder_get(&h)), 1);
	ck_assert_uint_eq(annuaire_entry_count(kept), 5);
	annuaire_unref(&kept);
	annuaire_holder_free(&h);
	buf_free(&good);
	buf_free(&bad);
}
END_TEST

static Suite *annuaire_suite(void)
{
	Suite *s = suite_create("annuaire");
	TCase *tp = tcase_create("parse");
	TCase *tf = tcase_create("files");

	tcase_add_test(tp, test_sample);
	tcase_add_test(tp, test_tolerated_forms);
	tcase_add_test(tp, test_refusals);
	tcase_add_test(tp, test_header_and_empty);
	tcase_add_test(tp, test_line_limit);
	suite_add_tcase(s, tp);
	tcase_add_checked_fixture(tf, file_setup, file_teardown);
	tcase_set_timeout(tf, 120);
	tcase_add_test(tf, test_large_streamed);
	tcase_add_test(tf, test_streamed_long_line);
	tcase_add_test(tf, test_holder_keeps_last_good);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(annuaire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
