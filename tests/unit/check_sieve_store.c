/* SPDX-License-Identifier: ISC */
/* libbalstore's Sieve tables: scripts (put, get, list, one active script,
 * delete refused while active, rename, HAVESPACE limits), the vacation
 * memory (RFC 5230), the duplicate memory (RFC 7352), their pruning, the
 * managed rules (vacation and forward settings), and their removal with the
 * BAL under store_check. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "store_test.h"

#define RPPS_OK "810001234565"
#define DOMAIN "example.test"
#define T0 1764590400

static char g_dir[256];
static struct store *g_s;
static uint64_t g_bal;

static int ap_domain(struct store_txn *t, void *ctx)
{
	return store_domain_add(t, ctx);
}

static int ap_bal(struct store_txn *t, void *ctx)
{
	const char *why;

	return store_bal_create(t, ctx, &why);
}

static uint64_t make_bal(const char *local)
{
	struct store_bal b = {0};

	snprintf(b.address, sizeof(b.address), "%s@" DOMAIN, local);
	b.type = BAL_PER;
	b.holder_type = 8;
	strcpy(b.holder, RPPS_OK);
	ck_assert_int_eq(store_write(g_s, ap_bal, &b), 0);
	return b.id;
}

static void setup(void)
{
	struct store_opts o = {0};
	const char *why = NULL;

	store_test_dir(g_dir);
	o.path = g_dir;
	ck_assert_int_eq(store_open(&o, &g_s, &why), 0);
	ck_assert_int_eq(store_write(g_s, ap_domain, DOMAIN), 0);
	g_bal = make_bal("jean.dupont");
}

static void teardown(void)
{
	store_close(&g_s);
	store_test_rmdir(g_dir);
}

static void check_consistent(void)
{
	const char *why = NULL;
	int rc = store_check(g_s, &why);

	ck_assert_msg(rc == 0, "store_check: %s", why ? why : "?");
}

/* ---------------------------------------------------------------- requests */

struct op {
	enum { OP_PUT, OP_ACTIVE, OP_DELETE, OP_RENAME, OP_BAL_DELETE, OP_VACATION, OP_DUP,
	       OP_PRUNE } kind;
	uint64_t bal;
	const char *name, *name2;
	const char *text;
	size_t text_len; /* 0: strlen(text) */
	int64_t now, period;
	bool last;
	/* out */
	enum store_sieve_space space;
	const char *why;
	bool allowed;
	uint64_t removed;
};

static int ap_op(struct store_txn *t, void *ctx)
{
	struct op *o = ctx;
	struct slice text = {(const uint8_t *)o->text, o->text_len ? o->text_len : (o->text ? strlen(o->text) : 0)};

	switch (o->kind) {
	case OP_PUT:
		return store_sieve_put(t, o->bal, o->name, text, 7, SLICE_STR("compiled"), o->now,
		                       &o->space, &o->why);
	case OP_ACTIVE:
		return store_sieve_set_active(t, o->bal, o->name);
	case OP_DELETE:
		return store_sieve_delete(t, o->bal, o->name, &o->why);
	case OP_RENAME:
		return store_sieve_rename(t, o->bal, o->name, o->name2, o->now, &o->why);
	case OP_BAL_DELETE:
		return store_bal_delete(t, o->bal);
	case OP_VACATION:
		return store_vacation_check_set(t, o->bal, o->name, o->name2, o->now, o->period,
		                                &o->allowed);
	case OP_DUP:
		return store_duplicate_record(t, o->bal, o->name, slice_from_cstr(o->name2), o->now,
		                              o->period, o->last);
	case OP_PRUNE:
		return store_sieve_memory_prune(t, o->now, &o->removed);
	}
	return STORE_E_INVALID;
}

static int put(const char *name, const char *text)
{
	struct op o = {.kind = OP_PUT, .bal = g_bal, .name = name, .text = text, .now = T0};

	return store_write(g_s, ap_op, &o);
}

static int activate(const char *name)
{
	struct op o = {.kind = OP_ACTIVE, .bal = g_bal, .name = name};

	return store_write(g_s, ap_op, &o);
}

static int del(const char *name)
{
	struct op o = {.kind = OP_DELETE, .bal = g_bal, .name = name};

	return store_write(g_s, ap_op, &o);
}

