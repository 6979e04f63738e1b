/* SPDX-License-Identifier: ISC */
/* Sieve at delivery: each local recipient's scripts loaded and run in the
 * delivery's write transaction, their actions combined into one plan
 * (sieve_deliver_exec.c carries it out), and the time it takes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sieve_deliver_int.h"
#include "templates_fr.h"
#include "util.h"

static struct sieve_deliver_stats g_stats; /* __atomic accesses only */

uint64_t sieve_deliver_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sieve_deliver_begin(struct sieve_deliver *s, struct store_txn *txn,
                         const struct sieve_deliver_msg *m)
{
	memset(s, 0, sizeof(*s));
	s->txn = txn;
	s->m = m;
}

/* ---------------------------------------------------------------- run */

/* What the engine asks of storage while a script runs. */
struct sdv_env {
	struct store_txn *txn;
	uint64_t bal_id;
	int64_t now;
};

static int env_mailbox_exists(void *ctx, const char *mailbox)
{
	struct sdv_env *e = ctx;
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	int rc = store_mailbox_get(e->txn, e->bal_id, mailbox, mb);

	free(mb);
	return rc == STORE_E_INVALID ? 0 : rc < 0 ? -1 : rc;
}

static int env_duplicate_seen(void *ctx, const char *handle, const char *id, uint64_t seconds)
{
	struct sdv_env *e = ctx;
	int rc = store_duplicate_seen(e->txn, e->bal_id, handle != NULL ? handle : "",
	                              slice_from_cstr(id), e->now);

	(void)seconds; /* the record's expiry was set when it was recorded */
	return rc < 0 ? -1 : rc;
}

/* The zone of the date tests and currentdate: Paris time (the EU rule,
 * computed), whatever the machine's zone or its sandbox's view of it; the
 * managed vacation's first and last days are Paris dates. */
static int zone_minutes(int64_t now)
{
	return tfr_paris_offset(now) / 60;
}

/* The engine's errors may quote script strings (which variables may have
 * filled from the message): only what comes before the first quote is
 * logged. */
static void log_run_error(uint64_t bal_id, const char *kind, const char *error)
{
	size_t n = strcspn(error, "\"");

	log_warn("sieve run-time error bal=%llu script=%s, message kept: %.*s",
	         (unsigned long long)bal_id, kind, (int)n, error);
}

static int run_one(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
                   unsigned kind, const struct sieve_script *sc, struct sdv_plan *plan)
{
	const char *name = kind == SDV_KIND_MANAGED ? "managed" : "active";
	struct sdv_env ctx = {.txn = s->txn, .bal_id = bal->id, .now = s->m->now};
	struct sieve_msg_env env = {0};
	struct sieve_result *res = &plan->res[plan->nres];
	int rc = 0;

	plan->kind[plan->nres++] = kind;
	env.msg = m->data.p;
	env.len = m->data.len;
	env.mail_from = m->return_path;
	env.rcpt_to = bal->address;
	env.now = s->m->now;
	env.tz_minutes = zone_minutes(s->m->now);
	env.ctx = &ctx;
	env.mailbox_exists = env_mailbox_exists;
	env.duplicate_seen = env_duplicate_seen;
	/* redirect_allowed and vacation_sent stay NULL: the forwarding rule
	 * and the reply memory are applied when the actions are carried out
	 * (sieve_deliver_exec.c), for both scripts alike. */
	if (sieve_run(sc, &env, res) < 0) {
		plan->error = true;
		log_run_error(bal->id, name, res->error != NULL ? res->error : "unknown");
		/* Never the error's text in the trace: it may quote the script. */
		rc = sdv_audit(s, bal, kind, "sieve.error", "error: message kept in INBOX",
		               "script=%s", name);
	}
	s->scripts_run++;
	return rc;
}

/* ---------------------------------------------------------------- combine */

static bool has_keep(const struct sieve_result *r, bool explicit_only)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->v[i].type == SIEVE_ACT_KEEP && (!explicit_only || !r->v[i].implicit))
			return true;
	return false;
}

/* The implicit keep happens when no script cancelled it; an explicit keep
 * (or a run-time error's keep) in either script keeps. */
static void combine(struct sdv_plan *p)
{
	bool keep = true, forced = p->error;

	for (unsigned k = 0; k < p->nres; k++) {
		keep = keep && has_keep(&p->res[k], false);
		forced = forced || has_keep(&p->res[k], true);
	}
	p->keep = NULL;
	p->nacts = 0;
	for (unsigned k = 0; k < p->nres; k++) {
		for (unsigned i = 0; i < p->res[k].n; i++) {
			const struct sieve_action *a = &p->res[k].v[i];

			if (a->type != SIEVE_ACT_KEEP)
				p->acts[p->nacts++] = a;
			else if ((keep || forced) &&
			         (p->keep == NULL || (p->keep->implicit && !a->implicit)))
				p->keep = a; /* an explicit keep's flags win */
		}
	}
}

