/* SPDX-License-Identifier: ISC */
/* The store_alerter of balised: asks the configured builder for the alert
 * message, summarises it like an APPEND does, and stores it as a blob
 * inside the writer's transaction (store_alert_fn's contract). */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "msgsum.h"
#include "notice.h"
#include "quota_alert.h"
#include "util.h"

#define QUOTA_ALERT_MAX (64 * 1024) /* an alert is a short text */

static quota_alert_build_fn qa_build_fr;
static quota_alert_build_fn *qa_build = qa_build_fr;
static const char *qa_host = "localhost";
static atomic_uint_fast64_t qa_seq;

static int qa_store(void *arg, struct store_txn *txn, const struct store_alert *a,
                    uint64_t *blob_id_r);

static const struct store_alerter qa_alerter = {qa_store, NULL};

/* The default builder: the French alert of common/notice.c. Its text speaks
 * of bytes; a BAL with only a message-count quota gets quota 0 there. */
static int qa_build_fr(const struct quota_alert_info *a, struct buf *out)
{
	struct notice_quota q = {
	    .postmaster = a->postmaster,
	    .bal = a->bal,
	    .level = (int)a->level,
	    .used = a->used_bytes,
	    .quota = a->quota_bytes,
	    .date = a->date,
	    .host = a->host,
	    .id = a->id,
	};
	unsigned flags;
	const char *err = NULL;

	if (notice_quota_alert(&q, out, &flags, &err) < 0) {
		log_warn("quota alert: %s", err != NULL ? err : "the French builder failed");
		return -1;
	}
	return 0;
}

void quota_alert_set_builder(quota_alert_build_fn *build)
{
	qa_build = build;
}

void quota_alert_set_host(const char *host)
{
	qa_host = host != NULL && host[0] != '\0' ? host : "localhost";
}

const struct store_alerter *quota_alerter(void)
{
	return qa_build != NULL ? &qa_alerter : NULL;
}

/* Runs on the store's writer thread, possibly again on a replay (a new id
 * then: nothing of the first run was kept). */
static int qa_store(void *arg, struct store_txn *txn, const struct store_alert *a,
                    uint64_t *blob_id_r)
{
	const char *at = strrchr(a->bal->address, '@');
	char postmaster[STORE_ADDR_MAX + 16], id[96];
	struct quota_alert_info info = {
	    .bal = a->bal->address,
	    .postmaster = postmaster,
	    .level = a->level,
	    .percent = a->percent,
	    .refused = a->refused,
	    .used_bytes = a->usage.bytes,
	    .quota_bytes = a->bal->quota_bytes,
	    .used_messages = a->usage.messages,
	    .quota_messages = a->bal->quota_messages,
	    .date = time_now(),
	    .host = qa_host,
	    .id = id,
	};
	struct buf msg, sum;
	int r = STORE_E_INVALID;

	(void)arg;
	if (qa_build == NULL || at == NULL)
		return STORE_E_INVALID;
	snprintf(postmaster, sizeof(postmaster), "postmaster%s", at);
	snprintf(id, sizeof(id), "quota.%llu.%u.%lld.%llu", (unsigned long long)a->bal->id,
	         a->level, (long long)info.date, (unsigned long long)atomic_fetch_add(&qa_seq, 1));
	buf_init(&msg, QUOTA_ALERT_MAX);
	buf_init(&sum, 0);
	if (qa_build(&info, &msg) < 0 || msg.len == 0)
		log_warn("quota alert: the builder failed for bal=%llu level=%u",
		         (unsigned long long)a->bal->id, a->level);
	else if (msgsum_build(msg.data, msg.len, &sum) < 0)
		log_warn("quota alert: cannot summarise the alert for bal=%llu",
		         (unsigned long long)a->bal->id);
	else
		r = store_blob_put(txn, msg.data, msg.len, sum.data, sum.len, blob_id_r);
	if (r == 0)
		log_debug("quota alert built bal=%llu level=%u percent=%u refused=%d",
		         (unsigned long long)a->bal->id, a->level, a->percent, a->refused);
	buf_free(&msg);
	buf_free(&sum);
	return r;
}