static int ren(const char *a, const char *b)
{
	struct op o = {.kind = OP_RENAME, .bal = g_bal, .name = a, .name2 = b, .now = T0 + 5};

	return store_write(g_s, ap_op, &o);
}

/* The script's text ("" when absent) and active flag. */
static char g_text[64];

static int get(const char *name, bool *active_r)
{
	struct store_txn *t;
	struct store_sieve s;
	int rc;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	rc = store_sieve_get(t, g_bal, name, &s);
	g_text[0] = '\0';
	if (rc == 1) {
		ck_assert_uint_lt(s.text.len, sizeof(g_text));
		memcpy(g_text, s.text.p, s.text.len);
		g_text[s.text.len] = '\0';
		ck_assert_uint_eq(s.compiled_version, 7);
		ck_assert(s.compiled.len == 8 && memcmp(s.compiled.p, "compiled", 8) == 0);
		if (active_r != NULL)
			*active_r = s.active;
	}
	store_read_end(&t);
	return rc;
}

static char g_active[STORE_SIEVE_NAME_MAX + 1];

static int active_name(void)
{
	struct store_txn *t;
	struct store_sieve s;
	int rc;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	rc = store_sieve_get_active(t, g_bal, &s);
	strcpy(g_active, rc == 1 ? s.name : "");
	store_read_end(&t);
	return rc;
}

static int list_one(void *arg, const struct store_sieve *s)
{
	char *out = arg;

	strcat(out, s->name);
	strcat(out, s->active ? "* " : " ");
	ck_assert_ptr_null(s->text.p);
	return 0;
}

static void list(char *out)
{
	struct store_txn *t;

	out[0] = '\0';
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_sieve_each(t, g_bal, list_one, out), 0);
	store_read_end(&t);
}

/* ---------------------------------------------------------------- scripts */

START_TEST(test_put_get_list)
{
	char l[512];
	bool active = true;
	uint32_t n;
	uint64_t bytes;
	struct store_txn *t;

	ck_assert_int_eq(put("vacances", "keep;"), 0);
	ck_assert_int_eq(put("filtres", "discard;"), 0);
	ck_assert_int_eq(get("vacances", &active), 1);
	ck_assert_str_eq(g_text, "keep;");
	ck_assert(!active);
	ck_assert_int_eq(get("absent", NULL), 0);
	list(l);
	ck_assert_str_eq(l, "filtres vacances ");
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_sieve_usage(t, g_bal, &n, &bytes), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(bytes, 13);
	/* a read txn cannot write */
	ck_assert_int_eq(store_sieve_put(t, g_bal, "x", SLICE_STR("keep;"), 1, SLICE_STR("c"), 0,
	                                 NULL, NULL),
	                 STORE_E_READONLY);
	store_read_end(&t);
	/* replace */
	ck_assert_int_eq(put("vacances", "stop;"), 0);
	ck_assert_int_eq(get("vacances", NULL), 1);
	ck_assert_str_eq(g_text, "stop;");
	check_consistent();
}
END_TEST

START_TEST(test_put_refusals)
{
	struct op o = {.kind = OP_PUT, .bal = g_bal, .name = "a", .text = ""};

	ck_assert_int_eq(store_write(g_s, ap_op, &o), STORE_E_INVALID);
	ck_assert_str_eq(o.why, "the script is empty");
	ck_assert_int_eq(put("", "keep;"), STORE_E_INVALID);
	ck_assert_int_eq(put("a\tb", "keep;"), STORE_E_INVALID);
	ck_assert_int_eq(put("a\xc2\x85z", "keep;"), STORE_E_INVALID);     /* U+0085 */
	ck_assert_int_eq(put("a\xe2\x80\xa8z", "keep;"), STORE_E_INVALID); /* U+2028 */
	ck_assert_int_eq(put("a\xc3", "keep;"), STORE_E_INVALID);          /* cut UTF-8 */
	ck_assert_int_eq(put("a\xc0\xaf", "keep;"), STORE_E_INVALID);      /* overlong */
	ck_assert_int_eq(put("r\xc3\xa8gles \xe2\x82\xac", "keep;"), 0);   /* règles € */
	char longname[STORE_SIEVE_NAME_MAX + 2];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(put(longname, "keep;"), STORE_E_INVALID);
	longname[STORE_SIEVE_NAME_MAX] = '\0';
	ck_assert_int_eq(put(longname, "keep;"), 0);
	o = (struct op){.kind = OP_PUT, .bal = 999, .name = "a", .text = "keep;"};
	ck_assert_int_eq(store_write(g_s, ap_op, &o), STORE_E_NOTFOUND);
	check_consistent();
}
END_TEST

