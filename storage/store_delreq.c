/* SPDX-License-Identifier: ISC */
/* Deletion requests (EX_GBM_6021): the record, the holder rule, approval
 * (the BAL deleted) and rejection (its state restored). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

static const char *const delreq_state_names[] = {
    [DELREQ_PENDING] = "pending", [DELREQ_APPROVED] = "approved", [DELREQ_REJECTED] = "rejected"};

const char *store_delreq_state_name(enum store_delreq_state s)
{
	return s >= DELREQ_PENDING && s <= DELREQ_REJECTED ? delreq_state_names[s] : "unknown";
}

static int delreq_encode(const struct store_delreq *r, struct store_enc *e)
{
	store_enc_u64(e, r->bal_id);
	store_enc_str(e, r->address);
	store_enc_str(e, r->requested_by);
	store_enc_str(e, r->reason);
	store_enc_str(e, r->contact);
	store_enc_u64(e, (uint64_t)r->created);
	store_enc_u8(e, (uint8_t)r->state);
	store_enc_u64(e, (uint64_t)r->decided);
	store_enc_str(e, r->decision);
	store_enc_u8(e, r->prev_state);
	return e->overflow ? STORE_E_LIMIT : STORE_OK;
}

static int delreq_decode(uint64_t id, const MDB_val *val, struct store_delreq *r)
{
	struct store_dec d;

	memset(r, 0, sizeof(*r));
	r->id = id;
	store_dec_init(&d, val);
	r->bal_id = store_dec_u64(&d);
	store_dec_str(&d, r->address, sizeof(r->address));
	store_dec_str(&d, r->requested_by, sizeof(r->requested_by));
	store_dec_str(&d, r->reason, sizeof(r->reason));
	store_dec_str(&d, r->contact, sizeof(r->contact));
	r->created = (int64_t)store_dec_u64(&d);
	r->state = store_dec_u8(&d);
	r->decided = (int64_t)store_dec_u64(&d);
	store_dec_str(&d, r->decision, sizeof(r->decision));
	r->prev_state = store_dec_u8(&d);
	return d.bad ? STORE_E_IO : STORE_OK;
}

static int delreq_put(struct store_txn *txn, const struct store_delreq *r)
{
	uint8_t *buf = xmalloc(STORE_REC_MAX);
	struct store_enc e;
	struct store_key k;
	MDB_val val;
	int rc;

	store_enc_init(&e, buf, STORE_REC_MAX);
	rc = delreq_encode(r, &e);
	store_key_u64(&k, r->id);
	val.mv_data = buf;
	val.mv_size = e.len;
	if (rc == 0)
		rc = store_put(txn, DB_DELREQ, &k.v, &val, 0);
	free(buf);
	return rc;
}

int store_delreq_get(struct store_txn *txn, uint64_t id, struct store_delreq *r_r)
{
	struct store_key k;
	MDB_val val;
	int rc;

	store_key_u64(&k, id);
	rc = store_get(txn, DB_DELREQ, &k.v, &val);
	if (rc != 1)
		return rc;
	rc = delreq_decode(id, &val, r_r);
	return rc == 0 ? 1 : rc;
}

int store_delreq_each(struct store_txn *txn, int (*fn)(void *arg, const struct store_delreq *r),
                      void *arg)
{
	struct store_delreq *r = xmalloc(sizeof(*r));
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_DELREQ, &cur);

	if (rc != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != 8 || delreq_decode(store_rd64(key.mv_data), &val, r) != 0)
			continue;
		if (fn(arg, r) != 0)
			break;
	}
	mdb_cursor_close(cur);
	rc = rc == 0 || rc == MDB_NOTFOUND ? STORE_OK
	                                   : store_mdb_err(txn, rc, "listing deletion requests");
out:
	free(r);
	return rc;
}

/* ---------------------------------------------------------------- rules */

/* The requester, as the idNat stored in the BAL ("8" + RPPS): an 11-digit
 * RPPS gets its prefix. */
static void delreq_norm_requester(const char *in, char *out, size_t outsz)
{
	if (strlen(in) == 11 && strspn(in, "0123456789") == 11)
		snprintf(out, outsz, "8%s", in);
	else
		str_copy(out, outsz, in);
}

static int delreq_check_holder(const struct store_bal *b, const char *who, const char **why_r)
{
	if (b->type != BAL_PER && b->type != BAL_CAB) {
		*why_r = "only a PER BAL (or a CAB BAL, by its responsible holder) can be deleted "
		         "on its holder's request; an ORG or APP BAL belongs to its structure";
		return STORE_E_INVALID;
	}
	if (strcmp(b->holder, who) != 0) {
		*why_r = b->type == BAL_CAB
		             ? "the requester is not the responsible holder of this CAB BAL "
		               "(co-holders cannot ask for the deletion of a shared BAL)"
		             : "the requester is not the holder of this BAL";
		return STORE_E_INVALID;
	}
	return STORE_OK;
}

struct delreq_pending {
	uint64_t bal_id;
	bool found;
};

