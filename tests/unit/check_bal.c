/* SPDX-License-Identifier: ISC */
/* BAL rules: every holder case of store_bal_validate (PER, CAB, ORG, APP;
 * EX_GBM_4312), then the storage rules of store_bal_create/update/delete. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "idnat.h"
#include "store_test.h"

#define RPPS_A "810001234565"
#define RPPS_B "810007654329"
#define RPPS_C "810000000017"
#define RPPS_BAD_KEY "810001234566"
#define RPPS_SHORT "81000123456"
#define ADELI_OK "0123456789"
#define FINESS_OK "1750712184"
#define FINESS_BAD_KEY "1750712185"
#define SIRET_OK "373282932000074"
#define SIRET_BAD_KEY "373282932000075"

struct holder_case {
	const char *label;
	enum store_bal_type type;
	int holder_type;
	const char *holder;
	const char *coholders[3];
	int want;            /* 0 or STORE_E_INVALID */
	const char *why_has; /* substring of the reason, when refused */
};

static const struct holder_case holder_cases[] = {
    {"PER RPPS", BAL_PER, 8, RPPS_A, {NULL}, 0, NULL},
    {"PER ADELI", BAL_PER, 0, ADELI_OK, {NULL}, 0, NULL},
    {"PER RPPS bad Luhn", BAL_PER, 8, RPPS_BAD_KEY, {NULL}, STORE_E_INVALID, "check digit"},
    {"PER RPPS wrong length", BAL_PER, 8, RPPS_SHORT, {NULL}, STORE_E_INVALID, "11 digits"},
    {"PER RPPS non-digit", BAL_PER, 8, "81000123456X", {NULL}, STORE_E_INVALID, "11 digits"},
    {"PER ADELI wrong length", BAL_PER, 0, "012345678", {NULL}, STORE_E_INVALID, "9 digits"},
    {"PER type 8, ADELI idNat", BAL_PER, 8, ADELI_OK, {NULL}, STORE_E_INVALID, "start with"},
    {"PER type 0, RPPS idNat", BAL_PER, 0, RPPS_A, {NULL}, STORE_E_INVALID, "start with"},
    {"PER type 10", BAL_PER, 10, "10dr.house@example.test", {NULL}, STORE_E_INVALID, "EX_GBM_4312"},
    {"PER FINESS", BAL_PER, 1, FINESS_OK, {NULL}, STORE_E_INVALID, "type 8 (RPPS) or 0"},
    {"PER with co-holder", BAL_PER, 8, RPPS_A, {RPPS_B}, STORE_E_INVALID, "co-holder"},
    {"CAB RPPS", BAL_CAB, 8, RPPS_A, {NULL}, 0, NULL},
    {"CAB RPPS + co-holders", BAL_CAB, 8, RPPS_A, {RPPS_B, RPPS_C}, 0, NULL},
    {"CAB ADELI responsible", BAL_CAB, 0, ADELI_OK, {NULL}, STORE_E_INVALID, "RPPS"},
    {"CAB FINESS responsible", BAL_CAB, 1, FINESS_OK, {NULL}, STORE_E_INVALID, "RPPS"},
    {"CAB bad responsible key", BAL_CAB, 8, RPPS_BAD_KEY, {NULL}, STORE_E_INVALID, "check digit"},
    {"CAB bad co-holder key",
     BAL_CAB,
     8,
     RPPS_A,
     {RPPS_B, RPPS_BAD_KEY},
     STORE_E_INVALID,
     "check digit"},
    {"CAB ADELI co-holder", BAL_CAB, 8, RPPS_A, {ADELI_OK}, STORE_E_INVALID, "start with"},
    {"CAB duplicate co-holder", BAL_CAB, 8, RPPS_A, {RPPS_B, RPPS_B}, STORE_E_INVALID, "twice"},
    {"CAB co-holder = responsible", BAL_CAB, 8, RPPS_A, {RPPS_A}, STORE_E_INVALID, "repeats"},
    {"ORG FINESS", BAL_ORG, 1, FINESS_OK, {NULL}, 0, NULL},
    {"ORG SIRET", BAL_ORG, 3, SIRET_OK, {NULL}, 0, NULL},
    {"APP FINESS", BAL_APP, 1, FINESS_OK, {NULL}, 0, NULL},
    {"APP SIRET", BAL_APP, 3, SIRET_OK, {NULL}, 0, NULL},
    {"ORG FINESS bad key", BAL_ORG, 1, FINESS_BAD_KEY, {NULL}, STORE_E_INVALID, "check digit"},
    {"ORG SIRET bad key", BAL_ORG, 3, SIRET_BAD_KEY, {NULL}, STORE_E_INVALID, "check digit"},
    {"APP SIRET wrong length", BAL_APP, 3, "37328293200007", {NULL}, STORE_E_INVALID, "14 digits"},
    {"ORG type 1, SIRET idNat", BAL_ORG, 1, SIRET_OK, {NULL}, STORE_E_INVALID, NULL},
    {"ORG RPPS", BAL_ORG, 8, RPPS_A, {NULL}, STORE_E_INVALID, "structure"},
    {"APP ADELI", BAL_APP, 0, ADELI_OK, {NULL}, STORE_E_INVALID, "structure"},
    {"ORG with co-holder", BAL_ORG, 1, FINESS_OK, {RPPS_B}, STORE_E_INVALID, "co-holder"},
    {"unknown type", (enum store_bal_type)9, 8, RPPS_A, {NULL}, STORE_E_INVALID, "type"},
};

