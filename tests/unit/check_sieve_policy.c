/* SPDX-License-Identifier: ISC */
/* The forwarding rule (server/sieve_policy.c): every case of RE_GBM_4480
 * for a PER BAL (local targets in storage, other operators' in the
 * Annuaire extraction), the structures' switch for ORG, CAB and APP, and
 * the French reasons that cite the rule. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "sieve_policy.h"
#include "trust_snap.h"
#include "store_test.h"
#include "templates_fr.h"

#define RPPS_A "810001234565"
#define RPPS_B "810007654329"
#define FINESS "1750712184"
#define LOCAL "cab.example.mssante.fr"
#define REMOTE "autre.mssante.fr"

static char g_dir[256];
static struct store *g_s;
static struct store_bal g_per, g_per2, g_per3, g_org, g_cab, g_app;
static struct annuaire *g_ann;
static struct whitelist *g_wl;
static struct sieve_policy g_p;

static const char g_wl_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\">\n"
    "<ListeDomaines><Domaine><Nom>" REMOTE "</Nom>"
    "<DNCertificatOperateur>CN=mx.autre.fr,O=Autre,C=FR</DNCertificatOperateur></Domaine>"
    "</ListeDomaines></ListeBlancheMSSante>\n";

static int ap_domain(struct store_txn *t, void *ctx)
{
	return store_domain_add(t, ctx);
}

static int ap_bal(struct store_txn *t, void *ctx)
{
	const char *why;

	return store_bal_create(t, ctx, &why);
}

static void make(struct store_bal *b, const char *local, enum store_bal_type type, int ht,
                 const char *holder)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->address, sizeof(b->address), "%s@" LOCAL, local);
	b->type = type;
	b->holder_type = ht;
	strcpy(b->holder, holder);
	ck_assert_int_eq(store_write(g_s, ap_bal, b), 0);
}

/* One line of the extraction: type, address, idNat, then 28 empty columns. */
static void ann_row(struct buf *b, const char *type, const char *addr, const char *idnat)
{
	buf_printf(b, "%s|%s|8||%s||||||||||||||||||||||||||\n", type, addr, idnat);
}

static void setup(void)
{
	struct store_opts o = {0};
	const char *why = NULL;
	char err[512];
	struct buf b;

	store_test_dir(g_dir);
	o.path = g_dir;
	ck_assert_int_eq(store_open(&o, &g_s, &why), 0);
	ck_assert_int_eq(store_write(g_s, ap_domain, LOCAL), 0);
	make(&g_per, "jean.dupont", BAL_PER, 8, RPPS_A);
	make(&g_per2, "dr.dupont", BAL_PER, 8, RPPS_A);
	make(&g_per3, "marie.martin", BAL_PER, 8, RPPS_B);
	make(&g_org, "secretariat", BAL_ORG, 1, FINESS);
	make(&g_cab, "cabinet", BAL_CAB, 8, RPPS_A);
	make(&g_app, "robot", BAL_APP, 1, FINESS);
	buf_init(&b, 0);
	buf_printf(&b, "Type de BAL|Adresse BAL||||||||||||||||||||||||||||||\n");
	ann_row(&b, "PER", "Jean.Dupont@" REMOTE, RPPS_A);
	ann_row(&b, "PER", "autre.pro@" REMOTE, RPPS_B);
	ann_row(&b, "ORG", "accueil@" REMOTE, "");
	ann_row(&b, "PER", "double@" REMOTE, RPPS_A);
	ann_row(&b, "PER", "double@" REMOTE, RPPS_B);
	ann_row(&b, "PER", "sans.rpps@" REMOTE, "");
	ann_row(&b, "PER", "cab.twice@" REMOTE, RPPS_A);
	ann_row(&b, "ORG", "cab.twice@" REMOTE, RPPS_A);
	g_ann = annuaire_parse(b.data, b.len, "a.txt", err, sizeof(err));
	ck_assert_msg(g_ann != NULL, "%s", err);
	buf_free(&b);
	g_wl = whitelist_parse(g_wl_xml, sizeof(g_wl_xml) - 1, "wl.xml", err, sizeof(err));
	ck_assert_msg(g_wl != NULL, "%s", err);
	g_p = (struct sieve_policy){g_ann, g_wl, false};
}

static void teardown(void)
{
	annuaire_unref(&g_ann);
	whitelist_unref(&g_wl);
	store_close(&g_s);
	store_test_rmdir(g_dir);
}

static char g_fr[2048];
static const char *g_why;

