/* SPDX-License-Identifier: ISC */
/* Carries out the combined actions of a BAL's scripts in the delivery's
 * write transaction: copies into mailboxes with their flags, redirects
 * (rule and loops checked again), the vacation reply, the reject report,
 * the duplicate records. See sieve_deliver.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "msgsum.h"
#include "sieve_deliver_int.h"
#include "sieve_reply.h"
#include "util.h"

#define BALID(b) ((unsigned long long)(b)->id)

/* What the actions did for one BAL. */
struct sdv_out {
	unsigned stored, overquota; /* copies */
	bool handled;               /* discarded, redirected or rejected on purpose */
	bool fallback_keep;         /* an action failed: keep in INBOX */
	uint32_t uid;               /* the first copy's UID */
};

/* ---------------------------------------------------------------- copies */

int sdv_store_copy(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
                   uint64_t mailbox_id, uint32_t flags, uint64_t keywords, uint32_t *uid_r)
{
	const struct store_alerter *al = s->m->alerter;
	struct store_msg msg;
	unsigned alert;
	int rc = store_quota_admit(s->txn, bal->id, m->data.len, 1, al, &alert);

	if (rc == STORE_E_QUOTA)
		return 0;
	if (rc == 0 && *m->blob_id == 0)
		rc = store_blob_put(s->txn, m->data.p, m->data.len, m->summary.p, m->summary.len,
		                    m->blob_id);
	if (rc == 0)
		rc = store_msg_append(s->txn, mailbox_id, *m->blob_id, flags, keywords, 0, 0, &msg);
	if (rc == 0)
		rc = store_quota_alert(s->txn, bal->id, al, &alert);
	if (rc < 0)
		return rc;
	*uid_r = msg.uid;
	return 1;
}

/* RFC 5232 flags: the system flags as bits, the others as keywords of the
 * mailbox (an invalid keyword, or one past the mailbox's 64, is left out). */
static int map_flags(struct sieve_deliver *s, uint64_t mailbox_id, const struct sieve_action *a,
                     uint32_t *flags_r, uint64_t *kw_r)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} sys[] = {{"\\Seen", MSG_SEEN},       {"\\Answered", MSG_ANSWERED},
	           {"\\Flagged", MSG_FLAGGED}, {"\\Deleted", MSG_DELETED},
	           {"\\Draft", MSG_DRAFT}};

	*flags_r = 0;
	*kw_r = 0;
	for (unsigned i = 0; a != NULL && i < a->nflags; i++) {
		const char *f = a->flags[i];
		bool done = false;
		unsigned idx;
		int rc;

		for (size_t k = 0; k < sizeof(sys) / sizeof(sys[0]) && !done; k++)
			if (strcasecmp(f, sys[k].name) == 0) {
				*flags_r |= sys[k].bit;
				done = true;
			}
		if (done || f[0] == '\\' || f[0] == '\0' || strlen(f) > 255 ||
		    strpbrk(f, "(){ %*\"]") != NULL)
			continue;
		rc = store_keyword_index(s->txn, mailbox_id, f, true, &idx);
		if (rc == 1)
			*kw_r |= (uint64_t)1 << idx;
		else if (rc < 0 && rc != STORE_E_LIMIT && rc != STORE_E_INVALID)
			return rc;
	}
	return 0;
}

/* The mailbox of a keep (INBOX) or fileinto; a missing one is created
 * with :create (RFC 5490 section 3.2), else the copy goes to INBOX. */