static void bal_fill(struct store_bal *b, const char *addr, enum store_bal_type type,
                     int holder_type, const char *holder)
{
	memset(b, 0, sizeof(*b));
	strcpy(b->address, addr);
	b->type = type;
	b->holder_type = holder_type;
	strcpy(b->holder, holder);
}

START_TEST(test_luhn_fixtures)
{
	/* the fixtures above are right or wrong for the stated reason */
	char d[32] = "1000123456";

	store_test_luhn_complete(d);
	ck_assert_str_eq(d, RPPS_A + 1);
	ck_assert(idnat_luhn_ok(RPPS_B + 1));
	ck_assert(idnat_luhn_ok(RPPS_C + 1));
	ck_assert(!idnat_luhn_ok(RPPS_BAD_KEY + 1));
	ck_assert(idnat_luhn_ok(FINESS_OK + 1));
	ck_assert(idnat_luhn_ok(SIRET_OK + 1));
	ck_assert(!idnat_luhn_ok(SIRET_BAD_KEY + 1));
}
END_TEST

START_TEST(test_holder_case)
{
	const struct holder_case *c = &holder_cases[_i];
	struct store_bal b;
	const char *why = "unset";
	int rc;

	bal_fill(&b, "someone@example.test", c->type, c->holder_type, c->holder);
	for (int i = 0; i < 3 && c->coholders[i] != NULL; i++)
		strcpy(b.coholders[b.n_coholders++], c->coholders[i]);
	rc = store_bal_validate(&b, &why);
	ck_assert_msg(rc == c->want, "%s: got %d (%s), want %d", c->label, rc, why ? why : "-",
	              c->want);
	if (c->want == 0) {
		ck_assert_ptr_null(why);
	} else {
		ck_assert_ptr_nonnull(why);
		if (c->why_has != NULL)
			ck_assert_msg(strstr(why, c->why_has) != NULL, "%s: reason '%s' lacks '%s'",
			              c->label, why, c->why_has);
	}
}
END_TEST

START_TEST(test_type10_message)
{
	struct store_bal b;
	const char *why = NULL;

	bal_fill(&b, "dr.house@example.test", BAL_PER, 10, "10dr.house@example.test");
	ck_assert_int_eq(store_bal_validate(&b, &why), STORE_E_INVALID);
	ck_assert_str_eq(why, "EX_GBM_4312: a new PER BAL cannot be held by an identifier of type "
	                      "10 (MSSante address); give the holder's RPPS (type 8) or ADELI "
	                      "(type 0)");
}
END_TEST

