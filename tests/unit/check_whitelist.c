/* SPDX-License-Identifier: ISC */
/* The trust-space whitelist: the real ANS snapshot, every kind of
 * malformed or hostile file (each refused with a message naming the
 * problem), the reloading holder, DN keys, and certificates made here with
 * OpenSSL matched against their whitelist line. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dn.h"
#include "whitelist.h"

#define SNAPSHOT "tests/unit/whitelist/listeblanchemssante-2025-03-13.xml"
#define MEDIMAIL                                                                                   \
	"CN=medimail-asip.mipih.fr,OU=318310021300028,O=GIP MIPIH,ST=Haute-Garonne (31),C=FR"
#define AHBFC                                                                                      \
	"CN=esm.ahbfc.fr,OU=1700780075,O=CHS ST REMY ET NFC SITE SAINT REMY,ST=Haute-Saône "      \
	"(70),C=FR"

static char err[WHITELIST_ERR_MAX];

static char *slurp(const char *rel, size_t *len_r)
{
	const char *src = getenv("BALISE_SRCDIR");
	char path[4096];
	FILE *f;
	char *d;
	long n;

	snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".", rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0);
	rewind(f);
	d = malloc((size_t)n + 64);
	ck_assert(fread(d, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len_r = (size_t)n;
	return d;
}

static struct whitelist *parse(const char *xml)
{
	return whitelist_parse(xml, strlen(xml), "test.xml", err, sizeof(err));
}

static char *key_of(const char *dn)
{
	static char key[DN_KEY_MAX];
	const char *why = NULL;

	ck_assert_msg(dn_normalize(dn, strlen(dn), key, sizeof(key), &why) == 0, "%s: %s", dn, why);
	return key;
}

#define HEAD                                                                                       \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                               \
	"<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\">\n"                 \
	"<DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration>\n<ListeDomaines>\n"
#define TAIL "</ListeDomaines>\n</ListeBlancheMSSante>\n"
#define ENTRY(nom, dn)                                                                             \
	"<Domaine><Nom>" nom "</Nom><Description>d</Description>"                                  \
	"<DNCertificatOperateur>" dn "</DNCertificatOperateur></Domaine>\n"
#define GOOD HEAD ENTRY("a.test", "CN=mx.a.test,O=A,C=FR") TAIL

/* ---------------------------------------------------------------- snapshot */

START_TEST(snapshot_as_shipped_is_truncated)
{
	/* The reference copy lacks its closing </ListeBlancheMSSante>: a
	 * truncated download must be refused, not half loaded. */
	size_t len;
	char *xml = slurp(SNAPSHOT, &len);
	struct whitelist *wl = whitelist_parse(xml, len, "snap.xml", err, sizeof(err));

	ck_assert_ptr_null(wl);
	ck_assert_msg(strstr(err, "snap.xml:") == err && strstr(err, "not well-formed XML"), "%s",
	              err);
	free(xml);
}
END_TEST