static int copy_mailbox(struct sieve_deliver *s, const struct store_bal *bal,
                        const struct sieve_action *a, unsigned kind, struct store_mailbox *mb)
{
	int rc = 1;

	if (a != NULL && a->type == SIEVE_ACT_FILEINTO) {
		rc = store_mailbox_get(s->txn, bal->id, a->target, mb);
		if (rc == 0 && a->create) {
			rc = store_mailbox_create(s->txn, bal->id, a->target, 0, mb);
			rc = rc == 0 ? 1 : rc;
		}
		if (rc == STORE_E_INVALID || rc == STORE_E_LIMIT || rc == 0) {
			const char *why = rc == 0 ? "no such mailbox" : "mailbox name refused";
			char resp[64];

			log_info("sieve bal=%llu fileinto: %s, kept in INBOX", BALID(bal), why);
			snprintf(resp, sizeof(resp), "kept in INBOX: %s", why);
			/* Not the mailbox's name: a script may take it from the
			 * message (variables). */
			rc = sdv_audit(s, bal, kind, "sieve.fileinto", resp, "fileinto");
		}
		if (rc != 0)
			return rc;
	}
	rc = store_mailbox_get(s->txn, bal->id, "INBOX", mb);
	return rc == 0 ? STORE_E_NOTFOUND : rc; /* every BAL is created with its INBOX */
}

/* One copy for a keep or fileinto (a NULL a: INBOX without flags). done
 * holds the mailboxes already served: one copy per mailbox. */
static int do_copy(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
                   const struct sieve_action *a, unsigned kind, uint64_t *done, unsigned *ndone,
                   struct sdv_out *o)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	uint32_t flags, uid;
	uint64_t kw;
	bool seen = false;
	int rc = copy_mailbox(s, bal, a, kind, mb);

	for (unsigned i = 0; rc == 1 && i < *ndone; i++)
		seen = seen || done[i] == mb->id; /* e.g. fileinto "INBOX" and keep */
	if (rc == 1 && !seen)
		rc = map_flags(s, mb->id, a, &flags, &kw);
	if (rc == 0 && !seen) {
		done[(*ndone)++] = mb->id;
		rc = sdv_store_copy(s, bal, m, mb->id, flags, kw, &uid);
		if (rc == 1 && o->stored++ == 0)
			o->uid = uid;
		o->overquota += rc == 0;
	}
	free(mb);
	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------- generated mail */

/* A message we write (vacation reply, reject report) to to, with a null
 * return path: into a local BAL's INBOX (no Sieve runs on it: an
 * automatic message is never answered), or queued to another operator. */
static int send_generated(struct sieve_deliver *s, const char *to, struct slice msg)
{
	const char *at = strrchr(to, '@'), *why = NULL;
	struct store_qentry e = {0};
	struct store_qrcpt q = {0};
	int rc = store_domain_exists(s->txn, at != NULL ? at + 1 : "");

	if (rc == 1) {
		struct store_dlv_rcpt dr = {.address = to};
		struct store_delivery sd = {0};
		struct buf data, sum;

		buf_init(&data, 0);
		buf_init(&sum, 0);
		buf_append_str(&data, "Return-Path: <>\r\n");
		buf_append(&data, msg.p, msg.len);
		rc = msgsum_build(data.data, data.len, &sum) < 0 ? STORE_E_LIMIT : 0;
		sd.data = data.data;
		sd.len = data.len;
		sd.summary = sum.data;
		sd.summary_len = sum.len;
		sd.rcpts = &dr;
		sd.n_rcpts = 1;
		sd.alerter = s->m->alerter;
		if (rc == 0)
			rc = store_deliver(s->txn, &sd); /* a local sender that vanished: dropped */
		buf_free(&data);
		buf_free(&sum);
		return rc;
	}
	if (rc < 0 || str_copy(q.address, sizeof(q.address), to) < 0)
		return rc < 0 ? rc : 0;
	q.notify = QNOTIFY_NEVER;
	e.rcpts = &q;
	e.n_rcpts = 1;
	e.arrival = s->m->now;
	rc = store_blob_put(s->txn, msg.p, msg.len, NULL, 0, &e.blob_id);
	if (rc == 0)
		rc = store_queue_add(s->txn, &e, &why);
	if (rc == STORE_E_INVALID) {
		log_info("sieve generated message not queued: %s", why != NULL ? why : "refused");
		rc = 0;
	}
	return rc;
}