START_TEST(test_active_one)
{
	ck_assert_int_eq(put("a", "keep;"), 0);
	ck_assert_int_eq(put("b", "keep;"), 0);
	ck_assert_int_eq(active_name(), 0);
	ck_assert_int_eq(activate("a"), 0);
	ck_assert_int_eq(active_name(), 1);
	ck_assert_str_eq(g_active, "a");
	ck_assert_int_eq(activate("b"), 0);
	ck_assert_int_eq(active_name(), 1);
	ck_assert_str_eq(g_active, "b");
	char l[128];
	list(l);
	ck_assert_str_eq(l, "a b* ");
	ck_assert_int_eq(activate("zz"), STORE_E_NOTFOUND);
	ck_assert_str_eq((active_name(), g_active), "b"); /* unchanged */
	/* replacing the active script keeps it active */
	ck_assert_int_eq(put("b", "discard;"), 0);
	ck_assert_str_eq((active_name(), g_active), "b");
	ck_assert_int_eq(activate(NULL), 0);
	ck_assert_int_eq(active_name(), 0);
	ck_assert_int_eq(activate("a"), 0);
	ck_assert_int_eq(activate(""), 0);
	ck_assert_int_eq(active_name(), 0);
	check_consistent();
}
END_TEST

START_TEST(test_delete_rename)
{
	bool active = false;
	struct op o = {.kind = OP_DELETE, .bal = g_bal, .name = "a"};

	ck_assert_int_eq(put("a", "keep;"), 0);
	ck_assert_int_eq(put("b", "stop;"), 0);
	ck_assert_int_eq(activate("a"), 0);
	ck_assert_int_eq(store_write(g_s, ap_op, &o), STORE_E_INVALID); /* RFC 5804 ACTIVE */
	ck_assert_ptr_nonnull(o.why);
	ck_assert_int_eq(get("a", NULL), 1);
	ck_assert_int_eq(del("b"), 0);
	ck_assert_int_eq(get("b", NULL), 0);
	ck_assert_int_eq(del("b"), STORE_E_NOTFOUND);
	ck_assert_int_eq(put("b", "stop;"), 0);
	ck_assert_int_eq(ren("a", "b"), STORE_E_EXISTS);
	ck_assert_int_eq(ren("zz", "c"), STORE_E_NOTFOUND);
	ck_assert_int_eq(ren("a", "bad\x01"), STORE_E_INVALID);
	ck_assert_int_eq(ren("a", "a"), 0);
	ck_assert_int_eq(ren("a", "c"), 0);
	ck_assert_int_eq(get("a", NULL), 0);
	ck_assert_int_eq(get("c", &active), 1);
	ck_assert_str_eq(g_text, "keep;");
	ck_assert(active); /* the active flag follows the script */
	ck_assert_str_eq((active_name(), g_active), "c");
	ck_assert_int_eq(activate(NULL), 0);
	ck_assert_int_eq(del("c"), 0);
	check_consistent();
}
END_TEST