START_TEST(snapshot_completed)
{
	size_t len;
	char *xml = slurp(SNAPSHOT, &len);
	const struct whitelist_entry *e;
	const struct whitelist_operator *op;
	struct whitelist *wl;

	strcpy(xml + len, "</ListeBlancheMSSante>\n");
	wl = whitelist_parse(xml, strlen(xml), "snap.xml", err, sizeof(err));
	ck_assert_msg(wl != NULL, "%s", err);
	ck_assert_uint_eq(whitelist_entry_count(wl), 619);
	ck_assert_uint_eq(whitelist_domain_count(wl), 516);
	ck_assert_uint_eq(whitelist_operator_count(wl), 35);
	ck_assert_str_eq(whitelist_generated(wl), "2025-03-13T14:54:10Z");

	ck_assert(whitelist_domain_listed(wl, "adsea29.mssante.fr"));
	ck_assert(whitelist_domain_listed(wl, "ADSEA29.MSSante.fr."));
	ck_assert(whitelist_domain_listed(wl, "uc-cmp.mssante.fr")); /* written UC-CMP */
	ck_assert(!whitelist_domain_listed(wl, "mssante.fr"));
	ck_assert(!whitelist_domain_listed(wl, "x.adsea29.mssante.fr"));
	ck_assert(!whitelist_domain_listed(wl, ""));

	ck_assert(whitelist_dn_allowed(wl, key_of(MEDIMAIL), "adsea29.mssante.fr"));
	ck_assert(!whitelist_dn_allowed(wl, key_of(MEDIMAIL), "ahbfc.mssante.fr"));
	ck_assert(whitelist_dn_allowed(wl, key_of(AHBFC), "ahbfc.mssante.fr"));
	/* The same DN spelled differently: case, spaces, escaped UTF-8. */
	ck_assert(whitelist_dn_allowed(
	    wl,
	    key_of("cn=ESM.ahbfc.fr , ou=1700780075, o=CHS ST REMY ET NFC  SITE SAINT REMY,"
	           "st=Haute-Sa\\C3\\B4ne (70), c=fr"),
	    "ahbfc.mssante.fr"));
	/* Another operator of the same organisation is not this one. */
	ck_assert(!whitelist_dn_allowed(wl, key_of("CN=smtp-1.sante.santnet.com,OU=1,O=X,C=FR"),
	                                "apta78.mssante.fr"));

	op = whitelist_operator_find(wl, key_of(MEDIMAIL));
	ck_assert_ptr_nonnull(op);
	ck_assert_str_eq(op->dn, MEDIMAIL);
	ck_assert_uint_eq(op->n_domains, 333);
	ck_assert_str_eq(op->domains[0], "1001-services.mssante.fr");
	for (size_t i = 1; i < op->n_domains; i++)
		ck_assert(strcmp(op->domains[i - 1], op->domains[i]) < 0);

	/* A domain served by five operators (duplicate lines merged). */
	ck_assert_uint_eq(whitelist_domain_entries(wl, "15-20.mssante.fr", &e), 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert(whitelist_dn_allowed(wl, e[i].op->key, "15-20.mssante.fr"));
	ck_assert_uint_eq(whitelist_domain_entries(wl, "nope.mssante.fr", &e), 0);
	whitelist_unref(&wl);
	ck_assert_ptr_null(wl);
	free(xml);
}
END_TEST

/* ---------------------------------------------------------------- malformed */

static const struct {
	const char *xml, *says;
} bad[] = {
    {"hello", "test.xml:1: not well-formed XML"},
    {"<?xml version=\"1.0\"?>", "not well-formed XML"},
    {"<a>", "not well-formed XML"},
    {"<ListeBlancheMSSante/>", "expected <ListeBlancheMSSante> in namespace"},
    {"<Foo xmlns=\"https://listeblanche.mssante.fr/schema\"/>", "root element <Foo>"},
    {"<ListeBlancheMSSante xmlns=\"https://example.org/schema\"><ListeDomaines>" ENTRY(
         "a.test", "CN=x") "</ListeDomaines></ListeBlancheMSSante>",
     "namespace \"https://example.org/schema\""},
    {HEAD TAIL, "no <Domaine> entry"},
    {"<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\"/>",
     "no <Domaine> entry"},
    {HEAD "<Domaine><DNCertificatOperateur>CN=x</DNCertificatOperateur></Domaine>" TAIL,
     "test.xml:4: <Domaine> without <Nom>"},
    {HEAD "<Domaine><Nom>a.test</Nom></Domaine>" TAIL, "without <DNCertificatOperateur>"},
    {HEAD "<Domaine><Nom>a.test</Nom><Nom>b.test</Nom><DNCertificatOperateur>CN=x"
          "</DNCertificatOperateur></Domaine>" TAIL,
     "<Nom> appears twice"},
    {HEAD "<Domaine><Nom>a<b/>.test</Nom><DNCertificatOperateur>CN=x"
          "</DNCertificatOperateur></Domaine>" TAIL,
     "<Nom> must contain text only"},
    {HEAD ENTRY("", "CN=x") TAIL, "empty domain name"},
    {HEAD ENTRY("a b.test", "CN=x") TAIL, "invalid character"},
    {HEAD ENTRY("a..test", "CN=x") TAIL, "empty or over-long label"},
    {HEAD ENTRY("-a.test", "CN=x") TAIL, "starts or ends with '-'"},
    {HEAD ENTRY("a.test", "") TAIL, "empty DN"},
    {HEAD ENTRY("a.test", "CN=x,FOO=y") TAIL, "unknown attribute type"},
    {HEAD ENTRY("a.test", "CN=a\\qb") TAIL, "bad escape"},
    {HEAD ENTRY("a.test", "CN") TAIL, "'=' expected"},
    {HEAD "<Autre/>" ENTRY("a.test", "CN=x") TAIL, "unexpected element <Autre>"},
    {HEAD ENTRY("a.test", "CN=x") "</ListeDomaines><ListeDomaines>" TAIL,
     "a second <ListeDomaines>"},
    {HEAD ENTRY("a.test", "CN=x &amp; &foo;") TAIL, "not well-formed XML"},
    /* Truncated in the middle of an entry. */
    {HEAD "<Domaine><Nom>a.test</Nom><DNCertificatOpe", "not well-formed XML"},
    /* Entity expansion (billion laughs), external entities, external DTD:
     * any DOCTYPE stops the parse. */
    {"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
     "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
     "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
     "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
     "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
     "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
     "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
     "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
     "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
     "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n]>\n"
     "<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\"><ListeDomaines>"
     "<Domaine><Nom>a.test</Nom><Description>&lol9;</Description>"
     "<DNCertificatOperateur>CN=x</DNCertificatOperateur></Domaine>" TAIL,
     "test.xml:2: a DOCTYPE is not allowed"},
    {"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
     "<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\"><ListeDomaines>"
     "<Domaine><Nom>&xxe;</Nom><DNCertificatOperateur>CN=x</DNCertificatOperateur>"
     "</Domaine>" TAIL,
     "a DOCTYPE is not allowed"},
    {"<?xml version=\"1.0\"?>\n<!DOCTYPE ListeBlancheMSSante SYSTEM "
     "\"http://127.0.0.1:9/x.dtd\">\n"
     "<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\"><ListeDomaines>" ENTRY(
         "a.test", "CN=x") TAIL,
     "test.xml:2: a DOCTYPE is not allowed"},
    {"<?xml version=\"1.0\" encoding=\"EBCDIC-NOPE\"?><a/>", "not well-formed XML"},
};

START_TEST(malformed)
{
	struct whitelist *wl = parse(bad[_i].xml);

	ck_assert_msg(wl == NULL, "accepted: %s", bad[_i].xml);
	ck_assert_msg(strstr(err, bad[_i].says) != NULL, "case %d: \"%s\" lacks \"%s\"", _i, err,
	              bad[_i].says);
	ck_assert_msg(strncmp(err, "test.xml:", 9) == 0, "%s", err);
}
END_TEST

START_TEST(nothing_on_stderr)
{
	/* balised's stderr is its log: libxml2 must not write to it, even for
	 * the problems it reports outside the parser (encoding conversion). */
	char path[] = "/tmp/check_whitelist_stderr_XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	struct whitelist *wl;
	struct stat st;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_eq(dup2(fd, 2), 2);
	wl = parse("<?xml version=\"1.0\" encoding=\"SHIFT_JIS\"?><a>\x81\xff] *0</a>");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_ptr_null(parse(bad[i].xml));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ck_assert_ptr_null(wl);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	close(fd);
	unlink(path);
	wl = parse("<?xml version=\"1.0\" encoding=\"SHIFT_JIS\"?><a>\x81\xff] *0</a>");
	ck_assert_str_eq(err,
	                 "test.xml: not well-formed XML: bytes not valid in the declared encoding");
}
END_TEST

START_TEST(empty_and_too_big)
{
	char path[] = "/tmp/check_whitelist_XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_null(whitelist_parse("", 0, "e.xml", err, sizeof(err)));
	ck_assert_str_eq(err, "e.xml: empty file");
	ck_assert_ptr_null(whitelist_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "empty file") != NULL, "%s", err);
	/* A sparse file past the limit is refused before it is read. */
	ck_assert_int_eq(ftruncate(fd, (off_t)WHITELIST_FILE_MAX + 1), 0);
	ck_assert_ptr_null(whitelist_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "larger than the 32 MiB limit") != NULL, "%s", err);
	close(fd);
	unlink(path);
	ck_assert_ptr_null(whitelist_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, strerror(ENOENT)) != NULL, "%s", err);
	ck_assert_ptr_null(whitelist_load("/tmp", err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
}
END_TEST

START_TEST(fifo_refused)
{
	char path[] = "/tmp/check_whitelist_fifo_XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_ptr_null(whitelist_load(path, err, sizeof(err))); /* must not hang */
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
	unlink(path);
}
END_TEST

START_TEST(duplicates_and_whitespace)
{
	struct whitelist *wl = parse(HEAD ENTRY("a.test", "CN=mx.a.test,O=A,C=FR") ENTRY(
	    "A.TEST.",
	    "cn=MX.a.test, o=a, c=FR") "<Domaine>\n  <Nom>\n b.test \n</Nom>\n"
	                               "  <DNCertificatOperateur><![CDATA[CN=mx.a.test,O=A,C=FR]]>"
	                               "</DNCertificatOperateur><!-- c --><Futur>x</Futur>"
	                               "</Domaine>" TAIL);
	const struct whitelist_entry *e;

	ck_assert_msg(wl != NULL, "%s", err);
	ck_assert_uint_eq(whitelist_entry_count(wl), 3);
	ck_assert_uint_eq(whitelist_domain_count(wl), 2);
	ck_assert_uint_eq(whitelist_operator_count(wl), 1);
	ck_assert_uint_eq(whitelist_domain_entries(wl, "a.test", &e), 1);
	ck_assert_str_eq(e[0].op->dn, "CN=mx.a.test,O=A,C=FR"); /* first spelling kept */
	ck_assert_str_eq(e[0].description, "d");
	ck_assert_uint_eq(e[0].line, 4);
	ck_assert(whitelist_domain_listed(wl, "b.test"));
	ck_assert_uint_eq(whitelist_domain_entries(wl, "b.test", &e), 1);
	ck_assert_str_eq(e[0].description, "");
	ck_assert_str_eq(whitelist_generated(wl), "2026-01-01T00:00:00Z");
	whitelist_unref(&wl);

	/* XML white space around a DN ending in an escaped space: the escape
	 * keeps its space. */
	wl = parse(HEAD "<Domaine><Nom>d.test</Nom><DNCertificatOperateur>\n  CN=x\\ \n"
	                "</DNCertificatOperateur></Domaine>" TAIL);
	ck_assert_msg(wl != NULL, "%s", err);
	ck_assert(whitelist_dn_allowed(wl, "CN=x", "d.test"));
	whitelist_unref(&wl);
}
END_TEST

START_TEST(line_numbers_past_65535)
{
	size_t n = 70000, len = strlen(HEAD);
	char *xml = malloc(len + n + 512);
	const struct whitelist_entry *e;
	struct whitelist *wl;

	memcpy(xml, HEAD, len);
	memset(xml + len, '\n', n);
	strcpy(xml + len + n, ENTRY("a.test", "CN=x") TAIL);
	wl = whitelist_parse(xml, strlen(xml), "long.xml", err, sizeof(err));
	ck_assert_msg(wl != NULL, "%s", err);
	ck_assert_uint_eq(whitelist_domain_entries(wl, "a.test", &e), 1);
	ck_assert_uint_eq(e[0].line, 3 + n + 1);
	whitelist_unref(&wl);
	strcpy(xml + len + n, "<Domaine><Nom>a.test</Nom></Domaine>" TAIL);
	ck_assert_ptr_null(whitelist_parse(xml, strlen(xml), "long.xml", err, sizeof(err)));
	ck_assert_str_eq(err, "long.xml:70004: <Domaine> without <DNCertificatOperateur>");
	free(xml);
}
END_TEST

/* ---------------------------------------------------------------- holder */

static void write_file(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	/* A new inode each time, as an atomic update (rename) makes. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert(fputs(text, f) >= 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

START_TEST(holder_reload)
{
	char dir[] = "/tmp/check_whitelist_dir_XXXXXX", path[4096];
	struct whitelist_holder h;
	struct whitelist *kept;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/wl.xml", dir);
	whitelist_holder_init(&h, path);
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_FAILED);
	ck_assert_ptr_null(whitelist_holder_get(&h));
	/* Nothing loaded: nothing is listed. */
	ck_assert(!whitelist_domain_listed(whitelist_holder_get(&h), "a.test"));
	ck_assert(!whitelist_dn_allowed(whitelist_holder_get(&h), "CN=x", "a.test"));
	ck_assert_ptr_null(whitelist_operator_find(whitelist_holder_get(&h), "CN=x"));
	ck_assert_ptr_null(whitelist_holder_ref(&h));
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_UNCHANGED);

	write_file(path, GOOD);
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_RELOADED);
	ck_assert(whitelist_domain_listed(whitelist_holder_get(&h), "a.test"));
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_UNCHANGED);
	kept = whitelist_holder_ref(&h);

	/* A broken version: reported once, the last good one stays. */
	write_file(path, HEAD ENTRY("b.test", "CN=x") "</ListeDomaines>");
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_FAILED);
	ck_assert_msg(strstr(err, path) == err && strstr(err, "not well-formed"), "%s", err);
	ck_assert_ptr_eq(whitelist_holder_get(&h), kept);
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_UNCHANGED);
	ck_assert(whitelist_domain_listed(whitelist_holder_get(&h), "a.test"));

	write_file(path, HEAD ENTRY("b.test", "CN=x") TAIL);
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_RELOADED);
	ck_assert(whitelist_domain_listed(whitelist_holder_get(&h), "b.test"));
	ck_assert(!whitelist_domain_listed(whitelist_holder_get(&h), "a.test"));
	/* The reference taken before still reads the old index. */
	ck_assert(whitelist_domain_listed(kept, "a.test"));
	whitelist_unref(&kept);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_FAILED);
	ck_assert_msg(strstr(err, strerror(ENOENT)) != NULL, "%s", err);
	ck_assert(whitelist_domain_listed(whitelist_holder_get(&h), "b.test"));
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_UNCHANGED);
	write_file(path, GOOD);
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_RELOADED);
	ck_assert(whitelist_domain_listed(whitelist_holder_get(&h), "a.test"));
	whitelist_holder_free(&h);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(holder_in_place_rewrite)
{
	/* Same inode, new size: an editor saving in place is seen too. */
	char path[] = "/tmp/check_whitelist_inplace_XXXXXX";
	int fd = mkstemp(path);
	struct whitelist_holder h;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	whitelist_holder_init(&h, path);
	f = fopen(path, "w");
	fputs(GOOD, f);
	fclose(f);
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_RELOADED);
	f = fopen(path, "w");
	fputs(HEAD ENTRY("a.test", "CN=x") ENTRY("c.test", "CN=x") TAIL, f);
	fclose(f);
	ck_assert_int_eq(whitelist_holder_refresh(&h, err, sizeof(err)), WHITELIST_RELOADED);
	ck_assert(whitelist_domain_listed(whitelist_holder_get(&h), "c.test"));
	whitelist_holder_free(&h);
	unlink(path);
}
END_TEST