static void next_id(struct sieve_deliver *s, char kind, char *out, size_t n)
{
	snprintf(out, n, "%s-%c%u", s->m->id, kind, ++s->generated);
}

/* ---------------------------------------------------------------- vacation */

/* The vacation's trace: to whom, and whether it was sent. */
static int vacation_audit(struct sieve_deliver *s, const struct store_bal *bal,
                          const struct sdv_msg *m, unsigned kind, const char *response)
{
	return sdv_audit(s, bal, kind, "sieve.vacation", response, "vacation reply to %s",
	                 m->return_path[0] != '\0' ? sdv_audit_addr(m->return_path)
	                                           : "(null sender)");
}

static int do_vacation(struct sieve_deliver *s, const struct store_bal *bal,
                       const struct sdv_msg *m, const struct sieve_action *a, unsigned kind)
{
	char resp[128];
	struct slice hdr = sieve_reply_header(m->data);
	struct sieve_reply_vacation v = {0};
	const char *why = NULL;
	char id[96];
	struct buf out;
	bool allowed = false;
	int rc;

	/* The engine gave this action only after sieve_autoreply_refusal()
	 * on the same header and sender: what is left is what it cannot see. */
	why = sieve_reply_redirected_copy(hdr);
	if (why != NULL || strcasecmp(m->return_path, bal->address) == 0) {
		log_debug("sieve bal=%llu vacation: no reply (%s)", BALID(bal),
		          why != NULL ? why : "the sender is the BAL");
		snprintf(resp, sizeof(resp), "skipped: %s%s",
		         why != NULL ? why : "the sender is the BAL", why != NULL ? " (RFC 3834)" : "");
		return vacation_audit(s, bal, m, kind, resp);
	}
	rc = store_vacation_check_set(s->txn, bal->id, m->return_path,
	                              a->handle != NULL ? a->handle : "", s->m->now,
	                              (int64_t)a->seconds, &allowed);
	if (rc < 0)
		return rc;
	if (!allowed)
		return vacation_audit(s, bal, m, kind, "skipped: already answered in this period");
	next_id(s, 'v', id, sizeof(id));
	v.from = bal->address; /* never :from: the reply comes from the BAL */
	v.from_name = bal->display_name;
	v.to = m->return_path;
	v.subject = a->subject;
	v.text = a->text != NULL ? a->text : "";
	v.mime = a->mime;
	v.original = hdr;
	v.date = s->m->now;
	v.host = s->m->hostname;
	v.id = id;
	buf_init(&out, 0);
	if (sieve_reply_vacation(&v, &out, &why) < 0) {
		log_info("sieve bal=%llu vacation reply not built: %s", BALID(bal), why);
		rc = vacation_audit(s, bal, m, kind, "failed: reply not built");
	} else {
		rc = send_generated(s, m->return_path, buf_slice(&out));
		if (rc == 0)
			rc = vacation_audit(s, bal, m, kind, "OK reply sent");
	}
	buf_free(&out);
	return rc;
}

/* ---------------------------------------------------------------- reject */

/* The reject's trace: the report's recipient and what became of it (never
 * the reason, which the script wrote). */
static int reject_audit(struct sieve_deliver *s, const struct store_bal *bal,
                        const struct sdv_msg *m, const struct sieve_action *a, unsigned kind,
                        const char *response)
{
	const char *verb = a->type == SIEVE_ACT_EREJECT ? "ereject" : "reject";
	char action[32];

	snprintf(action, sizeof(action), "sieve.%s", verb);
	return sdv_audit(s, bal, kind, action, response, "%s report to %s", verb,
	                 m->return_path[0] != '\0' ? sdv_audit_addr(m->return_path)
	                                           : "(null sender)");
}