START_TEST(test_coholders_max)
{
	struct store_bal b;
	const char *why = NULL;
	char d[32];

	bal_fill(&b, "cab@example.test", BAL_CAB, 8, RPPS_A);
	for (unsigned i = 0; i < STORE_COHOLDERS_MAX; i++) {
		snprintf(d, sizeof(d), "200000%04u", i);
		store_test_luhn_complete(d);
		snprintf(b.coholders[i], sizeof(b.coholders[i]), "8%s", d);
	}
	b.n_coholders = STORE_COHOLDERS_MAX;
	ck_assert_int_eq(store_bal_validate(&b, &why), 0);
	b.n_coholders = STORE_COHOLDERS_MAX + 1;
	ck_assert_int_eq(store_bal_validate(&b, &why), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "16"));
}
END_TEST

static const char *const bad_addresses[] = {
    "",
    "no-at-sign",
    "@example.test",
    "user@",
    "a@b@example.test",
    "user@bad..test",
    ".user@example.test",
    "user.@example.test",
    "us..er@example.test",
    "us er@example.test",
    "user@-example.test",
    "user@exa_mple.test",
    "x12345678901234567890123456789012345678901234567890123456789012345@example.test",
};

START_TEST(test_address_syntax)
{
	struct store_bal b;
	const char *why = NULL;

	bal_fill(&b, bad_addresses[_i], BAL_PER, 8, RPPS_A);
	ck_assert_msg(store_bal_validate(&b, &why) == STORE_E_INVALID, "accepted '%s'",
	              bad_addresses[_i]);
	ck_assert_ptr_nonnull(strstr(why, "local@domain"));
}
END_TEST

START_TEST(test_address_ok)
{
	static const char *const good[] = {"jean.dupont@cab.example.mssante.fr", "A+b@Example.TEST",
	                                   "o'brien@x.test"};
	struct store_bal b;
	const char *why = NULL;
	char longest[STORE_ADDR_MAX + 16];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		bal_fill(&b, good[i], BAL_PER, 8, RPPS_A);
		ck_assert_msg(store_bal_validate(&b, &why) == 0, "%s: %s", good[i], why);
	}
	/* 254 characters is the limit (RFC 5321 path); the BAL field holds 254 */
	memset(longest, 'a', 60);
	longest[60] = '@';
	for (int i = 61; i < STORE_ADDR_MAX; i += 10)
		memcpy(longest + i, "bbbbbbbbb.", 10);
	longest[STORE_ADDR_MAX - 1] = 'c';
	longest[STORE_ADDR_MAX] = '\0';
	bal_fill(&b, "x@y.test", BAL_PER, 8, RPPS_A);
	memcpy(b.address, longest, STORE_ADDR_MAX + 1);
	ck_assert_msg(store_bal_validate(&b, &why) == 0, "%s", why);
	/* one more fills the array without a NUL: refused, not overread */
	memcpy(b.address, longest, STORE_ADDR_MAX);
	b.address[STORE_ADDR_MAX - 1] = 'b';
	b.address[STORE_ADDR_MAX] = 'c';
	ck_assert_int_eq(store_bal_validate(&b, &why), STORE_E_INVALID);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(store_bal_type_name(BAL_PER), "PER");
	ck_assert_str_eq(store_bal_type_name(BAL_APP), "APP");
	ck_assert_int_eq(store_bal_type_parse("cab"), BAL_CAB);
	ck_assert_int_eq(store_bal_type_parse("XYZ"), -1);
	ck_assert_str_eq(store_bal_state_name(BAL_DELETION_REQUESTED), "deletion-requested");
	ck_assert_int_eq(store_bal_state_parse("suspended"), BAL_SUSPENDED);
	ck_assert_int_eq(store_bal_state_parse("gone"), -1);
}
END_TEST

/* ---------------------------------------------------------------- with storage */

static char dir[256];
static struct store *S;

static void setup(void)
{
	struct store_opts o = {.path = dir};
	const char *why;

	store_test_dir(dir);
	ck_assert_int_eq(store_open(&o, &S, &why), 0);
}

static void teardown(void)
{
	store_close(&S);
	store_test_rmdir(dir);
}

static int ap_domain(struct store_txn *t, void *ctx)
{
	return store_domain_add(t, ctx);
}

struct bal_ctx {
	struct store_bal bal;
	const char *why;
	int op; /* 0 create, 1 update, 2 delete */
};