/* ---------------------------------------------------------------- DN keys */

static const struct {
	const char *text, *key;
} dn_good[] = {
    {MEDIMAIL,
     "CN=medimail-asip.mipih.fr,OU=318310021300028,O=gip mipih,ST=haute-garonne (31),C=fr"},
    {"cn = Foo  Bar , o=X;c=FR", "CN=foo bar,O=x,C=fr"},
    {"commonName=x", "CN=x"},
    {"2.5.4.3=x", "CN=x"},
    {"OID.2.5.4.3=x", "CN=x"},
    {"stateOrProvinceName=Paris (75)", "ST=paris (75)"},
    {"S=Paris", "ST=paris"},
    {"E=a@b.fr", "EMAILADDRESS=a@b.fr"},
    {"1.2.3.4=x", "1.2.3.4=x"},
    {"dnQualifier=x", "2.5.4.46=x"},
    {"CN=a\\,b", "CN=a\\,b"},
    {"CN=a\\2Cb", "CN=a\\,b"},
    {"CN=a\\2cb", "CN=a\\,b"},
    {"CN=Haute-Sa\\C3\\B4ne", "CN=haute-saône"},
    {"CN=Haute-Saône", "CN=haute-saône"},
    {"CN=\\ a\\ ", "CN=a"},
    {"CN=\\#1", "CN=\\#1"},
    {"CN=a#1", "CN=a#1"},
    {"CN=x=y", "CN=x\\=y"},
    {"CN=a\\00b", "CN=a\\00b"},
    {"O=\"A, B\"", "O=a\\, b"},
    {"O=\"A \\\" B\" ,C=FR", "O=a \\\" b,C=fr"},
    {"CN=#0C03616263", "CN=abc"},
    {"CN=#130141", "CN=a"},
    {"CN=a+UID=b,C=FR", "CN=a+UID=b,C=fr"},
    {"UID=b + CN=a,C=FR", "CN=a+UID=b,C=fr"},
    {"CN=", "CN="},
};

