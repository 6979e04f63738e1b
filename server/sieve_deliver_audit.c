/* SPDX-License-Identifier: ISC */
/* Audit traces of Sieve at delivery (docs/audit.md, "sieve.*" actions):
 * one record per action that sends or drops mail (redirect, vacation,
 * reject, ereject, discard, a fileinto that fell back to INBOX) and per
 * run-time error, with the delivery's message fields. They are written
 * with store_audit_put in the delivery's transaction: when the writer
 * rolls a batch back and replays the apply, they go and come back with
 * the delivery, never twice. Never a script's text, a reject reason, a
 * vacation text or subject, an error message (it may quote the script). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailgen.h"
#include "sieve_deliver_int.h"
#include "util.h"

#define SDV_AUDIT_ACTOR_RULES "balised(operator rules)"

unsigned sdv_plan_kind(const struct sdv_plan *p, const struct sieve_action *a)
{
	for (unsigned k = 0; k < p->nres; k++)
		if (a >= p->res[k].v && a < p->res[k].v + p->res[k].n)
			return p->kind[k];
	return SDV_KIND_ACTIVE;
}

void sdv_audit_fill(struct store_audit *r, const struct store_audit *tmpl, const char *bal,
                    unsigned kind, const char *action, const char *response)
{
	memset(r, 0, sizeof(*r));
	if (tmpl != NULL) {
		str_copy(r->ref, sizeof(r->ref), tmpl->ref);
		str_copy(r->message_id, sizeof(r->message_id), tmpl->message_id);
		str_copy(r->sender, sizeof(r->sender), tmpl->sender);
		r->rcpts = tmpl->rcpts;
		r->size = tmpl->size;
	}
	r->cat = AUDIT_CAT_MESSAGE;
	str_copy(r->action, sizeof(r->action), action);
	if (kind == SDV_KIND_MANAGED) {
		r->by = AUDIT_BY_SYSTEM;
		str_copy(r->actor, sizeof(r->actor), SDV_AUDIT_ACTOR_RULES);
	} else {
		r->by = AUDIT_BY_BAL;
		str_copy(r->actor, sizeof(r->actor), bal);
	}
	str_copy(r->bal, sizeof(r->bal), bal);
	str_copy(r->client, sizeof(r->client), "sieve");
	str_copy(r->response, sizeof(r->response), response);
}

int sdv_audit(struct sieve_deliver *s, const struct store_bal *bal, unsigned kind,
              const char *action, const char *response, const char *fmt, ...)
{
	struct store_audit *r;
	va_list ap;
	int rc;

	if (s->m->audit == NULL)
		return 0;
	r = xmalloc(sizeof(*r));
	sdv_audit_fill(r, s->m->audit, bal->address, kind, action, response);
	va_start(ap, fmt);
	vsnprintf(r->request, sizeof(r->request), fmt, ap);
	va_end(ap);
	rc = store_audit_put(s->txn, r);
	free(r);
	return rc;
}

const char *sdv_audit_addr(const char *target)
{
	if (target == NULL || target[0] == '\0')
		return "(none)";
	return mailgen_addr_ok(target, NULL) ? target : "(not an address)";
}
