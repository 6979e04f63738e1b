/* SPDX-License-Identifier: ISC */
/* APPEND (RFC 9051 section 6.3.12) with MULTIAPPEND (RFC 3502), LITERAL+
 * (RFC 7888), APPENDLIMIT (RFC 7889) and APPENDUID (RFC 4315): messages
 * are streamed from the parser into buffers, then summarised and stored
 * in one write request; OK only once that commit is durable. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_acl.h"
#include "imap_flags.h"
#include "imap_cmd_mailbox.h"
#include "imap_date.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "mime.h"
#include "msgsum.h"
#include "quota_alert.h"
#include "util.h"

struct append_msg {
	struct buf *data; /* the streamed literal, owned by the session */
	uint32_t flags;
	const char *keywords[STORE_KEYWORDS_MAX];
	unsigned n_keywords;
	int64_t internal_date; /* 0: now */
	struct buf summary;    /* built once by the first apply */
	bool summarised;
};

struct append_job {
	uint64_t bal_id;
	char mailbox[STORE_MBOX_NAME_MAX + 1];
	struct append_msg *msgs;
	unsigned n;
	uint32_t uidvalidity, uid_first, uid_last;
	bool overquota; /* refused by the quota, its 100 % alert kept */
};

/* ---------------------------------------------------------------- literals */

static void append_sink(void *ctx, const uint8_t *data, size_t len)
{
	struct imap_session *s = ctx;

	/* The size was checked against APPENDLIMIT before accepting. */
	buf_append(&s->append_msgs[s->append_n - 1], data, len);
}

enum imap_parse_result imap_append_literal(struct imap_session *s, struct imap_parser *p,
                                           const struct imap_literal_info *li)
{
	/* RFC 7889: a message above APPENDLIMIT is refused before "+" (and a
	 * non-synchronising one closes the connection, RFC 7888 section 4). */
	if (li->size > s->srv->append_max) {
		s->append_toobig = true;
		return imap_parser_literal_reject(p, "Message too large", "TOOBIG");
	}
	if (s->append_n >= IMAP_MULTIAPPEND_MAX)
		return imap_parser_literal_reject(p, "Too many messages in one APPEND", "LIMIT");
	s->append_msgs = xrealloc(s->append_msgs, (s->append_n + 1) * sizeof(*s->append_msgs));
	buf_init(&s->append_msgs[s->append_n], s->srv->append_max);
	s->append_n++;
	return imap_parser_literal_stream(p, append_sink, s);
}

/* ---------------------------------------------------------------- arguments */

static int parse_flags(struct imap_cmd_ctx *ctx, const struct imap_arg *arg, struct append_msg *m)
{
	const struct imap_arg *list;
	unsigned n;

	if (!imap_arg_get_list(arg, &list, &n))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct slice a;
		uint32_t bit;

		if (!imap_arg_get_atom(&list[i], &a) || a.len == 0 || a.len > 255)
			return -1;
		bit = imap_sysflag_bit(a);
		if (bit != 0) {
			m->flags |= bit;
		} else if (a.p[0] == '\\') {
			return -1; /* \Recent or an unknown system flag */
		} else if (m->n_keywords < STORE_KEYWORDS_MAX) {
			m->keywords[m->n_keywords++] = imap_cmd_strdup(ctx, a);
		}
	}
	return 0;
}

/* RFC 6855 section 4: "UTF8 (~{n}...)", the message as one literal8 in a
 * list, valid once UTF8=ACCEPT is enabled. 0, or -1 with *why. */
static int append_utf8_literal(const struct imap_session *s, const struct imap_arg *arg,
                               const char **why)
{
	const struct imap_arg *list;
	unsigned n;

	if (!(s->enabled & IMAP_EN_UTF8))
		return *why = "APPEND UTF8 needs ENABLE UTF8=ACCEPT", -1;
	if (!imap_arg_get_list(arg, &list, &n) || n != 1 || list[0].type != IMAP_ARG_LITERAL ||
	    !(list[0].flags & IMAP_ARGF_LITERAL8) || !(list[0].flags & IMAP_ARGF_STREAMED))
		return *why = "UTF8 takes a list of one literal8", -1;
	return 0;
}

/* mailbox 1*( [flag-list] [date-time] (literal / "UTF8" "(" literal8 ")") ).
 * 0, or -1 with *why. */