static int ap_bal(struct store_txn *t, void *ctx)
{
	struct bal_ctx *c = ctx;

	c->why = NULL;
	switch (c->op) {
	case 0:
		return store_bal_create(t, &c->bal, &c->why);
	case 1:
		return store_bal_update(t, &c->bal, &c->why);
	default:
		return store_bal_delete(t, c->bal.id);
	}
}

static int create(struct bal_ctx *c, const char *addr, int holder_type, const char *holder)
{
	bal_fill(&c->bal, addr, BAL_PER, holder_type, holder);
	c->op = 0;
	return store_write(S, ap_bal, c);
}

static int count_mb(void *arg, const struct store_mailbox *mb)
{
	unsigned *su = arg;

	*su |= mb->special_use;
	su[1]++;
	return 0;
}

START_TEST(test_create_needs_domain)
{
	struct bal_ctx c;

	ck_assert_int_eq(create(&c, "doc@nowhere.test", 8, RPPS_A), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(c.why, "domain"));
	ck_assert_int_eq(store_write(S, ap_domain, "nowhere.test"), 0);
	ck_assert_int_eq(create(&c, "Doc@NoWhere.test", 8, RPPS_A), 0);
	ck_assert_str_eq(c.bal.address, "doc@nowhere.test");
	ck_assert(c.bal.created != 0);
	ck_assert_int_eq(c.bal.state, BAL_ACTIVE);
}
END_TEST

START_TEST(test_create_defaults)
{
	struct bal_ctx c;
	struct store_txn *t;
	struct store_bal got;
	struct store_mailbox mb;
	struct store_quota q;
	unsigned su[2] = {0, 0};

	ck_assert_int_eq(store_write(S, ap_domain, "example.test"), 0);
	bal_fill(&c.bal, "cab@example.test", BAL_CAB, 8, RPPS_A);
	strcpy(c.bal.coholders[0], RPPS_B);
	c.bal.n_coholders = 1;
	strcpy(c.bal.display_name, "Cabinet Dupont");
	c.bal.quota_bytes = 5ULL << 30;
	c.op = 0;
	ck_assert_int_eq(store_write(S, ap_bal, &c), 0);
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_bal_get(t, c.bal.id, &got), 1);
	ck_assert_str_eq(got.address, "cab@example.test");
	ck_assert_int_eq(got.type, BAL_CAB);
	ck_assert_uint_eq(got.n_coholders, 1);
	ck_assert_str_eq(got.coholders[0], RPPS_B);
	ck_assert_str_eq(got.display_name, "Cabinet Dupont");
	ck_assert_uint_eq(got.quota_bytes, 5ULL << 30);
	ck_assert_int_eq(store_quota_get(t, c.bal.id, &q), 0);
	ck_assert_uint_eq(q.bytes, 0);
	ck_assert_int_eq(store_mailbox_each(t, c.bal.id, count_mb, su), 0);
	ck_assert_uint_eq(su[1], 5);
	ck_assert_uint_eq(su[0], MBOX_SU_SENT | MBOX_SU_DRAFTS | MBOX_SU_TRASH | MBOX_SU_JUNK);
	ck_assert_int_eq(store_mailbox_get(t, c.bal.id, "Drafts", &mb), 1);
	ck_assert_uint_eq(mb.special_use, MBOX_SU_DRAFTS);
	ck_assert_int_eq(store_bal_get(t, c.bal.id + 1, &got), 0);
	ck_assert_int_eq(store_bal_get_by_addr(t, "nobody@example.test", &got), 0);
	store_read_end(&t);
}
END_TEST

START_TEST(test_duplicate_address)
{
	struct bal_ctx c;

	ck_assert_int_eq(store_write(S, ap_domain, "example.test"), 0);
	ck_assert_int_eq(create(&c, "jean@example.test", 8, RPPS_A), 0);
	ck_assert_int_eq(create(&c, "JEAN@Example.Test", 8, RPPS_B), STORE_E_EXISTS);
	ck_assert_ptr_nonnull(strstr(c.why, "already"));
	/* a refused create leaves nothing behind */
	ck_assert_int_eq(create(&c, "bad@example.test", 8, RPPS_BAD_KEY), STORE_E_INVALID);
	ck_assert_int_eq(create(&c, "bad@example.test", 8, RPPS_B), 0);
}
END_TEST