START_TEST(dn_keys)
{
	char again[DN_KEY_MAX];
	const char *why = NULL;
	const char *key = key_of(dn_good[_i].text);

	ck_assert_str_eq(key, dn_good[_i].key);
	/* A key read back as text is the same key. */
	ck_assert_int_eq(dn_normalize(key, strlen(key), again, sizeof(again), &why), 0);
	ck_assert_str_eq(again, key);
}
END_TEST

static const struct {
	const char *text, *why;
} dn_bad[] = {
    {"", "empty DN"},
    {"   ", "empty DN"},
    {"CN", "'=' expected"},
    {"=x", "attribute type expected"},
    {"CN=a,", "attribute type expected"},
    {"CN=a+", "attribute type expected"},
    {"FOO=bar", "unknown attribute type"},
    {"CN=a\\qb", "bad escape"},
    {"CN=a\\", "backslash at the end"},
    {"CN=\\C3", "not valid UTF-8"},
    {"CN=\\C0\\AF", "not valid UTF-8"},
    {"CN=\\ED\\A0\\80", "not valid UTF-8"},
    {"CN=#zz", "not a BER-encoded string"},
    {"CN=#0201FF", "not a BER-encoded string"},
    {"CN=#0C05ab", "not a BER-encoded string"},
    {"CN=#0C0161 x", "separator expected"},
    {"O=\"abc", "unterminated quoted value"},
    {"O=\"abc\" d", "separator expected"},
    {"1.2..3=x", "unknown attribute type"},
    {"OID.=x", "unknown attribute type"},
    {"CN=1+CN=2+CN=3+CN=4+CN=5+CN=6+CN=7+CN=8+CN=9+CN=10+CN=11+CN=12+CN=13+CN=14+CN=15+"
     "CN=16+CN=17",
     "too many values in one RDN"},
};