static int parse_args(struct imap_cmd_ctx *ctx, struct append_job *j, const char **why)
{
	struct imap_session *s = ctx->s;
	unsigned i = 1, k = 0;

	j->msgs = imap_cmd_alloc(ctx, (s->append_n ? s->append_n : 1) * sizeof(*j->msgs));
	while (i < ctx->argc) {
		struct append_msg *m = &j->msgs[k];
		struct slice d;
		int tz;

		if (k >= s->append_n)
			return *why = "Message literal expected", -1;
		if (ctx->args[i].type == IMAP_ARG_LIST && parse_flags(ctx, &ctx->args[i++], m) < 0)
			return *why = "Invalid flag list", -1;
		if (ctx->args[i].type == IMAP_ARG_QUOTED) {
			if (!imap_arg_get_string(&ctx->args[i++], &d) ||
			    imap_datetime_parse(d, &m->internal_date, &tz) < 0)
				return *why = "Invalid date-time", -1;
		}
		if (imap_arg_atom_equals(&ctx->args[i], "UTF8")) {
			if (append_utf8_literal(s, &ctx->args[++i], why) < 0)
				return -1;
		} else if (ctx->args[i].type != IMAP_ARG_LITERAL ||
		           !(ctx->args[i].flags & IMAP_ARGF_STREAMED)) {
			return *why = "Message literal expected", -1;
		}
		m->data = &s->append_msgs[k++];
		i++;
	}
	if (k == 0 || k != s->append_n)
		return *why = "Message literal expected", -1;
	j->n = k;
	return 0;
}

/* ---------------------------------------------------------------- storing */

static int append_one(struct store_txn *txn, uint64_t mailbox_id, struct append_msg *m,
                      uint32_t *uid_r)
{
	uint64_t blob, kw = 0;
	struct store_msg sm;
	int r;

	if (!m->summarised) { /* once: the apply may be replayed */
		buf_init(&m->summary, 0);
		if (msgsum_build(m->data->data, m->data->len, &m->summary) < 0)
			return STORE_E_LIMIT;
		m->summarised = true;
	}
	for (unsigned i = 0; i < m->n_keywords; i++) {
		unsigned idx;

		r = store_keyword_index(txn, mailbox_id, m->keywords[i], true, &idx);
		if (r < 0)
			return r;
		kw |= 1ULL << idx;
	}
	r = store_blob_put(txn, m->data->data, m->data->len, m->summary.data, m->summary.len,
	                   &blob);
	if (r == 0)
		r = store_msg_append(txn, mailbox_id, blob, m->flags, kw, m->internal_date,
		                     STORE_APPEND_QUOTA, &sm);
	if (r == 0)
		*uid_r = sm.uid;
	return r;
}

/* EX_GBM_4470: the whole APPEND must fit, else nothing is stored but the
 * refusal's 100 % alert (committed: the apply then returns 0). */
static int append_admit(struct store_txn *txn, struct append_job *j)
{
	uint64_t bytes = 0;
	unsigned alert;
	int r;

	for (unsigned i = 0; i < j->n; i++)
		bytes += j->msgs[i].data->len;
	r = store_quota_admit(txn, j->bal_id, bytes, j->n, quota_alerter(), &alert);
	j->overquota = r == STORE_E_QUOTA;
	return j->overquota ? 0 : r;
}

static int append_apply(struct store_txn *txn, void *arg)
{
	struct append_job *j = arg;
	struct store_mailbox mb;
	unsigned alert;
	int r = store_mailbox_get(txn, j->bal_id, j->mailbox, &mb);

	if (r != 1)
		return r == 0 ? STORE_E_NOTFOUND : r;
	r = append_admit(txn, j);
	if (r != 0 || j->overquota)
		return r;
	j->uidvalidity = mb.uidvalidity;
	for (unsigned i = 0; i < j->n; i++) {
		uint32_t uid = 0;

		r = append_one(txn, mb.id, &j->msgs[i], &uid);
		if (r < 0)
			return r;
		if (i == 0)
			j->uid_first = uid;
		j->uid_last = uid;
	}
	/* After every message, so that an alert into INBOX does not fall
	 * inside the APPENDUID range. */
	return store_quota_alert(txn, j->bal_id, quota_alerter(), &alert);
}

/* ---------------------------------------------------------------- trace */

/* The trace's message fields (docs/audit.md): the total size and the
 * Message-IDs (space-separated for a MULTIAPPEND, cut to the field's
 * length). Nothing else of the messages. */