static int redirect(const struct store_bal *from, const char *target)
{
	struct store_txn *t;
	struct buf b;
	int rc;

	buf_init(&b, 0);
	g_why = NULL;
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	rc = sieve_policy_redirect(&g_p, t, from, target, &b, &g_why);
	store_read_end(&t);
	buf_cstr(&b);
	snprintf(g_fr, sizeof(g_fr), "%s", b.len ? (char *)b.data : "");
	buf_free(&b);
	ck_assert(rc == SIEVE_REDIRECT_ALLOWED ? g_fr[0] == '\0' && g_why == NULL
	                                       : g_fr[0] != '\0' && g_why != NULL);
	return rc;
}

static void refused(const struct store_bal *from, const char *target, const char *fr_part)
{
	ck_assert_int_eq(redirect(from, target), SIEVE_REDIRECT_REFUSED);
	ck_assert_msg(strstr(g_fr, fr_part) != NULL, "%s: %s lacks %s", target, g_fr, fr_part);
}

#define RULE "RE_GBM_4480"

START_TEST(test_per_local)
{
	ck_assert_int_eq(redirect(&g_per, "dr.dupont@" LOCAL), SIEVE_REDIRECT_ALLOWED);
	ck_assert_int_eq(redirect(&g_per, "DR.Dupont@CAB.example.mssante.fr"), SIEVE_REDIRECT_ALLOWED);
	refused(&g_per, "marie.martin@" LOCAL, "détenue par un autre professionnel");
	ck_assert_ptr_nonnull(strstr(g_fr, RULE));
	ck_assert_ptr_nonnull(strstr(g_fr, "« marie.martin@" LOCAL " »"));
	ck_assert_ptr_nonnull(strstr(g_fr, "même RPPS"));
	refused(&g_per, "secretariat@" LOCAL, "pas une boîte aux lettres personnelle (PER)");
	refused(&g_per, "cabinet@" LOCAL, "(PER)"); /* a CAB of the same RPPS is no PER */
	refused(&g_per, "personne@" LOCAL, "aucune boîte aux lettres n'existe");
	refused(&g_per, "Jean.Dupont@" LOCAL, "la boîte elle-même");
	ck_assert_ptr_nonnull(strstr(g_fr, RULE));
}
END_TEST

START_TEST(test_per_bad_addresses)
{
	static const char *const bad[] = {"", "pas une adresse", "a@", "@b.fr", "a@b@c.fr",
	                                  "a b@c.fr", "a@b..fr", "a@-b.fr", "a\n@b.fr"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(&g_per, bad[i], "pas une adresse de messagerie valide");
	refused(&g_per, NULL, "pas une adresse de messagerie valide");
	/* control characters are not echoed */
	refused(&g_per, "a\n@b.fr", "« a?@b.fr »");
}
END_TEST

START_TEST(test_per_remote)
{
	ck_assert_int_eq(redirect(&g_per, "jean.dupont@" REMOTE), SIEVE_REDIRECT_ALLOWED);
	ck_assert_int_eq(redirect(&g_per, "JEAN.DUPONT@autre.MSSANTE.fr"), SIEVE_REDIRECT_ALLOWED);
	refused(&g_per, "autre.pro@" REMOTE, "détenue par un autre professionnel");
	refused(&g_per, "accueil@" REMOTE, "(PER)");
	refused(&g_per, "double@" REMOTE, "autre professionnel"); /* one line disagrees */
	refused(&g_per, "cab.twice@" REMOTE, "(PER)");
	refused(&g_per, "sans.rpps@" REMOTE, "autre professionnel");
	refused(&g_per, "inconnu@" REMOTE, "ne figure pas dans l'Annuaire Santé");
	ck_assert_ptr_nonnull(strstr(g_fr, RULE));
	/* the switch for structures changes nothing for a PER BAL */
	g_p.redirect_structures = true;
	refused(&g_per, "inconnu@" REMOTE, "ne figure pas dans l'Annuaire Santé");
	g_p.annuaire = NULL;
	refused(&g_per, "jean.dupont@" REMOTE, "n'est pas disponible");
	/* local targets need no Annuaire */
	ck_assert_int_eq(redirect(&g_per, "dr.dupont@" LOCAL), SIEVE_REDIRECT_ALLOWED);
}
END_TEST

START_TEST(test_structures_off)
{
	const struct store_bal *from[] = {&g_org, &g_cab, &g_app};
	const char *type[] = {"ORG", "CAB", "APP"};

	for (int i = 0; i < 3; i++) {
		char want[64];
		refused(from[i], "jean.dupont@" REMOTE, "n'est pas activé");
		snprintf(want, sizeof(want), "de type %s", type[i]);
		ck_assert_ptr_nonnull(strstr(g_fr, want));
		ck_assert_ptr_null(strstr(g_fr, RULE));
		refused(from[i], "dr.dupont@" LOCAL, "n'est pas activé");
	}
}
END_TEST

START_TEST(test_structures_on)
{
	const struct store_bal *from[] = {&g_org, &g_cab, &g_app};

	g_p.redirect_structures = true;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(redirect(from[i], "accueil@" REMOTE), SIEVE_REDIRECT_ALLOWED);
		ck_assert_int_eq(redirect(from[i], "qui.que.ce.soit@Autre.MSSante.fr"),
		                 SIEVE_REDIRECT_ALLOWED);
		ck_assert_int_eq(redirect(from[i], "marie.martin@" LOCAL), SIEVE_REDIRECT_ALLOWED);
		refused(from[i], "x@gmail.com", "n'appartient pas à l'espace de confiance");
		refused(from[i], "personne@" LOCAL, "aucune boîte aux lettres n'existe");
		refused(from[i], "pas une adresse", "pas une adresse de messagerie valide");
	}
	refused(&g_org, "secretariat@" LOCAL, "elle-même");
	g_p.whitelist = NULL;
	refused(&g_org, "accueil@" REMOTE, "n'appartient pas à l'espace de confiance");
	ck_assert_int_eq(redirect(&g_org, "marie.martin@" LOCAL), SIEVE_REDIRECT_ALLOWED);
}
END_TEST