START_TEST(test_havespace_limits)
{
	char name[16];
	char *big = malloc(STORE_SIEVE_SCRIPT_MAX + 2);
	struct op o = {.kind = OP_PUT, .bal = g_bal, .text = big};
	struct store_txn *t;
	enum store_sieve_space sp;
	const char *why = NULL;

	memset(big, '#', STORE_SIEVE_SCRIPT_MAX + 1);
	big[STORE_SIEVE_SCRIPT_MAX + 1] = '\0';
	o.name = "big";
	ck_assert_int_eq(store_write(g_s, ap_op, &o), STORE_E_QUOTA);
	ck_assert_int_eq(o.space, SIEVE_SPACE_MAXSIZE);
	/* four scripts of 256 KiB fill the 1 MiB of the BAL */
	o.text_len = STORE_SIEVE_SCRIPT_MAX;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "big%d", i);
		o.name = name;
		ck_assert_int_eq(store_write(g_s, ap_op, &o), 0);
	}
	ck_assert_int_eq(put("one-more", "k"), STORE_E_QUOTA);
	/* replacing one by a smaller text fits */
	o.name = "big0";
	o.text_len = 100;
	ck_assert_int_eq(store_write(g_s, ap_op, &o), 0);
	ck_assert_int_eq(put("one-more", "keep;"), 0);
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_sieve_space(t, g_bal, "x", STORE_SIEVE_SCRIPT_MAX, &sp, &why),
	                 STORE_E_QUOTA);
	ck_assert_int_eq(sp, SIEVE_SPACE_MAXSIZE);
	ck_assert_int_eq(store_sieve_space(t, g_bal, "x", 1000, &sp, &why), 0);
	store_read_end(&t);
	/* the script count */
	for (int i = 0; i < STORE_SIEVE_SCRIPTS_MAX - 5; i++) {
		snprintf(name, sizeof(name), "s%02d", i);
		ck_assert_int_eq(put(name, "keep;"), 0);
	}
	o = (struct op){.kind = OP_PUT, .bal = g_bal, .name = "last", .text = "keep;"};
	ck_assert_int_eq(store_write(g_s, ap_op, &o), STORE_E_QUOTA);
	ck_assert_int_eq(o.space, SIEVE_SPACE_MAXSCRIPTS);
	ck_assert_int_eq(put("s00", "stop;"), 0); /* a replacement adds no script */
	free(big);
	check_consistent();
}
END_TEST

START_TEST(test_bal_delete_removes_all)
{
	uint64_t other = make_bal("autre");
	struct op o = {.kind = OP_BAL_DELETE, .bal = g_bal};
	struct op v = {.kind = OP_VACATION, .bal = g_bal, .name = "a@b.test", .name2 = "",
	               .now = T0, .period = 86400};
	struct op d = {.kind = OP_DUP, .bal = g_bal, .name = "", .name2 = "<id@x>", .now = T0,
	               .period = 3600};
	char l[256];

	for (int i = 0; i < 5; i++) {
		char name[8];
		snprintf(name, sizeof(name), "s%d", i);
		ck_assert_int_eq(put(name, "keep;"), 0);
	}
	ck_assert_int_eq(activate("s3"), 0);
	ck_assert_int_eq(store_write(g_s, ap_op, &v), 0);
	ck_assert_int_eq(store_write(g_s, ap_op, &d), 0);
	/* the other BAL keeps its own */
	uint64_t keep = g_bal;
	g_bal = other;
	ck_assert_int_eq(put("mine", "keep;"), 0);
	v.bal = d.bal = other;
	ck_assert_int_eq(store_write(g_s, ap_op, &v), 0);
	ck_assert_int_eq(store_write(g_s, ap_op, &d), 0);
	g_bal = keep;
	check_consistent();
	ck_assert_int_eq(store_write(g_s, ap_op, &o), 0);
	list(l);
	ck_assert_str_eq(l, "");
	check_consistent(); /* no record of a missing BAL is left */
	g_bal = other;
	list(l);
	ck_assert_str_eq(l, "mine ");
	v.now = T0 + 10;
	ck_assert_int_eq(store_write(g_s, ap_op, &v), 0);
	ck_assert(!v.allowed); /* its vacation memory is intact */
}
END_TEST

/* ---------------------------------------------------------------- memories */

static bool vacation(const char *sender, const char *handle, int64_t now, int64_t period)
{
	struct op o = {.kind = OP_VACATION, .bal = g_bal, .name = sender, .name2 = handle,
	               .now = now, .period = period};

	ck_assert_int_eq(store_write(g_s, ap_op, &o), 0);
	return o.allowed;
}

START_TEST(test_vacation_period)
{
	ck_assert(vacation("Dr.Martin@Other.test", "", T0, 7 * 86400));
	ck_assert(!vacation("dr.martin@other.test", "", T0 + 3600, 7 * 86400)); /* case */
	ck_assert(vacation("dr.martin@other.test", "congés", T0 + 3600, 7 * 86400)); /* handle */
	ck_assert(vacation("autre@other.test", "", T0 + 3600, 7 * 86400));
	ck_assert(!vacation("dr.martin@other.test", "", T0 + 7 * 86400 - 1, 7 * 86400));
	ck_assert(vacation("dr.martin@other.test", "", T0 + 7 * 86400, 7 * 86400));
	/* the period counts from the last reply */
	ck_assert(!vacation("dr.martin@other.test", "", T0 + 8 * 86400, 7 * 86400));
	/* :seconds 0 (RFC 6131): always */
	ck_assert(vacation("x@other.test", "", T0, 0));
	ck_assert(vacation("x@other.test", "", T0, 0));
	/* a clock set back does not silence replies forever */
	ck_assert(vacation("y@other.test", "", T0 + 100000, 60));
	ck_assert(vacation("y@other.test", "", T0, 60));
	check_consistent();
}
END_TEST