static int do_reject(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
                     const struct sieve_action *a, unsigned kind)
{
	struct sieve_reply_reject rj = {0};
	const char *why = NULL;
	char id[96];
	struct buf out;
	int rc = 0;

	if (m->return_path[0] == '\0') /* RFC 5429 section 2.1: never to the null sender */
		return reject_audit(s, bal, m, a, kind, "OK message refused, no report (null sender)");
	next_id(s, 'j', id, sizeof(id));
	rj.return_path = m->return_path;
	rj.rcpt = bal->address;
	rj.reason = a->text;
	rj.reporting_mta = s->m->hostname;
	rj.postmaster = s->m->postmaster;
	rj.envid = s->m->envid;
	rj.id = id;
	rj.arrival = s->m->now;
	rj.date = s->m->now;
	rj.original = m->wire;
	buf_init(&out, 0);
	if (sieve_reply_reject(&rj, &out, &why) < 0) {
		log_info("sieve bal=%llu reject report not built: %s", BALID(bal), why);
		rc = reject_audit(s, bal, m, a, kind, "OK message refused, report not built");
	} else {
		rc = send_generated(s, m->return_path, buf_slice(&out));
		if (rc == 0)
			rc = reject_audit(s, bal, m, a, kind, "OK message refused, report sent");
	}
	buf_free(&out);
	return rc;
}

/* ---------------------------------------------------------------- redirect */

static bool in_chain(const struct sieve_deliver *s, uint64_t bal_id)
{
	for (unsigned i = 0; i < s->depth; i++)
		if (s->bal_chain[i] == bal_id)
			return true;
	return false;
}

/* Into a local BAL, through its own Sieve. 1 done, 0 refused (*why_r). */
static int redirect_local(struct sieve_deliver *s, const struct store_bal *bal,
                          const struct sdv_msg *m, const char *target, const char *rp,
                          const char **why_r)
{
	struct store_bal *t = xmalloc(sizeof(*t));
	struct store_dlv_rcpt r = {.address = target};
	struct buf data, sum;
	uint64_t blob = 0;
	int rc = store_bal_get_by_addr(s->txn, target, t);

	buf_init(&data, 0);
	buf_init(&sum, 0);
	*why_r = rc == 0 ? "no such BAL" : NULL;
	if (rc == 1 && (t->state != BAL_ACTIVE || in_chain(s, t->id) ||
	                s->depth >= SIEVE_DELIVER_MAX_DEPTH)) {
		*why_r = t->state != BAL_ACTIVE ? "target not active" : "redirect loop";
		log_info("sieve bal=%llu redirect to bal=%llu refused: %s", BALID(bal), BALID(t),
		         *why_r);
		rc = 0;
	}
	if (rc == 1)
		rc = sieve_reply_redirected(m->wire, rp, bal->address, &data) < 0 ||
		             msgsum_build(data.data, data.len, &sum) < 0
		         ? STORE_E_LIMIT
		         : 1;
	if (rc == 1) {
		size_t rp_len = (size_t)snprintf(NULL, 0, "Return-Path: <%s>\r\n", rp);
		struct sdv_msg c = {
		    .data = buf_slice(&data),
		    .wire = {data.data + rp_len, data.len - rp_len},
		    .summary = buf_slice(&sum),
		    .return_path = rp,
		    .blob_id = &blob,
		};
		rc = sdv_bal(s, t, &c, &r);
		if (rc == 0 && r.status != DLV_STORED) {
			*why_r = "target over quota";
			log_info("sieve bal=%llu redirect to bal=%llu failed: target full", BALID(bal),
			         BALID(t));
		}
		rc = rc < 0 ? rc : r.status == DLV_STORED;
	}
	buf_free(&data);
	buf_free(&sum);
	free(t);
	return rc;
}

