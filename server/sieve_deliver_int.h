/* SPDX-License-Identifier: ISC */
/* Inside Sieve at delivery: a message as one BAL receives it, and the plan
 * (the combined actions of its scripts) that sieve_deliver_exec.c carries
 * out. */
#ifndef BALISE_SIEVE_DELIVER_INT_H
#define BALISE_SIEVE_DELIVER_INT_H

#include "sieve.h"
#include "sieve_deliver.h"

/* The copy of the message one BAL receives: the original, or one that a
 * local redirect made (with the loop marker and another return path). */
struct sdv_msg {
	struct slice data;       /* Return-Path: + the rest, as stored */
	struct slice wire;       /* without Return-Path: (redirects) */
	struct slice summary;    /* msgsum of data */
	const char *return_path; /* "" for the null sender */
	uint64_t *blob_id;       /* the blob once put, 0 before */
};

#define SDV_SCRIPTS 2 /* the managed rules, then the user's active script */

struct sdv_plan {
	struct sieve_result res[SDV_SCRIPTS];
	unsigned kind[SDV_SCRIPTS]; /* SDV_KIND_* of each result */
	unsigned nres;
	bool error;                        /* a run-time error: kept */
	const struct sieve_action *keep;   /* the keep to do (flags), or NULL */
	const struct sieve_action *acts[SDV_SCRIPTS * SIEVE_MAX_ACTIONS];
	unsigned nacts;                    /* every other action, in order */
};

/* The loaded scripts kept between messages (sieve_deliver_cache.c). */
#define SDV_CACHE_SLOTS 256                 /* entries, direct-mapped by (BAL, kind) */
#define SDV_CACHE_MAX_BYTES (64 * 1024) /* larger stored forms are loaded per message:
                                          * the table stays under ~50 MB */
#define SDV_KIND_MANAGED 0
#define SDV_KIND_ACTIVE 1

struct sdv_script_ref {
	struct sieve_script *owned; /* not cached: freed on release */
	bool locked;                /* the cache's lock is held */
};

/* The script stored as compiled (its text when that form does not load)
 * for (bal_id, kind); NULL when neither loads (logged with name). Valid
 * until sdv_script_release(ref), which must follow every call; no other
 * script may be acquired in between. */
const struct sieve_script *sdv_script_acquire(uint64_t bal_id, unsigned kind, const char *name,
                                              struct slice compiled, struct slice text,
                                              struct sdv_script_ref *ref);
void sdv_script_release(struct sdv_script_ref *ref);

/* Carries out plan for bal; r gets the outcome. */
int sdv_exec(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
             struct sdv_plan *plan, struct store_dlv_rcpt *r);
/* Delivers m to bal through its scripts (the recursion of local
 * redirects). */
int sdv_bal(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
            struct store_dlv_rcpt *r);
/* Into one mailbox of bal, charged to its quota with the alerts:
 * 1 stored, 0 over quota, <0 store error. */
int sdv_store_copy(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
                   uint64_t mailbox_id, uint32_t flags, uint64_t keywords, uint32_t *uid_r);

/* ---------------------------------------------------------------- traces */

/* The SDV_KIND_* of the script that gave a (one of plan's actions). */
unsigned sdv_plan_kind(const struct sdv_plan *p, const struct sieve_action *a);
/* The trace of one Sieve action, from tmpl's message fields: category
 * message, action, the author for kind (the BAL for its own script, the
 * system for the operator's rules), bal the BAL acted on. Pure. */
void sdv_audit_fill(struct store_audit *r, const struct store_audit *tmpl, const char *bal,
                    unsigned kind, const char *action, const char *response);
/* Writes that trace in s's transaction, with the request from fmt (never
 * a script's text, a reason, a subject); 0 without a template
 * (s->m->audit NULL), else store_audit_put's result. */
int sdv_audit(struct sieve_deliver *s, const struct store_bal *bal, unsigned kind,
              const char *action, const char *response, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* An address for a trace: target when it is one, else a placeholder (a
 * script may build a target from the message). */
const char *sdv_audit_addr(const char *target);

#endif