static int dup_seen(const char *handle, const char *id, int64_t now)
{
	struct store_txn *t;
	int rc;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	rc = store_duplicate_seen(t, g_bal, handle, slice_from_cstr(id), now);
	store_read_end(&t);
	return rc;
}

static void dup_record(const char *handle, const char *id, int64_t now, int64_t secs, bool last)
{
	struct op o = {.kind = OP_DUP, .bal = g_bal, .name = handle, .name2 = id, .now = now,
	               .period = secs, .last = last};

	ck_assert_int_eq(store_write(g_s, ap_op, &o), 0);
}

START_TEST(test_duplicate)
{
	ck_assert_int_eq(dup_seen("", "<a@x>", T0), 0);
	dup_record("", "<a@x>", T0, 100, false);
	ck_assert_int_eq(dup_seen("", "<a@x>", T0 + 50), 1);
	ck_assert_int_eq(dup_seen("", "<A@x>", T0 + 50), 0); /* values are exact */
	ck_assert_int_eq(dup_seen("h", "<a@x>", T0 + 50), 0); /* handles apart */
	/* without :last the expiry stays at the first sighting */
	dup_record("", "<a@x>", T0 + 90, 100, false);
	ck_assert_int_eq(dup_seen("", "<a@x>", T0 + 100), 0);
	/* with :last each sighting pushes it */
	dup_record("", "<b@x>", T0, 100, true);
	dup_record("", "<b@x>", T0 + 90, 100, true);
	ck_assert_int_eq(dup_seen("", "<b@x>", T0 + 150), 1);
	ck_assert_int_eq(dup_seen("", "<b@x>", T0 + 190), 0);
	/* an expired record starts again */
	dup_record("", "<a@x>", T0 + 500, 100, false);
	ck_assert_int_eq(dup_seen("", "<a@x>", T0 + 550), 1);
	check_consistent();
}
END_TEST