/* Queued to another operator. 1 done, 0 refused (*why_r). */
static int redirect_remote(struct sieve_deliver *s, const struct store_bal *bal,
                           const struct sdv_msg *m, const char *target, const char *rp,
                           const char **why_r)
{
	struct store_qentry e = {0};
	struct store_qrcpt q = {0};
	const char *why = NULL;
	struct buf data;
	int rc;

	buf_init(&data, 0);
	if (sieve_reply_redirected(m->wire, NULL, bal->address, &data) < 0 ||
	    str_copy(q.address, sizeof(q.address), target) < 0) {
		buf_free(&data);
		*why_r = "the redirected copy could not be built";
		return 0;
	}
	str_copy(e.return_path, sizeof(e.return_path), rp);
	e.rcpts = &q;
	e.n_rcpts = 1;
	e.arrival = s->m->now;
	e.bal_id = bal->id;
	rc = store_blob_put(s->txn, data.data, data.len, NULL, 0, &e.blob_id);
	if (rc == 0)
		rc = store_queue_add(s->txn, &e, &why);
	if (rc == STORE_E_INVALID) {
		*why_r = why != NULL ? why : "not queued";
		log_info("sieve bal=%llu redirect not queued: %s", BALID(bal), *why_r);
		rc = 0;
	} else if (rc == 0) {
		rc = 1;
	}
	buf_free(&data);
	return rc;
}

/* The redirect's trace: the target, whether the forwarding rule
 * (RE_GBM_4480) allowed it and why not, and where it went. */
static int redirect_audit(struct sieve_deliver *s, const struct store_bal *bal, unsigned kind,
                          const char *target, const char *response)
{
	return sdv_audit(s, bal, kind, "sieve.redirect", response, "redirect to %s",
	                 sdv_audit_addr(target));
}

/* 1 redirected, 0 refused (the caller keeps), <0 store error. */
static int do_redirect(struct sieve_deliver *s, const struct store_bal *bal,
                       const struct sdv_msg *m, const char *target, unsigned kind)
{
	char resp[STORE_AUDIT_TEXT_MAX / 2];
	bool local;
	int rc2;
	const char *why = NULL, *at = strrchr(target, '@');
	const char *rp = m->return_path[0] != '\0' ? bal->address : "";
	unsigned hops;
	int rc;

	if (s->redirects >= SIEVE_MAX_REDIRECTS)
		why = "too many redirects for this message";
	else if (sieve_reply_loop_check(sieve_reply_header(m->data), bal->address, &hops) == 1)
		why = "redirect loop (marker)";
	else if (s->m->policy == NULL)
		why = "no forwarding policy";
	else if ((rc = sieve_policy_redirect(s->m->policy, s->txn, bal, target, NULL, &why)) !=
	         SIEVE_REDIRECT_ALLOWED)
		why = rc < 0 ? "the store could not be read" : why;
	if (why != NULL) {
		log_info("sieve bal=%llu redirect refused at delivery, message kept: %s", BALID(bal),
		         why);
		snprintf(resp, sizeof(resp), "refused: %s", why);
		rc = redirect_audit(s, bal, kind, target, resp);
		return rc < 0 ? rc : 0;
	}
	rc = store_domain_exists(s->txn, at + 1); /* the policy checked it is an address */
	local = rc == 1;
	if (rc == 1)
		rc = redirect_local(s, bal, m, target, rp, &why);
	else if (rc == 0)
		rc = redirect_remote(s, bal, m, target, rp, &why);
	if (rc < 0)
		return rc;
	s->redirects += rc == 1;
	if (rc == 1)
		snprintf(resp, sizeof(resp), "OK allowed, %s", local ? "delivered locally" : "queued");
	else
		snprintf(resp, sizeof(resp), "failed: allowed, but %s",
		         why != NULL ? why : "not delivered");
	rc2 = redirect_audit(s, bal, kind, target, resp);
	return rc2 < 0 ? rc2 : rc;
}

/* ---------------------------------------------------------------- plan */

static bool stores_copy(const struct sdv_plan *p)
{
	if (p->keep != NULL)
		return true;
	for (unsigned i = 0; i < p->nacts; i++)
		if (p->acts[i]->type == SIEVE_ACT_FILEINTO)
			return true;
	return false;
}

