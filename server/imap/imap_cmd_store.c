/* SPDX-License-Identifier: ISC */
/* STORE and UID STORE (RFC 9051 section 6.4.6, 6.4.9) with CONDSTORE's
 * UNCHANGEDSINCE and MODIFIED (RFC 7162 section 3.1.3): every change of
 * one command in one store write; keywords created on first use. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "imap_acl.h"
#include "imap_flags.h"
#include "imap_cmd_msgset.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "util.h"

#define STORE_SYSTEM_FLAGS "\\Answered \\Flagged \\Deleted \\Seen \\Draft"
#define KEYWORD_NAME_MAX 255 /* store_keyword_name() names fit in 256 bytes */

enum store_item_state { ITEM_OK, ITEM_MODIFIED, ITEM_GONE };

struct store_item {
	uint32_t uid, idx; /* idx: in the view */
	enum store_item_state state;
	uint32_t flags;
	uint64_t keywords, modseq;
};

struct store_job {
	uint64_t mailbox_id;
	char op; /* '=' FLAGS, '+' +FLAGS, '-' -FLAGS */
	bool silent;
	bool has_unchangedsince;
	uint64_t unchangedsince;
	uint32_t sys; /* system flag bits named */
	const char *kw[STORE_KEYWORDS_MAX];
	unsigned n_kw;
	struct store_item *items;
	size_t n;
	bool kw_created; /* written by the apply */
};

/* ---------------------------------------------------------------- arguments */