START_TEST(test_prune)
{
	struct op p = {.kind = OP_PRUNE, .now = T0 + 1000};

	ck_assert(vacation("a@o.test", "", T0, 500));  /* expires T0+500 */
	ck_assert(vacation("b@o.test", "", T0, 5000)); /* expires T0+5000 */
	dup_record("", "<a@x>", T0, 100, false);
	dup_record("", "<b@x>", T0, 10000, false);
	dup_record("", "<c@x>", T0, 200, false);
	ck_assert_int_eq(store_write(g_s, ap_op, &p), 0);
	ck_assert_uint_eq(p.removed, 3);
	ck_assert_int_eq(dup_seen("", "<b@x>", T0 + 1000), 1);
	ck_assert(!vacation("b@o.test", "", T0 + 1000, 5000));
	ck_assert(vacation("a@o.test", "", T0 + 1000, 500));
	ck_assert_int_eq(store_write(g_s, ap_op, &p), 0);
	ck_assert_uint_eq(p.removed, 0);
	/* the daily job's form: the vacation record of a expires at T0+1500 */
	uint64_t n = 99;
	ck_assert_int_eq(store_job_sieve_prune(g_s, T0 + 1500, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(vacation("a@o.test", "", T0 + 1501, 500));
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- managed rules */

struct managed_op {
	bool del;
	uint64_t bal;
	struct store_sieve_managed m;
	const char *why;
};

static int ap_managed(struct store_txn *t, void *ctx)
{
	struct managed_op *o = ctx;

	o->why = NULL;
	if (o->del)
		return store_sieve_managed_delete(t, o->bal);
	return store_sieve_managed_put(t, o->bal, &o->m, &o->why);
}

/* A vacation from 2026-12-20 to 2027-01-03 and a forward with a copy. */
static void managed_full(struct store_sieve_managed *m)
{
	memset(m, 0, sizeof(*m));
	m->text = SLICE_STR("require \"vacation\";\nvacation \"Absent.\";\n");
	m->compiled = SLICE_STR("BSV1compiled");
	m->compiled_version = 1;
	m->updated = T0;
	m->vacation = true;
	m->vacation_subject = SLICE_STR("Absence du Dr Dupont");
	m->vacation_message = SLICE_STR("Je suis absent.\r\nÉcrivez à mon confrère.");
	strcpy(m->vacation_from, "2026-12-20");
	strcpy(m->vacation_until, "2027-01-03");
	m->vacation_days = 7;
	m->forward = true;
	m->forward_keep_copy = true;
	strcpy(m->forward_to, "dr.dupont@" DOMAIN);
}

static bool slice_is(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static int managed_get(uint64_t bal, const struct store_sieve_managed *want)
{
	struct store_sieve_managed m;
	struct store_txn *t;
	int rc;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	rc = store_sieve_managed_get(t, bal, &m);
	if (rc == 1 && want != NULL) {
		ck_assert(slice_is(m.text, want->text) && slice_is(m.compiled, want->compiled));
		ck_assert_uint_eq(m.compiled_version, want->compiled_version);
		ck_assert_int_eq(m.updated, want->updated);
		ck_assert(m.vacation == want->vacation && m.forward == want->forward);
		ck_assert(m.forward_keep_copy == want->forward_keep_copy);
		ck_assert(slice_is(m.vacation_subject, want->vacation_subject));
		ck_assert(slice_is(m.vacation_message, want->vacation_message));
		ck_assert_str_eq(m.vacation_from, want->vacation_from);
		ck_assert_str_eq(m.vacation_until, want->vacation_until);
		ck_assert_uint_eq(m.vacation_days, want->vacation_days);
		ck_assert_str_eq(m.forward_to, want->forward_to);
	}
	store_read_end(&t);
	return rc;
}

START_TEST(test_managed_put_get)
{
	struct managed_op o = {.bal = g_bal};
	uint64_t other = make_bal("autre");

	ck_assert_int_eq(managed_get(g_bal, NULL), 0);
	managed_full(&o.m);
	ck_assert_int_eq(store_write(g_s, ap_managed, &o), 0);
	ck_assert_int_eq(managed_get(g_bal, &o.m), 1);
	ck_assert_int_eq(managed_get(other, NULL), 0);
	/* replaced: the forward only, no dates, now from the clock */
	memset(&o.m, 0, sizeof(o.m));
	o.m.text = SLICE_STR("redirect \"x@y.test\";\n");
	o.m.compiled = SLICE_STR("c");
	o.m.forward = true;
	strcpy(o.m.forward_to, "x@y.test");
	ck_assert_int_eq(store_write(g_s, ap_managed, &o), 0);
	{
		struct store_sieve_managed m;
		struct store_txn *t;

		ck_assert_int_eq(store_read_begin(g_s, &t), 0);
		ck_assert_int_eq(store_sieve_managed_get(t, g_bal, &m), 1);
		ck_assert(!m.vacation && m.forward && !m.forward_keep_copy);
		ck_assert(m.updated > T0);
		ck_assert_uint_eq(m.vacation_subject.len + m.vacation_message.len, 0);
		ck_assert_str_eq(m.vacation_from, "");
		store_read_end(&t);
	}
	/* a vacation without subject (the default one) nor dates */
	managed_full(&o.m);
	o.m.forward = o.m.forward_keep_copy = false;
	o.m.forward_to[0] = '\0';
	o.m.vacation_subject = (struct slice){NULL, 0};
	o.m.vacation_from[0] = o.m.vacation_until[0] = '\0';
	o.m.vacation_days = 30;
	ck_assert_int_eq(store_write(g_s, ap_managed, &o), 0);
	ck_assert_int_eq(managed_get(g_bal, &o.m), 1);
	check_consistent();
}
END_TEST

START_TEST(test_managed_refusals)
{
	struct managed_op o = {.bal = g_bal};
	static const char *const bad_dates[] = {"2026-02-29", "2026-13-01", "2026-00-10",
	                                        "2026-04-31", "2026-1-01",  "26-01-01",
	                                        "2026/01/01", "1969-12-31", "2026-01-0a", ""};

	ck_assert_int_eq(store_date_check("2028-02-29"), 0);
	ck_assert_int_eq(store_date_check("2026-12-31"), 0);
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++)
		ck_assert_msg(store_date_check(bad_dates[i]) == STORE_E_INVALID, "%s", bad_dates[i]);
#define REFUSED(change, part)                                                                      \
	do {                                                                                       \
		managed_full(&o.m);                                                                \
		change;                                                                            \
		ck_assert_int_eq(store_write(g_s, ap_managed, &o), STORE_E_INVALID);               \
		ck_assert_msg(o.why != NULL && strstr(o.why, part) != NULL, "%s: %s", #change,     \
		              o.why ? o.why : "(null)");                                           \
	} while (0)
	REFUSED((o.m.vacation = o.m.forward = false), "neither");
	REFUSED(o.m.vacation_message.len = 0, "message is empty");
	REFUSED(o.m.vacation_days = 0, "1 to 30 days");
	REFUSED(o.m.vacation_days = 31, "1 to 30 days");
	REFUSED(strcpy(o.m.vacation_from, "2026-02-30"), "YYYY-MM-DD");
	REFUSED(strcpy(o.m.vacation_until, "2026-12-19"), "ends before it starts");
	REFUSED(o.m.vacation_subject.len = STORE_VACATION_SUBJECT_MAX + 1, "subject is longer");
	REFUSED(o.m.vacation_message = SLICE_STR("a\0b"), "NUL");
	REFUSED(strcpy(o.m.forward_to, "pas une adresse"), "local@domain");
	REFUSED(strcpy(o.m.forward_to, "@" DOMAIN), "local@domain");
	REFUSED(o.m.text.len = 0, "script is empty");
	REFUSED(o.m.compiled.len = 0, "compiled form");
	REFUSED((o.m.vacation = false), "vacation fields set");
	REFUSED((o.m.forward = false), "forward fields set");
	REFUSED(memset(o.m.forward_to, 'a', sizeof(o.m.forward_to)), "unterminated");
#undef REFUSED
	ck_assert_int_eq(managed_get(g_bal, NULL), 0); /* nothing stored */
	managed_full(&o.m);
	o.bal = g_bal + 100;
	ck_assert_int_eq(store_write(g_s, ap_managed, &o), STORE_E_NOTFOUND);
	check_consistent();
}
END_TEST

START_TEST(test_managed_delete)
{
	struct managed_op o = {.bal = g_bal}, d = {.del = true, .bal = g_bal};
	struct op bd = {.kind = OP_BAL_DELETE, .bal = g_bal};
	uint64_t other = make_bal("autre");

	ck_assert_int_eq(store_write(g_s, ap_managed, &d), STORE_E_NOTFOUND);
	managed_full(&o.m);
	ck_assert_int_eq(store_write(g_s, ap_managed, &o), 0);
	ck_assert_int_eq(store_write(g_s, ap_managed, &d), 0);
	ck_assert_int_eq(managed_get(g_bal, NULL), 0);
	ck_assert_int_eq(store_write(g_s, ap_managed, &d), STORE_E_NOTFOUND);
	/* removed with its BAL; the other BAL's record stays */
	ck_assert_int_eq(store_write(g_s, ap_managed, &o), 0);
	o.bal = other;
	ck_assert_int_eq(store_write(g_s, ap_managed, &o), 0);
	check_consistent();
	ck_assert_int_eq(store_write(g_s, ap_op, &bd), 0);
	ck_assert_int_eq(managed_get(g_bal, NULL), 0);
	ck_assert_int_eq(managed_get(other, &o.m), 1);
	check_consistent();
}
END_TEST

static Suite *sieve_store_suite(void)
{
	Suite *s = suite_create("sieve_store");
	TCase *tc = tcase_create("scripts");
	TCase *tm = tcase_create("memories");
	TCase *tg = tcase_create("managed");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_put_get_list);
	tcase_add_test(tc, test_put_refusals);
	tcase_add_test(tc, test_active_one);
	tcase_add_test(tc, test_delete_rename);
	tcase_add_test(tc, test_havespace_limits);
	tcase_add_test(tc, test_bal_delete_removes_all);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tm, setup, teardown);
	tcase_set_timeout(tm, 120);
	tcase_add_test(tm, test_vacation_period);
	tcase_add_test(tm, test_duplicate);
	tcase_add_test(tm, test_prune);
	suite_add_tcase(s, tm);
	tcase_add_checked_fixture(tg, setup, teardown);
	tcase_set_timeout(tg, 120);
	tcase_add_test(tg, test_managed_put_get);
	tcase_add_test(tg, test_managed_refusals);
	tcase_add_test(tg, test_managed_delete);
	suite_add_tcase(s, tg);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sieve_store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