static int delreq_find_pending(void *arg, const struct store_delreq *r)
{
	struct delreq_pending *p = arg;

	if (r->bal_id == p->bal_id && r->state == DELREQ_PENDING)
		p->found = true;
	return p->found;
}

static int delreq_set_bal_state(struct store_txn *txn, uint64_t bal_id, enum store_bal_state st)
{
	struct store_bal *b = xmalloc(sizeof(*b));
	int rc = store_bal_get(txn, bal_id, b);

	if (rc == 1) {
		b->state = st;
		rc = store_bal_update(txn, b, NULL);
	} else if (rc == 0) {
		rc = STORE_E_NOTFOUND;
	}
	explicit_bzero(b, sizeof(*b));
	free(b);
	return rc;
}

static int delreq_validate(struct store_txn *txn, struct store_delreq *r, struct store_bal *b,
                           const char **why_r)
{
	char who[STORE_IDNAT_MAX + 1];
	struct delreq_pending p = {.bal_id = r->bal_id};
	int rc = store_bal_get(txn, r->bal_id, b);

	if (rc <= 0)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	*why_r = "the reason must be 1 to 1000 bytes without control characters";
	if (r->reason[0] == '\0' || strnlen(r->reason, sizeof(r->reason)) == sizeof(r->reason))
		return STORE_E_INVALID;
	for (const char *c = r->reason; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return STORE_E_INVALID;
	delreq_norm_requester(r->requested_by, who, sizeof(who));
	rc = delreq_check_holder(b, who, why_r);
	if (rc != 0)
		return rc;
	memcpy(r->requested_by, who, sizeof(who));
	rc = store_delreq_each(txn, delreq_find_pending, &p);
	if (rc == 0 && p.found) {
		*why_r = "a deletion request for this BAL is already pending";
		return STORE_E_EXISTS;
	}
	return rc;
}

int store_delreq_create(struct store_txn *txn, struct store_delreq *r, const char **why_r)
{
	struct store_bal *b = xmalloc(sizeof(*b));
	const char *why = NULL;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = delreq_validate(txn, r, b, &why);
	if (rc == 0)
		rc = store_counter_next(txn, "delreq", &r->id);
	if (rc == 0) {
		memcpy(r->address, b->address, sizeof(r->address));
		r->prev_state = (uint8_t)b->state;
		r->state = DELREQ_PENDING;
		r->decided = 0;
		r->decision[0] = '\0';
		if (r->created == 0)
			r->created = time_now();
		rc = delreq_put(txn, r);
	}
	if (rc == 0)
		rc = delreq_set_bal_state(txn, r->bal_id, BAL_DELETION_REQUESTED);
	explicit_bzero(b, sizeof(*b));
	free(b);
	if (why_r != NULL)
		*why_r = rc == 0 ? NULL : why;
	return rc;
}

static int delreq_load_pending(struct store_txn *txn, uint64_t id, struct store_delreq *r,
                               const char **why_r)
{
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_delreq_get(txn, id, r);
	if (rc == 0)
		return STORE_E_NOTFOUND;
	if (rc < 0)
		return rc;
	if (r->state != DELREQ_PENDING) {
		*why_r = "the request was already decided";
		return STORE_E_INVALID;
	}
	return STORE_OK;
}

int store_delreq_approve(struct store_txn *txn, uint64_t id, int64_t now, const char **why_r)
{
	struct store_delreq *r = xmalloc(sizeof(*r));
	const char *why = NULL;
	int rc = delreq_load_pending(txn, id, r, &why);

	if (rc == 0)
		rc = store_bal_delete(txn, r->bal_id);
	if (rc == STORE_E_NOTFOUND) /* deleted meanwhile (bal delete): the request is moot */
		rc = STORE_OK;
	if (rc == 0) {
		r->state = DELREQ_APPROVED;
		r->decided = now;
		rc = delreq_put(txn, r);
	}
	free(r);
	if (why_r != NULL)
		*why_r = rc == 0 ? NULL : why;
	return rc;
}

int store_delreq_reject(struct store_txn *txn, uint64_t id, int64_t now, const char *reason,
                        const char **why_r)
{
	struct store_delreq *r = xmalloc(sizeof(*r));
	const char *why = NULL;
	int rc = delreq_load_pending(txn, id, r, &why);

	if (rc == 0 && (reason[0] == '\0' || str_copy(r->decision, sizeof(r->decision), reason))) {
		why = "the rejection reason must be 1 to 1000 bytes";
		rc = STORE_E_INVALID;
	}
	if (rc == 0) {
		r->state = DELREQ_REJECTED;
		r->decided = now;
		rc = delreq_put(txn, r);
	}
	if (rc == 0)
		rc = delreq_set_bal_state(
		    txn, r->bal_id, r->prev_state == BAL_SUSPENDED ? BAL_SUSPENDED : BAL_ACTIVE);
	free(r);
	if (why_r != NULL)
		*why_r = rc == 0 ? NULL : why;
	return rc;
}