/* Redirects, discard and reject (what decides where the message goes). */
static int route(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
                 const struct sdv_plan *p, struct sdv_out *o)
{
	bool copies = stores_copy(p);
	int rc = 0;

	for (unsigned i = 0; i < p->nacts && rc >= 0; i++) {
		const struct sieve_action *a = p->acts[i];

		switch (a->type) {
		case SIEVE_ACT_REDIRECT:
			rc = do_redirect(s, bal, m, a->target, sdv_plan_kind(p, a));
			if (rc == 0 && !a->copy)
				o->fallback_keep = true;
			o->handled = o->handled || rc == 1;
			break;
		case SIEVE_ACT_DISCARD:
			o->handled = true;
			break;
		case SIEVE_ACT_REJECT:
		case SIEVE_ACT_EREJECT:
			if (copies) {
				log_info("sieve bal=%llu reject dropped: the other script keeps the "
				         "message",
				         BALID(bal));
				rc = reject_audit(s, bal, m, a, sdv_plan_kind(p, a),
				                  "dropped: another action keeps the message");
				break;
			}
			rc = do_reject(s, bal, m, a, sdv_plan_kind(p, a));
			o->handled = true;
			break;
		default:
			break;
		}
	}
	return rc < 0 ? rc : 0;
}

static int copies(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
                  const struct sdv_plan *p, struct sdv_out *o)
{
	uint64_t done[SDV_SCRIPTS * SIEVE_MAX_ACTIONS + 2];
	unsigned ndone = 0;
	int rc = 0;

	if (p->nres == 0 || p->keep != NULL || o->fallback_keep)
		rc = do_copy(s, bal, m, p->keep, SDV_KIND_ACTIVE, done, &ndone, o);
	for (unsigned i = 0; i < p->nacts && rc == 0; i++)
		if (p->acts[i]->type == SIEVE_ACT_FILEINTO)
			rc = do_copy(s, bal, m, p->acts[i], sdv_plan_kind(p, p->acts[i]), done, &ndone,
			             o);
	return rc;
}

/* Vacation and duplicate, once the message reached the BAL. */
static int after(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
                 const struct sdv_plan *p)
{
	int rc = 0;

	for (unsigned i = 0; i < p->nacts && rc == 0; i++) {
		const struct sieve_action *a = p->acts[i];

		if (a->type == SIEVE_ACT_VACATION)
			rc = do_vacation(s, bal, m, a, sdv_plan_kind(p, a));
		else if (a->type == SIEVE_ACT_DUPLICATE)
			rc = store_duplicate_record(s->txn, bal->id, a->handle ? a->handle : "",
			                            slice_from_cstr(a->target ? a->target : ""),
			                            s->m->now, (int64_t)a->seconds, a->last);
	}
	return rc;
}

/* Each discard's trace, once the copies are known: a discard only
 * cancels the implicit keep, another action may still keep a copy. */
static int discards(struct sieve_deliver *s, const struct store_bal *bal,
                    const struct sdv_plan *p, const struct sdv_out *o)
{
	int rc = 0;

	for (unsigned i = 0; i < p->nacts && rc == 0; i++)
		if (p->acts[i]->type == SIEVE_ACT_DISCARD)
			rc = sdv_audit(s, bal, sdv_plan_kind(p, p->acts[i]), "sieve.discard",
			               o->stored > 0 ? "OK, another action kept a copy"
			                             : "OK, not stored",
			               "discard");
	return rc;
}

int sdv_exec(struct sieve_deliver *s, const struct store_bal *bal, const struct sdv_msg *m,
             struct sdv_plan *plan, struct store_dlv_rcpt *r)
{
	struct sdv_out o = {0};
	int rc = route(s, bal, m, plan, &o);

	if (rc == 0)
		rc = copies(s, bal, m, plan, &o);
	if (rc == 0)
		rc = discards(s, bal, plan, &o);
	if (rc < 0)
		return rc;
	if (o.stored == 0 && o.overquota > 0 && !o.handled) {
		r->status = DLV_OVERQUOTA;
		return 0;
	}
	r->status = DLV_STORED;
	r->uid = o.uid;
	return after(s, bal, m, plan);
}