START_TEST(test_update_immutable)
{
	struct bal_ctx c, u;
	struct store_txn *t;
	struct store_bal got;

	ck_assert_int_eq(store_write(S, ap_domain, "example.test"), 0);
	ck_assert_int_eq(create(&c, "jean@example.test", 8, RPPS_A), 0);
	u = c;
	u.op = 1;
	strcpy(u.bal.address, "other@example.test");
	ck_assert_int_eq(store_write(S, ap_bal, &u), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(u.why, "address"));
	u = c;
	u.op = 1;
	u.bal.type = BAL_ORG;
	u.bal.holder_type = 1;
	strcpy(u.bal.holder, FINESS_OK);
	ck_assert_int_eq(store_write(S, ap_bal, &u), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(u.why, "type"));
	/* holder rules apply again on update */
	u = c;
	u.op = 1;
	u.bal.holder_type = 10;
	strcpy(u.bal.holder, "10jean@example.test");
	ck_assert_int_eq(store_write(S, ap_bal, &u), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(u.why, "EX_GBM_4312"));
	/* allowed changes, address given in another case */
	u = c;
	u.op = 1;
	strcpy(u.bal.address, "JEAN@example.test");
	strcpy(u.bal.display_name, "Dr Jean");
	u.bal.state = BAL_SUSPENDED;
	u.bal.quota_messages = 10;
	strcpy(u.bal.holder, RPPS_B);
	u.bal.created = 0;
	ck_assert_int_eq(store_write(S, ap_bal, &u), 0);
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_bal_get_by_addr(t, "jean@EXAMPLE.test", &got), 1);
	ck_assert_str_eq(got.address, "jean@example.test");
	ck_assert_str_eq(got.display_name, "Dr Jean");
	ck_assert_int_eq(got.state, BAL_SUSPENDED);
	ck_assert_str_eq(got.holder, RPPS_B);
	ck_assert_uint_eq(got.quota_messages, 10);
	ck_assert_int_eq(got.created, c.bal.created);
	store_read_end(&t);
	u.bal.id = 9999;
	ck_assert_int_eq(store_write(S, ap_bal, &u), STORE_E_NOTFOUND);
}
END_TEST

START_TEST(test_delete_retires_address)
{
	struct bal_ctx c, d;
	struct store_txn *t;
	struct store_bal got;
	uint64_t old_id;

	ck_assert_int_eq(store_write(S, ap_domain, "example.test"), 0);
	ck_assert_int_eq(create(&c, "jean@example.test", 8, RPPS_A), 0);
	old_id = c.bal.id;
	d = c;
	d.op = 2;
	ck_assert_int_eq(store_write(S, ap_bal, &d), 0);
	ck_assert_int_eq(store_write(S, ap_bal, &d), STORE_E_NOTFOUND);
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_bal_get_by_addr(t, "jean@example.test", &got), 0);
	ck_assert_int_eq(store_bal_get(t, old_id, &got), 0);
	store_read_end(&t);
	/* another holder may not take the address */
	ck_assert_int_eq(create(&c, "Jean@example.test", 8, RPPS_B), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(c.why, "retired"));
	/* the same holder may, and gets a new id */
	ck_assert_int_eq(create(&c, "jean@example.test", 8, RPPS_A), 0);
	ck_assert_uint_ne(c.bal.id, old_id);
}
END_TEST

/* Subscriptions of names that are no mailbox (DB_SUBS): per BAL, names
 * normalised like mailbox names, long names, and removed with the BAL. */
struct sub_ctx {
	uint64_t bal;
	const char *name;
	bool on;
};

static int ap_sub(struct store_txn *t, void *ctx)
{
	struct sub_ctx *c = ctx;

	return store_sub_orphan_set(t, c->bal, c->name, c->on);
}

static int sub_set(uint64_t bal, const char *name, bool on)
{
	struct sub_ctx c = {bal, name, on};

	return store_write(S, ap_sub, &c);
}

static int count_name(void *arg, const char *name)
{
	(void)name;
	(*(unsigned *)arg)++;
	return 0;
}