static void audit_fields(struct imap_cmd_ctx *ctx, const struct append_job *j)
{
	struct buf ids, one;

	buf_init(&ids, 0);
	buf_init(&one, STORE_AUDIT_MSGID_MAX);
	ctx->audit_size = 0;
	for (unsigned i = 0; i < j->n; i++) {
		ctx->audit_size += j->msgs[i].data->len;
		buf_reset(&one);
		if (mime_header_get(buf_slice(j->msgs[i].data), "Message-ID", &one) == 1 &&
		    ids.len + one.len < STORE_AUDIT_MSGID_MAX) {
			if (ids.len > 0)
				buf_append(&ids, " ", 1);
			buf_append(&ids, one.data, one.len);
		}
	}
	ctx->audit_msgid = imap_cmd_strdup(ctx, buf_slice(&ids));
	buf_free(&ids);
	buf_free(&one);
}

/* The stored messages' ids: "imap:UIDVALIDITY:UID" (":FIRST:LAST" for
 * several), as APPENDUID gives them. */
static void audit_ref(struct imap_cmd_ctx *ctx, const struct append_job *j)
{
	char ref[64];
	int n;

	if (j->uid_first == j->uid_last)
		n = snprintf(ref, sizeof(ref), "imap:%u:%u", j->uidvalidity, j->uid_last);
	else
		n = snprintf(ref, sizeof(ref), "imap:%u:%u:%u", j->uidvalidity, j->uid_first,
		             j->uid_last);
	ctx->audit_ref = imap_cmd_strdup(ctx, (struct slice){(const uint8_t *)ref, (size_t)n});
}

static void append_done(struct imap_cmd_ctx *ctx, int result)
{
	struct append_job *j = ctx->data;

	for (unsigned i = 0; i < j->n; i++)
		buf_free(&j->msgs[i].summary);
	if (result == 0 && j->overquota)
		result = STORE_E_QUOTA;
	if (result == 0) {
		char code[64];

		audit_ref(ctx, j);
		if (j->uid_first == j->uid_last)
			snprintf(code, sizeof(code), "APPENDUID %u %u", j->uidvalidity,
			         j->uid_last);
		else
			snprintf(code, sizeof(code), "APPENDUID %u %u:%u", j->uidvalidity,
			         j->uid_first, j->uid_last);
		imap_reply_ok(ctx, code, "APPEND completed");
	} else if (result == STORE_E_QUOTA) {
		imap_reply_no(ctx, "OVERQUOTA", "Quota exceeded"); /* RFC 9208 section 4.3 */
	} else if (result == STORE_E_NOTFOUND) {
		imap_reply_no(ctx, "TRYCREATE", "No such mailbox");
	} else if (result == STORE_E_FULL || result == STORE_E_LIMIT) {
		imap_reply_no(ctx, "LIMIT", store_strerror(result));
	} else {
		log_warn("%s imap append failed: %s", imap_session_id(ctx->s),
		         store_strerror(result));
		imap_reply_no(ctx, "SERVERBUG", "Cannot store the message");
	}
	imap_cmd_done(ctx);
}

imap_cmd_fn imap_cmd_append;
enum imap_cmd_result imap_cmd_append(struct imap_cmd_ctx *ctx)
{
	struct append_job *j = imap_cmd_alloc(ctx, sizeof(*j));
	const char *why = NULL;

	/* Modified UTF-7 decoded unless UTF-8 is enabled (imap_cmd_mailbox.h). */
	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], j->mailbox) < 0 ||
	    imap_acl_resolve(ctx, j->mailbox, &j->bal_id) < 0 ||
	    !imap_acl_require(ctx, j->bal_id, j->mailbox, RIGHT_INSERT, NULL))
		return IMAP_CMD_DONE;
	if (parse_args(ctx, j, &why) < 0) {
		imap_reply_bad(ctx, NULL, why);
		return IMAP_CMD_DONE;
	}
	for (unsigned i = 0; i < j->n; i++) {
		if (j->msgs[i].data->len == 0) {
			imap_reply_no(ctx, NULL, "Empty message");
			return IMAP_CMD_DONE;
		}
	}
	ctx->data = j;
	audit_fields(ctx, j);
	imap_cmd_store_write(ctx, append_apply, j, append_done);
	return IMAP_CMD_WAIT;
}