START_TEST(dn_refused)
{
	char key[DN_KEY_MAX];
	const char *why = NULL;

	ck_assert_msg(
	    dn_normalize(dn_bad[_i].text, strlen(dn_bad[_i].text), key, sizeof(key), &why) < 0,
	    "accepted %s as %s", dn_bad[_i].text, key);
	ck_assert_msg(why != NULL && strstr(why, dn_bad[_i].why) != NULL, "%s: %s", dn_bad[_i].text,
	              why);
}
END_TEST

START_TEST(dn_limits)
{
	char big[DN_KEY_MAX + 64], key[DN_KEY_MAX], small[8];
	const char *why;

	memset(big, 'a', sizeof(big));
	memcpy(big, "CN=", 3);
	ck_assert_int_lt(dn_normalize(big, sizeof(big), key, sizeof(key), &why), 0);
	ck_assert_str_eq(why, "DN too long");
	ck_assert_int_lt(dn_normalize("CN=abcdefgh", 11, small, sizeof(small), &why), 0);
	ck_assert_str_eq(why, "DN too long");
	ck_assert_int_lt(dn_normalize("CN=a\0b", 6, key, sizeof(key), &why), 0);
	ck_assert_str_eq(why, "NUL byte in the DN");
}
END_TEST

/* ---------------------------------------------------------------- certificates */