START_TEST(test_reason_texts)
{
	struct buf b;

	buf_init(&b, 0);
	for (int r = 0; r < TFR_REDIRECT_COUNT; r++) {
		buf_reset(&b);
		ck_assert_int_eq(tfr_redirect_refusal(r, "x@y.fr", "PER", &b), 0);
		buf_cstr(&b);
		ck_assert_ptr_nonnull(strstr((char *)b.data, "Le transfert vers « x@y.fr » est refusé : "));
		ck_assert_ptr_nonnull(strstr((char *)b.data, RULE));
	}
	ck_assert_int_eq(tfr_redirect_refusal(TFR_REDIRECT_COUNT, "x", "PER", &b), -1);
	buf_free(&b);
}
END_TEST


/* server/trust_snap.c: a policy taken from the snapshot keeps its indexes
 * when they are replaced or withdrawn meanwhile (ASan would see a freed
 * index), and a publisher thread racing with readers frees nothing in use. */
START_TEST(test_trust_snap_refs)
{
	struct trust_snap *t = trust_snap_new(true);
	struct sieve_policy p;

	trust_snap_policy_get(t, &p);
	ck_assert_ptr_null(p.annuaire);
	ck_assert_ptr_null(p.whitelist);
	ck_assert(p.redirect_structures);
	trust_snap_policy_put(&p);
	trust_snap_set_annuaire(t, g_ann);
	trust_snap_set_whitelist(t, g_wl);
	trust_snap_policy_get(t, &p);
	trust_snap_set_annuaire(t, NULL);
	trust_snap_set_whitelist(t, NULL);
	annuaire_unref(&g_ann); /* the policy's references keep them alive */
	whitelist_unref(&g_wl);
	g_p = p;
	g_p.redirect_structures = false;
	ck_assert_int_eq(redirect(&g_per, "jean.dupont@" REMOTE), SIEVE_REDIRECT_ALLOWED);
	refused(&g_per, "autre.pro@" REMOTE, RULE);
	trust_snap_policy_put(&p);
	ck_assert_ptr_null(p.annuaire);
	trust_snap_free(&t);
	ck_assert_ptr_null(t);
}
END_TEST

struct race {
	struct trust_snap *t;
	struct annuaire *a;
	struct whitelist *wl;
	int rounds;
};

static void *publisher(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < r->rounds; i++) {
		trust_snap_set_annuaire(r->t, i % 3 == 2 ? NULL : r->a);
		trust_snap_set_whitelist(r->t, i % 5 == 4 ? NULL : r->wl);
	}
	return NULL;
}

START_TEST(test_trust_snap_race)
{
	struct race r = {trust_snap_new(false), g_ann, g_wl, 20000};
	pthread_t th;
	unsigned seen = 0;

	ck_assert_int_eq(pthread_create(&th, NULL, publisher, &r), 0);
	for (int i = 0; i < r.rounds; i++) {
		struct sieve_policy p;

		trust_snap_policy_get(r.t, &p);
		if (p.annuaire != NULL)
			seen += annuaire_address_count(p.annuaire) > 0;
		trust_snap_policy_put(&p);
	}
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	trust_snap_free(&r.t);
	/* Only the fixture's references are left: teardown frees both. */
	(void)seen;
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("sieve_policy");
	TCase *tc = tcase_create("redirect");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_per_local);
	tcase_add_test(tc, test_per_bad_addresses);
	tcase_add_test(tc, test_per_remote);
	tcase_add_test(tc, test_structures_off);
	tcase_add_test(tc, test_structures_on);
	tcase_add_test(tc, test_reason_texts);
	tcase_add_test(tc, test_trust_snap_refs);
	tcase_add_test(tc, test_trust_snap_race);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