/* How many names bal keeps; *has is store_sub_orphan_get(name). */
static unsigned subs_of(uint64_t bal, const char *name, int *has)
{
	struct store_txn *t;
	unsigned n = 0;

	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_sub_orphan_each(t, bal, count_name, &n), 0);
	*has = store_sub_orphan_get(t, bal, name);
	store_read_end(&t);
	return n;
}

START_TEST(test_orphan_subscriptions)
{
	struct bal_ctx a, b;
	char longname[STORE_MBOX_NAME_MAX + 1];
	const char *why = NULL;
	int has;

	memset(longname, 'n', STORE_MBOX_NAME_MAX);
	longname[STORE_MBOX_NAME_MAX] = '\0';
	ck_assert_int_eq(store_write(S, ap_domain, "example.test"), 0);
	ck_assert_int_eq(create(&a, "jean@example.test", 8, RPPS_A), 0);
	ck_assert_int_eq(create(&b, "marie@example.test", 8, RPPS_B), 0);
	ck_assert_int_eq(sub_set(a.bal.id, "Gone", true), 0);
	ck_assert_int_eq(sub_set(a.bal.id, "Gone", true), 0); /* twice: one name */
	ck_assert_int_eq(sub_set(a.bal.id, "inbox/old", true), 0);
	ck_assert_int_eq(sub_set(a.bal.id, longname, true), 0);
	ck_assert_int_eq(sub_set(a.bal.id, "bad*name", true), STORE_E_INVALID);
	ck_assert_int_eq(sub_set(b.bal.id, "Other", true), 0);
	ck_assert_msg(store_check(S, &why) == 0, "%s", why);
	/* a mailbox of that name carries the subscription itself */
	ck_assert_int_eq(sub_set(b.bal.id, "Sent", true), 0);
	ck_assert_int_eq(store_check(S, &why), STORE_E_IO);
	ck_assert_ptr_nonnull(strstr(why, "Sent kept beside its mailbox"));
	ck_assert_int_eq(sub_set(b.bal.id, "Sent", false), 0);
	ck_assert_uint_eq(subs_of(a.bal.id, "Gone", &has), 3);
	ck_assert_int_eq(has, 1);
	subs_of(a.bal.id, "INBOX/old", &has); /* INBOX is case-insensitive */
	ck_assert_int_eq(has, 1);
	subs_of(a.bal.id, longname, &has);
	ck_assert_int_eq(has, 1);
	subs_of(a.bal.id, "Other", &has); /* another BAL's */
	ck_assert_int_eq(has, 0);
	ck_assert_int_eq(sub_set(a.bal.id, "Gone", false), 0);
	ck_assert_int_eq(sub_set(a.bal.id, "Gone", false), 0); /* not kept: fine */
	ck_assert_uint_eq(subs_of(a.bal.id, "Gone", &has), 2);
	ck_assert_int_eq(has, 0);
	/* deleting the BAL removes its names, not the other BAL's */
	a.op = 2;
	ck_assert_int_eq(store_write(S, ap_bal, &a), 0);
	ck_assert_uint_eq(subs_of(a.bal.id, longname, &has), 0);
	ck_assert_int_eq(has, 0);
	ck_assert_uint_eq(subs_of(b.bal.id, "Other", &has), 1);
	ck_assert_int_eq(has, 1);
	ck_assert_msg(store_check(S, &why) == 0, "%s", why);
}
END_TEST

static Suite *bal_suite(void)
{
	Suite *s = suite_create("bal");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_luhn_fixtures);
	tcase_add_loop_test(tc, test_holder_case, 0,
	                    (int)(sizeof(holder_cases) / sizeof(holder_cases[0])));
	tcase_add_test(tc, test_type10_message);
	tcase_add_test(tc, test_coholders_max);
	tcase_add_loop_test(tc, test_address_syntax, 0,
	                    (int)(sizeof(bad_addresses) / sizeof(bad_addresses[0])));
	tcase_add_test(tc, test_address_ok);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("storage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_create_needs_domain);
	tcase_add_test(tc, test_create_defaults);
	tcase_add_test(tc, test_duplicate_address);
	tcase_add_test(tc, test_update_immutable);
	tcase_add_test(tc, test_delete_retires_address);
	tcase_add_test(tc, test_orphan_subscriptions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