/* flag-keyword is an atom (RFC 9051 section 9): no atom-specials, no "\". */
static bool keyword_ok(struct slice a)
{
	if (a.len == 0 || a.len > KEYWORD_NAME_MAX)
		return false;
	for (size_t i = 0; i < a.len; i++) {
		uint8_t c = a.p[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return false;
	}
	return true;
}

static int store_flag(struct imap_cmd_ctx *ctx, struct store_job *j, const struct imap_arg *arg)
{
	struct slice a;
	uint32_t bit;

	if (arg->type != IMAP_ARG_ATOM || !imap_arg_get_atom(arg, &a))
		return -1;
	bit = imap_sysflag_bit(a);
	if (bit != 0) {
		j->sys |= bit;
		return 0;
	}
	/* \Recent is the server's (RFC 3501 section 2.3.2); others unknown. */
	if (!keyword_ok(a))
		return -1;
	for (unsigned i = 0; i < j->n_kw; i++)
		if (slice_casecmp_cstr(a, j->kw[i]) == 0)
			return 0;
	if (j->n_kw == STORE_KEYWORDS_MAX)
		return -2;
	j->kw[j->n_kw++] = imap_cmd_strdup(ctx, a);
	return 0;
}

/* [ "(" UNCHANGEDSINCE n ")" ] ("+"/"-")FLAGS[.SILENT] (flag-list / 1*flag).
 * 0, or -1 after BAD. */
static int store_parse(struct imap_cmd_ctx *ctx, struct store_job *j)
{
	const struct imap_arg *a = &ctx->args[1], *flags;
	unsigned nflags, i = 1;
	struct slice item;

	if (a->type == IMAP_ARG_LIST) { /* RFC 4466 section 2.5 store-modifiers */
		if (a->list_count != 2 || !imap_arg_atom_equals(&a->list[0], "UNCHANGEDSINCE") ||
		    !imap_arg_get_number(&a->list[1], &j->unchangedsince)) {
			imap_reply_bad(ctx, NULL, "Unsupported STORE modifier");
			return -1;
		}
		j->has_unchangedsince = true;
		i++;
	}
	if (i + 1 >= ctx->argc || !imap_arg_get_atom(&ctx->args[i], &item)) {
		imap_reply_bad(ctx, NULL, "Invalid STORE arguments");
		return -1;
	}
	j->op = item.len > 0 && (item.p[0] == '+' || item.p[0] == '-') ? (char)item.p[0] : '=';
	if (j->op != '=') {
		item.p++;
		item.len--;
	}
	j->silent = slice_casecmp_cstr(item, "FLAGS.SILENT") == 0;
	if (!j->silent && slice_casecmp_cstr(item, "FLAGS") != 0) {
		imap_reply_bad(ctx, NULL, "Invalid STORE item");
		return -1;
	}
	i++;
	if (i + 1 == ctx->argc && imap_arg_get_list(&ctx->args[i], &flags, &nflags)) {
		i = 0;
	} else {
		flags = &ctx->args[i];
		nflags = ctx->argc - i;
		i = 0;
	}
	for (; i < nflags; i++) {
		int r = store_flag(ctx, j, &flags[i]);

		if (r < 0) {
			imap_reply_bad(ctx, NULL, r == -2 ? "Too many keywords" : "Invalid flag");
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- storing */

/* The keyword bits of the names; missing ones are created unless removing. */
static int store_keywords(struct store_txn *txn, struct store_job *j, uint64_t *mask_r)
{
	*mask_r = 0;
	for (unsigned i = 0; i < j->n_kw; i++) {
		unsigned idx;
		int r = store_keyword_index(txn, j->mailbox_id, j->kw[i], false, &idx);

		if (r == 0 && j->op != '-') {
			r = store_keyword_index(txn, j->mailbox_id, j->kw[i], true, &idx);
			j->kw_created |= r == 1;
		}
		if (r < 0)
			return r;
		if (r == 1)
			*mask_r |= 1ULL << idx;
	}
	return 0;
}

static void store_new_flags(const struct store_job *j, uint64_t kw, const struct store_msg *m,
                            uint32_t *flags_r, uint64_t *kw_r)
{
	switch (j->op) {
	case '+':
		*flags_r = m->flags | j->sys;
		*kw_r = m->keywords | kw;
		break;
	case '-':
		*flags_r = m->flags & ~j->sys;
		*kw_r = m->keywords & ~kw;
		break;
	default:
		*flags_r = j->sys;
		*kw_r = kw;
	}
}

/* Writer thread: the whole command in one transaction (repeatable). */
static int store_apply(struct store_txn *txn, void *arg)
{
	struct store_job *j = arg;
	uint64_t kw;
	int r;

	j->kw_created = false;
	r = store_keywords(txn, j, &kw);
	for (size_t i = 0; r == 0 && i < j->n; i++) {
		struct store_item *it = &j->items[i];
		struct store_msg m;
		uint32_t nf;
		uint64_t nk;

		r = store_msg_get(txn, j->mailbox_id, it->uid, &m);
		it->state = r == 1 ? ITEM_OK : ITEM_GONE;
		if (r <= 0)
			continue;
		r = 0;
		/* RFC 7162 section 3.1.3: modseq 0 always fails the test. */
		if (j->has_unchangedsince && m.modseq > j->unchangedsince) {
			it->state = ITEM_MODIFIED;
			continue;
		}
		store_new_flags(j, kw, &m, &nf, &nk);
		if (nf != m.flags || nk != m.keywords)
			r = store_msg_set_flags(txn, j->mailbox_id, it->uid, nf, nk, 0, &m);
		it->flags = m.flags;
		it->keywords = m.keywords;
		it->modseq = m.modseq;
	}
	return r;
}

/* ---------------------------------------------------------------- replies */

/* New keywords change the mailbox's flag lists (RFC 9051 section 7.3.5). */
static void store_flag_lists(struct imap_session *s)
{
	const struct imap_view *v = s->view;
	struct buf kw, b;

	buf_init(&kw, 0);
	buf_init(&b, 0);
	for (unsigned i = 0; i < STORE_KEYWORDS_MAX; i++)
		if (imap_view_keyword(v, i) != NULL)
			buf_printf(&kw, " %s", imap_view_keyword(v, i));
	buf_printf(&b, "* FLAGS (" STORE_SYSTEM_FLAGS "%.*s)\r\n", (int)kw.len, (char *)kw.data);
	buf_printf(&b, "* OK [PERMANENTFLAGS (" STORE_SYSTEM_FLAGS "%.*s \\*)] Flags permitted\r\n",
	           (int)kw.len, (char *)kw.data);
	imap_write(s, b.data, b.len);
	buf_free(&kw);
	buf_free(&b);
}

/* "* n FETCH (FLAGS (..) UID u MODSEQ (m))" (RFC 9051 section 6.4.6; UID
 * for UID STORE, section 6.4.9; MODSEQ once CONDSTORE is on, RFC 7162
 * section 3.1.3, also after .SILENT when it changed). */
static void store_fetch_line(struct imap_cmd_ctx *ctx, const struct store_job *j,
                             const struct store_item *it, bool changed, struct buf *out)
{
	bool condstore = (ctx->s->enabled & (IMAP_EN_CONDSTORE | IMAP_EN_QRESYNC)) != 0;
	bool sp = false;

	if (j->silent && !(condstore && changed))
		return;
	buf_printf(out, "* %u FETCH (", it->idx + 1);
	if (!j->silent) {
		buf_append_str(out, "FLAGS ");
		imap_view_flags_list(ctx->s->view, it->flags, it->keywords, out);
		sp = true;
	}
	if (ctx->uid) {
		buf_printf(out, "%sUID %u", sp ? " " : "", it->uid);
		sp = true;
	}
	if (condstore)
		buf_printf(out, "%sMODSEQ (%llu)", sp ? " " : "", (unsigned long long)it->modseq);
	buf_append_str(out, ")\r\n");
}

static void store_done(struct imap_cmd_ctx *ctx, int result)
{
	struct store_job *j = ctx->data;
	struct imap_session *s = ctx->s;
	uint32_t *modified = imap_cmd_alloc(ctx, (j->n + 1) * sizeof(*modified));
	size_t n_mod = 0;
	struct buf out;

	if (result < 0 || imap_session_gone(s)) {
		if (result == STORE_E_LIMIT)
			imap_reply_no(ctx, "LIMIT", "Too many keywords in this mailbox");
		else if (result == STORE_E_INVALID)
			imap_reply_no(ctx, NULL, "Invalid keyword");
		else if (result < 0)
			imap_reply_no(ctx, "SERVERBUG", "Cannot store the flags");
		if (result < 0 && result != STORE_E_LIMIT && result != STORE_E_INVALID)
			log_warn("%s imap store failed: %s", imap_session_id(s),
			         store_strerror(result));
		imap_cmd_done(ctx);
		return;
	}
	if (j->kw_created) {
		imap_view_load_keywords(s->srv->store, s->view);
		store_flag_lists(s);
	}
	buf_init(&out, 0);
	for (size_t i = 0; i < j->n; i++) {
		struct store_item *it = &j->items[i];
		const struct imap_view_msg *vm = &s->view->msgs[it->idx];
		bool changed;

		if (it->state == ITEM_MODIFIED)
			modified[n_mod++] = ctx->uid ? it->uid : it->idx + 1;
		if (it->state != ITEM_OK)
			continue;
		changed = it->modseq > vm->modseq;
		imap_view_set_flags(s->view, it->idx + 1, it->flags, it->keywords, it->modseq);
		store_fetch_line(ctx, j, it, changed, &out);
	}
	imap_write(s, out.data, out.len);
	if (n_mod > 0) { /* RFC 7162 section 3.1.3 */
		buf_reset(&out);
		buf_append_str(&out, "MODIFIED ");
		imap_cmd_uidset_format(modified, NULL, n_mod, &out);
		buf_append_u8(&out, 0);
		imap_reply_ok(ctx, (char *)out.data, "Conditional STORE failed for some messages");
	} else {
		imap_reply_ok(ctx, NULL, ctx->uid ? "UID STORE completed" : "STORE completed");
	}
	buf_free(&out);
	imap_cmd_done(ctx);
}

/* ---------------------------------------------------------------- command */

/* A delegate needs s, t or w for the flags it changes (RFC 4314 section 4). */
static bool store_rights_ok(struct imap_cmd_ctx *ctx, const struct store_job *j)
{
	unsigned rights, need = imap_acl_store_need(j->op, j->sys, j->n_kw);
	char missing[STORE_RIGHTS_MAX + 1], text[64];
	int r = imap_acl_selected_rights(ctx->s, &rights);

	if (r < 0) {
		imap_reply_no(ctx, "SERVERBUG", "Cannot check the rights");
		return false;
	}
	if ((rights & need) == need)
		return true;
	store_rights_format(need & ~rights, missing);
	snprintf(text, sizeof(text), "Permission denied (right %s missing)", missing);
	imap_reply_no(ctx, "NOPERM", text);
	return false;
}

imap_cmd_fn imap_cmd_store;
enum imap_cmd_result imap_cmd_store(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	struct store_job *j = imap_cmd_alloc(ctx, sizeof(*j));
	uint32_t *idx;
	size_t n;

	if (imap_cmd_msgset(ctx, &ctx->args[0], &idx, &n) < 0 || store_parse(ctx, j) < 0)
		return IMAP_CMD_DONE;
	if (j->has_unchangedsince) /* RFC 7162 section 3.1: enables CONDSTORE */
		s->enabled |= IMAP_EN_CONDSTORE;
	if (!store_rights_ok(ctx, j))
		return IMAP_CMD_DONE;
	if (s->view->read_only) { /* RFC 9051 section 6.3.3 */
		imap_reply_no(ctx, NULL, "Mailbox is read-only");
		return IMAP_CMD_DONE;
	}
	j->mailbox_id = s->view->mb.id;
	j->items = imap_cmd_alloc(ctx, (n + 1) * sizeof(*j->items));
	for (size_t i = 0; i < n; i++) {
		const struct imap_view_msg *m = &s->view->msgs[idx[i]];

		if (!m->expunged)
			j->items[j->n++] = (struct store_item){.uid = m->uid, .idx = idx[i]};
	}
	if (j->n == 0) {
		imap_reply_ok(ctx, NULL, "STORE completed");
		return IMAP_CMD_DONE;
	}
	ctx->data = j;
	imap_cmd_store_write(ctx, store_apply, j, store_done);
	return IMAP_CMD_WAIT;
}