/* A self-signed certificate whose subject is built in ASN.1 order, the way
 * a CA writes it: C first, CN last. */
static X509 *make_cert(X509_NAME *subject)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();

	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_nonnull(x);
	ck_assert(X509_set_version(x, 2));
	ck_assert(ASN1_INTEGER_set(X509_get_serialNumber(x), 1));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	ck_assert(X509_set_subject_name(x, subject));
	ck_assert(X509_set_issuer_name(x, subject));
	ck_assert(X509_set_pubkey(x, key));
	ck_assert(X509_sign(x, key, EVP_sha256()) > 0);
	EVP_PKEY_free(key);
	return x;
}

static void add(X509_NAME *n, const char *type, int asn1, const char *value, int set)
{
	ck_assert(
	    X509_NAME_add_entry_by_txt(n, type, asn1, (const unsigned char *)value, -1, -1, set));
}

/* The operator name of the snapshot's ahbfc.mssante.fr line. */
static X509_NAME *ahbfc_name(int o_type)
{
	X509_NAME *n = X509_NAME_new();

	add(n, "C", MBSTRING_ASC, "FR", 0);
	add(n, "ST", MBSTRING_UTF8, "Haute-Saône (70)", 0);
	if (o_type == V_ASN1_BMPSTRING) {
		static const unsigned char bmp[] = "\0C\0H\0S\0 \0S\0T\0 \0R\0E\0M\0Y\0 \0E\0T\0 "
		                                   "\0N\0F\0C\0 \0S\0I\0T\0E\0 \0S\0A\0I\0N\0T\0 "
		                                   "\0R\0E\0M\0Y";
		ck_assert(X509_NAME_add_entry_by_NID(n, NID_organizationName, V_ASN1_BMPSTRING, bmp,
		                                     (int)sizeof(bmp) - 1, -1, 0));
	} else {
		add(n, "O", MBSTRING_UTF8, "CHS ST REMY ET NFC SITE SAINT REMY", 0);
	}
	add(n, "OU", MBSTRING_ASC, "1700780075", 0);
	add(n, "CN", MBSTRING_ASC, "esm.ahbfc.fr", 0);
	return n;
}