static void plan_free(struct sdv_plan *p)
{
	for (unsigned k = 0; k < p->nres; k++)
		sieve_result_free(&p->res[k]);
	p->nres = 0;
}

/* Runs one stored script (kind SDV_KIND_*) into plan. */
static int run_stored(struct sieve_deliver *s, const struct store_bal *bal,
                      const struct sdv_msg *m, unsigned kind, struct slice compiled,
                      struct slice text, struct sdv_plan *plan)
{
	const char *name = kind == SDV_KIND_MANAGED ? "managed" : "active";
	struct sdv_script_ref ref;
	const struct sieve_script *sc = sdv_script_acquire(bal->id, kind, name, compiled, text, &ref);
	int rc = 0;

	if (sc != NULL)
		rc = run_one(s, bal, m, kind, sc, plan);
	sdv_script_release(&ref);
	return rc;
}

/* Runs the BAL's scripts into plan; 0 with plan->nres 0 when it has none. */
static int run_scripts(struct sieve_deliver *s, const struct store_bal *bal,
                       const struct sdv_msg *m, struct sdv_plan *plan)
{
	struct store_sieve_managed mg;
	struct store_sieve ss;
	uint64_t t0 = sieve_deliver_clock_ns();
	int rc = store_sieve_managed_get(s->txn, bal->id, &mg);

	if (rc == 1)
		rc = run_stored(s, bal, m, SDV_KIND_MANAGED, mg.compiled, mg.text, plan);
	if (rc >= 0)
		rc = store_sieve_get_active(s->txn, bal->id, &ss);
	if (rc == 1)
		rc = run_stored(s, bal, m, SDV_KIND_ACTIVE, ss.compiled, ss.text, plan);
	if (plan->nres > 0)
		combine(plan);
	s->sieve_ns += sieve_deliver_clock_ns() - t0;
	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------- delivery */

int sdv_bal(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
            struct store_dlv_rcpt *r)
{
	struct sdv_plan *plan = xcalloc(1, sizeof(*plan));
	int rc;

	s->bal_chain[s->depth++] = bal->id;
	rc = run_scripts(s, bal, m, plan);
	if (rc == 0)
		rc = sdv_exec(s, bal, m, plan, r);
	s->depth--;
	plan_free(plan);
	free(plan);
	return rc;
}

int sieve_deliver_rcpt(struct sieve_deliver *s, struct store_dlv_rcpt *r)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct sdv_msg m = {
	    .data = s->m->local,
	    .wire = s->m->wire,
	    .summary = s->m->summary,
	    .return_path = s->m->return_path,
	    .blob_id = &s->blob_id,
	};
	int rc = store_bal_get_by_addr(s->txn, r->address, bal);

	r->status = 0;
	r->bal_id = 0;
	r->uid = 0;
	r->alert = 0;
	if (rc == 0)
		r->status = DLV_UNKNOWN;
	if (rc == 1) {
		r->bal_id = bal->id;
		if (bal->state != BAL_ACTIVE)
			r->status = DLV_SUSPENDED;
		else
			rc = sdv_bal(s, bal, &m, r);
	}
	explicit_bzero(bal, sizeof(*bal));
	free(bal);
	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------- counters */

#define SDV_STATS_LOG_EVERY 1000 /* messages between two debug lines */

void sieve_deliver_stats_add(uint64_t sieve_ns, uint64_t scripts, uint64_t apply_ns)
{
	uint64_t n = __atomic_add_fetch(&g_stats.messages, 1, __ATOMIC_RELAXED);
	uint64_t sn = __atomic_add_fetch(&g_stats.sieve_ns, sieve_ns, __ATOMIC_RELAXED);
	uint64_t an = __atomic_add_fetch(&g_stats.apply_ns, apply_ns, __ATOMIC_RELAXED);

	__atomic_add_fetch(&g_stats.scripts, scripts, __ATOMIC_RELAXED);
	if (n % SDV_STATS_LOG_EVERY == 0)
		log_debug("sieve stats messages=%llu sieve_us=%llu apply_us=%llu",
		          (unsigned long long)n, (unsigned long long)(sn / 1000),
		          (unsigned long long)(an / 1000));
}

void sieve_deliver_stats_get(struct sieve_deliver_stats *st_r)
{
	st_r->messages = __atomic_load_n(&g_stats.messages, __ATOMIC_RELAXED);
	st_r->scripts = __atomic_load_n(&g_stats.scripts, __ATOMIC_RELAXED);
	st_r->sieve_ns = __atomic_load_n(&g_stats.sieve_ns, __ATOMIC_RELAXED);
	st_r->apply_ns = __atomic_load_n(&g_stats.apply_ns, __ATOMIC_RELAXED);
}