static char *x509_key(const X509_NAME *n)
{
	static char key[DN_KEY_MAX];
	const char *why = NULL;

	ck_assert_msg(dn_from_x509_name(n, key, sizeof(key), &why) == 0, "%s", why);
	return key;
}

START_TEST(certificate_matches_its_line)
{
	size_t len;
	char *xml = slurp(SNAPSHOT, &len), printed[DN_KEY_MAX], key[DN_KEY_MAX];
	struct whitelist *wl;
	const char *why;

	strcpy(xml + len, "</ListeBlancheMSSante>\n");
	wl = whitelist_parse(xml, strlen(xml), "snap.xml", err, sizeof(err));
	ck_assert_msg(wl != NULL, "%s", err);
	for (int bmp = 0; bmp <= 1; bmp++) {
		X509_NAME *n = ahbfc_name(bmp ? V_ASN1_BMPSTRING : V_ASN1_UTF8STRING);
		X509 *cert = make_cert(n);
		const X509_NAME *subject = X509_get_subject_name(cert);
		BIO *b = BIO_new(BIO_s_mem());
		BUF_MEM *bm;

		ck_assert_str_eq(x509_key(subject), key_of(AHBFC));
		ck_assert(whitelist_x509_allowed(wl, subject, "ahbfc.mssante.fr"));
		ck_assert(whitelist_x509_allowed(wl, subject, "AHBFC.mssante.fr."));
		ck_assert(!whitelist_x509_allowed(wl, subject, "adsea29.mssante.fr"));
		/* What tls_session_peer_dn() prints (RFC 2253, UTF-8 as \C3\B4)
		 * gives the same key. */
		ck_assert(X509_NAME_print_ex(b, subject, 0, XN_FLAG_RFC2253) > 0);
		BIO_get_mem_ptr(b, &bm);
		ck_assert_uint_lt(bm->length, sizeof(printed));
		memcpy(printed, bm->data, bm->length);
		printed[bm->length] = '\0';
		ck_assert_msg(dn_normalize(printed, strlen(printed), key, sizeof(key), &why) == 0,
		              "%s: %s", printed, why);
		ck_assert_str_eq(key, key_of(AHBFC));
		BIO_free(b);
		X509_free(cert);
		X509_NAME_free(n);
	}
	whitelist_unref(&wl);
	free(xml);
}
END_TEST

START_TEST(certificate_mismatches)
{
	struct whitelist *wl =
	    parse(HEAD ENTRY("a.test", "CN=mx.a.test,OU=1,O=A,ST=Paris (75),C=FR") TAIL);
	X509_NAME *n = X509_NAME_new();
	X509 *cert;

	ck_assert_msg(wl != NULL, "%s", err);
	/* Same attributes, reversed order (CN first in ASN.1): another DN. */
	add(n, "CN", MBSTRING_ASC, "mx.a.test", 0);
	add(n, "OU", MBSTRING_ASC, "1", 0);
	add(n, "O", MBSTRING_ASC, "A", 0);
	add(n, "ST", MBSTRING_ASC, "Paris (75)", 0);
	add(n, "C", MBSTRING_ASC, "FR", 0);
	cert = make_cert(n);
	ck_assert(!whitelist_x509_allowed(wl, X509_get_subject_name(cert), "a.test"));
	X509_free(cert);
	X509_NAME_free(n);

	/* One attribute more (an extra OU) is another DN too. */
	n = X509_NAME_new();
	add(n, "C", MBSTRING_ASC, "FR", 0);
	add(n, "ST", MBSTRING_ASC, "Paris (75)", 0);
	add(n, "O", MBSTRING_ASC, "A", 0);
	add(n, "OU", MBSTRING_ASC, "1", 0);
	add(n, "OU", MBSTRING_ASC, "2", 0);
	add(n, "CN", MBSTRING_ASC, "mx.a.test", 0);
	ck_assert(!whitelist_x509_allowed(wl, n, "a.test"));
	X509_NAME_free(n);
	ck_assert(!whitelist_x509_allowed(wl, NULL, "a.test"));
	whitelist_unref(&wl);
}
END_TEST

START_TEST(certificate_multivalued_rdn)
{
	X509_NAME *n = X509_NAME_new();
	const char *why;
	char key[DN_KEY_MAX];

	add(n, "C", MBSTRING_ASC, "FR", 0);
	add(n, "O", MBSTRING_ASC, "A, B", 0);
	add(n, "CN", MBSTRING_ASC, "mx", 0);
	add(n, "UID", MBSTRING_ASC, "42", -1); /* same RDN as CN */
	ck_assert_str_eq(x509_key(n), "CN=mx+UID=42,O=a\\, b,C=fr");
	ck_assert_str_eq(x509_key(n), key_of("uid=42+cn=MX, o=A\\, B, c=FR"));
	X509_NAME_free(n);
	n = X509_NAME_new();
	ck_assert_int_lt(dn_from_x509_name(n, key, sizeof(key), &why), 0);
	ck_assert_str_eq(why, "empty DN");
	X509_NAME_free(n);
}
END_TEST

static Suite *whitelist_suite(void)
{
	Suite *s = suite_create("whitelist");
	TCase *tc = tcase_create("file");
	TCase *td = tcase_create("dn");

	tcase_add_test(tc, snapshot_as_shipped_is_truncated);
	tcase_add_test(tc, snapshot_completed);
	tcase_add_loop_test(tc, malformed, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, nothing_on_stderr);
	tcase_add_test(tc, empty_and_too_big);
	tcase_add_test(tc, fifo_refused);
	tcase_add_test(tc, duplicates_and_whitespace);
	tcase_add_test(tc, line_numbers_past_65535);
	tcase_add_test(tc, holder_reload);
	tcase_add_test(tc, holder_in_place_rewrite);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(td, dn_keys, 0, (int)(sizeof(dn_good) / sizeof(dn_good[0])));
	tcase_add_loop_test(td, dn_refused, 0, (int)(sizeof(dn_bad) / sizeof(dn_bad[0])));
	tcase_add_test(td, dn_limits);
	tcase_add_test(td, certificate_matches_its_line);
	tcase_add_test(td, certificate_mismatches);
	tcase_add_test(td, certificate_multivalued_rdn);
	suite_add_tcase(s, td);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(whitelist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
