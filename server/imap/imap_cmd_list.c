/* SPDX-License-Identifier: ISC */
/* LIST (RFC 3501 section 6.3.8) with LIST-EXTENDED (RFC 5258), LIST-STATUS
 * (RFC 5819), SPECIAL-USE (RFC 6154) and CHILDREN (RFC 3348), and LSUB
 * (RFC 3501 section 6.3.9). "/" separates levels; a level that is not a
 * mailbox but has inferiors is listed as \Noselect. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_acl.h"
#include "imap_cmd_mailbox.h"
#include "imap_mutf7.h"
#include "imap_session.h"
#include "log.h"
#include "util.h"

/* Selection options (RFC 5258 section 3.1) and return options (3.2). */
#define SEL_SUBSCRIBED 0x01
#define SEL_RECURSIVE 0x02
#define SEL_SPECIAL_USE 0x04
#define RET_SUBSCRIBED 0x10
#define RET_STATUS 0x20

/* One name of the hierarchy: a mailbox, or a level only implied by one. */
struct list_entry {
	char *name;
	uint64_t id; /* 0: no such mailbox, only inferiors (\Noselect) */
	uint64_t bal_id; /* the mailbox's BAL (another one's: Other Users/) */
	unsigned special_use;
	bool subscribed;
	bool implied; /* a level of the names below it */
};

struct list_req {
	struct imap_cmd_ctx *ctx;
	struct store_txn *txn; /* while collecting */
	uint64_t cur_bal;      /* ... mailboxes of this BAL */
	const char *prefix;    /* ... named with this prefix (other users), or NULL */
	unsigned opts;
	bool lsub;
	struct slice *patterns; /* UTF-8, reference prepended */
	unsigned n_patterns;
	struct imap_status_req status;
	struct list_entry *e; /* sorted by name */
	size_t n, cap;
};

/* ---------------------------------------------------------------- matching */

/* RFC 3501 section 6.3.8: "*" matches anything, "%" anything but "/".
 * INBOX (as the first level) matches case-insensitively. Dynamic
 * programming over the pattern: O(name * pattern), no backtracking. */
static bool pattern_match(struct slice pat, const char *name)
{
	size_t nl = strlen(name), m = pat.len;
	size_t inbox = strncmp(name, "INBOX", 5) == 0 && (name[5] == 0 || name[5] == '/') ? 5 : 0;
	bool *row = xcalloc(2 * (m + 1), sizeof(bool)), *prev = row, *cur = row + m + 1, match;

	prev[0] = true; /* empty pattern prefix, empty name prefix */
	for (size_t j = 0; j < m; j++)
		prev[j + 1] = prev[j] && (pat.p[j] == '*' || pat.p[j] == '%');
	for (size_t i = 1; i <= nl; i++) {
		unsigned char c = (unsigned char)name[i - 1];

		cur[0] = false;
		for (size_t j = 0; j < m; j++) {
			unsigned char pc = pat.p[j];

			if (pc == '*')
				cur[j + 1] = cur[j] || prev[j + 1];
			else if (pc == '%')
				cur[j + 1] = cur[j] || (prev[j + 1] && c != '/');
			else
				cur[j + 1] = prev[j] && (i <= inbox ? toupper(pc) == c : pc == c);
		}
		bool *t = prev;

		prev = cur;
		cur = t;
	}
	match = prev[m];
	free(row);
	return match;
}

static bool any_match(const struct list_req *lr, const char *name)
{
	for (unsigned i = 0; i < lr->n_patterns; i++)
		if (pattern_match(lr->patterns[i], name))
			return true;
	return false;
}

/* ---------------------------------------------------------------- the hierarchy */

static void entry_add(struct list_req *lr, const char *name, const struct store_mailbox *mb)
{
	struct list_entry *e;

	if (lr->n == lr->cap) {
		lr->cap = lr->cap ? lr->cap * 2 : 32;
		lr->e = xrealloc(lr->e, lr->cap * sizeof(*lr->e));
	}
	e = &lr->e[lr->n++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	if (mb != NULL) {
		e->id = mb->id;
		e->bal_id = mb->bal_id;
		e->special_use = mb->special_use;
		e->subscribed = mb->subscribed;
	}
}

/* A delegate sees the mailboxes it has the l right on (RFC 4314 section 4). */
static bool acl_listed(const struct list_req *lr, uint64_t bal_id, uint64_t mailbox_id,
                       unsigned need)
{
	unsigned rights;

	return imap_acl_owner_of(lr->ctx->s, bal_id) ||
	       (imap_acl_rights(lr->ctx->s, lr->txn, bal_id, mailbox_id, &rights) == 0 &&
	        (rights & need) == need);
}

static int collect_mailbox(void *arg, const struct store_mailbox *mb)
{
	struct list_req *lr = arg;
	char *full;

	if (!acl_listed(lr, mb->bal_id, mb->id, RIGHT_LOOKUP))
		return 0;
	if (lr->prefix == NULL) {
		entry_add(lr, mb->name, mb);
		return 0;
	}
	full = xmalloc(strlen(lr->prefix) + strlen(mb->name) + 1);
	strcpy(full, lr->prefix);
	strcat(full, mb->name);
	entry_add(lr, full, mb);
	/* Another BAL's Sent or Trash is not the user's (RFC 6154 attributes
	 * would make clients use it as their own). */
	lr->e[lr->n - 1].special_use = 0;
	free(full);
	return 0;
}

/* BALs that delegated rights to the user, in the other users namespace. */
struct grantors {
	uint64_t user, self;
	uint64_t *ids;
	size_t n;
};

static int collect_grantor(void *arg, const struct store_deleg *g)
{
	struct grantors *gr = arg;

	if (g->grantee_id != gr->user || g->bal_id == gr->self ||
	    (gr->n > 0 && gr->ids[gr->n - 1] == g->bal_id))
		return 0;
	gr->ids = xrealloc(gr->ids, (gr->n + 1) * sizeof(*gr->ids));
	gr->ids[gr->n++] = g->bal_id;
	return 0;
}

static int collect_others(struct list_req *lr, struct store_txn *txn)
{
	struct imap_session *s = lr->ctx->s;
	struct grantors gr = {s->auth_bal_id, s->bal_id, NULL, 0};
	struct store_bal *bal = xmalloc(sizeof(*bal));
	char *prefix = xmalloc(strlen(IMAP_OTHER_USERS) + STORE_ADDR_MAX + 2);
	int r = store_deleg_each(txn, 0, collect_grantor, &gr);

	for (size_t i = 0; i < gr.n && r >= 0; i++) {
		r = store_bal_get(txn, gr.ids[i], bal);
		if (r != 1 || bal->state != BAL_ACTIVE)
			continue; /* a missing one: store_check reports it */
		sprintf(prefix, "%s%s/", IMAP_OTHER_USERS, bal->address);
		lr->prefix = prefix;
		r = store_mailbox_each(txn, bal->id, collect_mailbox, lr);
	}
	lr->prefix = NULL;
	free(gr.ids);
	free(bal);
	free(prefix);
	return r < 0 ? r : 0;
}

/* A subscribed name that is no mailbox (a deleted one's, see DELETE). */
static int collect_orphan(void *arg, const char *name)
{
	struct list_req *lr = arg;

	if (!acl_listed(lr, lr->ctx->s->bal_id, 0, RIGHT_LOOKUP))
		return 0;
	entry_add(lr, name, NULL);
	lr->e[lr->n - 1].subscribed = true;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct list_entry *)a)->name, ((const struct list_entry *)b)->name);
}

/* First entry whose name is >= key. */
static size_t lower_bound(const struct list_req *lr, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(lr->e[mid].name, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds the levels implied by mailboxes ("a" for "a/b" alone): sorted,
 * without duplicates. */
static void add_implied_levels(struct list_req *lr)
{
	size_t n = lr->n, k = 0;

	if (n == 0) /* a delegate may see nothing (qsort wants an array) */
		return;
	qsort(lr->e, n, sizeof(*lr->e), entry_cmp);
	for (size_t i = 0; i < n; i++) {
		char *name = xstrdup(lr->e[i].name);

		for (char *p = strchr(name, '/'); p != NULL; p = strchr(p + 1, '/')) {
			*p = '\0';
			size_t at = lower_bound(lr, n, name);

			if (at < n && strcmp(lr->e[at].name, name) == 0) {
				lr->e[at].implied = true;
			} else {
				entry_add(lr, name, NULL);
				lr->e[lr->n - 1].implied = true;
			}
			*p = '/';
		}
		free(name);
	}
	qsort(lr->e, lr->n, sizeof(*lr->e), entry_cmp);
	for (size_t i = 0; i < lr->n; i++) {
		if (k > 0 && strcmp(lr->e[k - 1].name, lr->e[i].name) == 0) {
			struct list_entry *kept = &lr->e[k - 1];

			/* implied twice, or also a subscription or a mailbox */
			kept->subscribed |= lr->e[i].subscribed;
			kept->implied |= lr->e[i].implied;
			if (kept->id == 0) {
				kept->id = lr->e[i].id;
				kept->special_use = lr->e[i].special_use;
			}
			free(lr->e[i].name);
			continue;
		}
		lr->e[k++] = lr->e[i];
	}
	lr->n = k;
}

/* Inferiors of entry i are the contiguous run of names starting "name/". */
static void children_range(const struct list_req *lr, size_t i, size_t *from, size_t *to)
{
	size_t len = strlen(lr->e[i].name);
	char *key = xmalloc(len + 2);

	memcpy(key, lr->e[i].name, len);
	memcpy(key + len, "/", 2);
	*from = *to = lower_bound(lr, lr->n, key);
	while (*to < lr->n && strncmp(lr->e[*to].name, key, len + 1) == 0)
		(*to)++;
	free(key);
}

static bool selected_by(const struct list_req *lr, const struct list_entry *e)
{
	/* A subscription alone names no mailbox: only LSUB and LIST
	 * (SUBSCRIBED) return it (RFC 5258 section 3). */
	if (e->id == 0 && !e->implied && !lr->lsub && !(lr->opts & SEL_SUBSCRIBED))
		return false;
	if (lr->lsub || (lr->opts & SEL_SUBSCRIBED))
		if (!e->subscribed)
			return false;
	if ((lr->opts & SEL_SPECIAL_USE) && e->special_use == 0)
		return false;
	return true;
}

/* ---------------------------------------------------------------- output */

static void put_special_use(struct buf *out, unsigned su)
{
	static const struct {
		unsigned bit;
		const char *name;
	} su_names[] = {{MBOX_SU_ALL, "\\All"},       {MBOX_SU_ARCHIVE, "\\Archive"},
	                {MBOX_SU_DRAFTS, "\\Drafts"}, {MBOX_SU_FLAGGED, "\\Flagged"},
	                {MBOX_SU_JUNK, "\\Junk"},     {MBOX_SU_SENT, "\\Sent"},
	                {MBOX_SU_TRASH, "\\Trash"}};

	for (size_t k = 0; k < ARRAY_LEN(su_names); k++)
		if (su & su_names[k].bit)
			buf_printf(out, " %s", su_names[k].name);
}

/* "* LIST (attrs) "/" name [ext]\r\n", then "* STATUS" for RETURN (STATUS). */
static int put_entry(struct list_req *lr, struct store_txn *txn, size_t i, bool childinfo,
                     struct buf *out)
{
	const struct list_entry *e = &lr->e[i];
	struct imap_session *s = lr->ctx->s;
	struct store_mailbox mb;
	size_t from, to;
	size_t mark;
	int r;

	children_range(lr, i, &from, &to);
	buf_append_str(out, lr->lsub ? "* LSUB (" : "* LIST (");
	mark = out->len;
	/* RFC 5258 section 3: a name that is no mailbox, returned because of the
	 * selection options (subscribed, or RECURSIVEMATCH), is \NonExistent
	 * (which implies \Noselect); a level of base LIST is \Noselect. */
	if (e->id == 0 && !(lr->lsub && e->subscribed))
		buf_append_str(out, (lr->opts & (SEL_SUBSCRIBED | SEL_SPECIAL_USE)) && !lr->lsub
		                        ? " \\NonExistent"
		                        : " \\Noselect");
	if (!lr->lsub) {
		buf_append_str(out, from < to ? " \\HasChildren" : " \\HasNoChildren");
		if ((lr->opts & RET_SUBSCRIBED) && e->subscribed)
			buf_append_str(out, " \\Subscribed");
		put_special_use(out, e->special_use);
	}
	if (out->len > mark) /* drop the first space */
		memmove(out->data + mark, out->data + mark + 1, --out->len - mark);
	buf_append_str(out, ") \"/\" ");
	imap_cmd_mailbox_put(s, out, e->name);
	if (childinfo)
		buf_printf(out, " (\"CHILDINFO\" (%s))",
		           (lr->opts & SEL_SUBSCRIBED) ? "\"SUBSCRIBED\"" : "\"SPECIAL-USE\"");
	buf_append_str(out, "\r\n");
	if (!(lr->opts & RET_STATUS) || e->id == 0 || !acl_listed(lr, e->bal_id, e->id, RIGHT_READ))
		return 0;
	/* RFC 5819 section 2: STATUS right after its LIST. */
	r = store_mailbox_get_by_id(txn, e->id, &mb);
	if (r != 1)
		return r;
	return imap_cmd_status_write(s, txn, &mb, &lr->status, out);
}

/* Does an inferior of entry i meet the selection (RECURSIVEMATCH)? */
static bool child_selected(const struct list_req *lr, size_t i)
{
	size_t from, to;

	children_range(lr, i, &from, &to);
	for (size_t k = from; k < to; k++)
		if (selected_by(lr, &lr->e[k]))
			return true;
	return false;
}

/* LSUB: "%" returns a level with subscribed inferiors as \Noselect. */
static bool lsub_parent(const struct list_req *lr, size_t i)
{
	for (unsigned k = 0; k < lr->n_patterns; k++) {
		struct slice p = lr->patterns[k];

		if (p.len > 0 && p.p[p.len - 1] == '%')
			return child_selected(lr, i);
	}
	return false;
}

static int list_run(struct list_req *lr, struct store_txn *txn, struct buf *out)
{
	int r;

	lr->txn = txn;
	r = store_mailbox_each(txn, lr->ctx->s->bal_id, collect_mailbox, lr);
	if (r == 0)
		r = store_sub_orphan_each(txn, lr->ctx->s->bal_id, collect_orphan, lr);
	if (r == 0)
		r = collect_others(lr, txn);
	if (r < 0)
		return r;
	add_implied_levels(lr);
	for (size_t i = 0; i < lr->n && r >= 0; i++) {
		struct list_entry *e = &lr->e[i];
		bool childinfo = false;

		if (!any_match(lr, e->name))
			continue;
		if (!selected_by(lr, e)) {
			if (lr->lsub) {
				if (!lsub_parent(lr, i))
					continue;
				e->id = 0; /* \Noselect in LSUB */
			} else if (!(lr->opts & SEL_RECURSIVE) || !child_selected(lr, i)) {
				continue;
			} else {
				childinfo = true;
			}
		}
		r = put_entry(lr, txn, i, childinfo, out);
	}
	return r < 0 ? r : 0;
}

/* ---------------------------------------------------------------- arguments */

static bool parse_selection(struct list_req *lr, const struct imap_arg *arg)
{
	const struct imap_arg *l;
	unsigned n, base = 0;

	if (!imap_arg_get_list(arg, &l, &n))
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (imap_arg_atom_equals(&l[i], "SUBSCRIBED"))
			lr->opts |= SEL_SUBSCRIBED | RET_SUBSCRIBED, base++;
		else if (imap_arg_atom_equals(&l[i], "SPECIAL-USE"))
			lr->opts |= SEL_SPECIAL_USE, base++;
		else if (imap_arg_atom_equals(&l[i], "RECURSIVEMATCH"))
			lr->opts |= SEL_RECURSIVE;
		else if (!imap_arg_atom_equals(&l[i], "REMOTE"))
			return false;
	}
	/* RFC 5258 section 3.1: RECURSIVEMATCH needs another selection option. */
	return !(lr->opts & SEL_RECURSIVE) || base > 0;
}

static bool parse_return(struct list_req *lr, const struct imap_arg *arg)
{
	const struct imap_arg *l, *items;
	unsigned n, ni;

	if (!imap_arg_get_list(arg, &l, &n))
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (imap_arg_atom_equals(&l[i], "SUBSCRIBED")) {
			lr->opts |= RET_SUBSCRIBED;
		} else if (imap_arg_atom_equals(&l[i], "CHILDREN") ||
		           imap_arg_atom_equals(&l[i], "SPECIAL-USE")) {
			continue; /* always returned */
		} else if (imap_arg_atom_equals(&l[i], "STATUS") && i + 1 < n &&
		           imap_arg_get_list(&l[i + 1], &items, &ni) &&
		           imap_cmd_status_parse(items, ni, &lr->status)) {
			lr->opts |= RET_STATUS;
			i++;
		} else {
			return false;
		}
	}
	return true;
}

/* reference + pattern, in UTF-8 (RFC 3501 section 6.3.8: the pattern is
 * interpreted relative to the reference). NULL if not decodable. */
static const char *make_pattern(struct list_req *lr, struct slice ref, const struct imap_arg *a,
                                struct slice *out)
{
	struct imap_session *s = lr->ctx->s;
	struct slice pat;
	struct buf raw, b;
	const char *why = NULL;

	if (!imap_arg_get_astring(a, &pat))
		return "Invalid mailbox pattern";
	buf_init(&raw, 0);
	buf_init(&b, 2 * STORE_MBOX_NAME_MAX);
	if (ref.len > 0)
		buf_append(&raw, ref.p, ref.len);
	if (pat.len > 0)
		buf_append(&raw, pat.p, pat.len);
	if (raw.len > 0 && memchr(raw.data, 0, raw.len) != NULL)
		why = "Invalid mailbox pattern";
	else if (imap_cmd_mailbox_utf8(s)
	             ? !imap_utf8_valid(buf_slice(&raw)) ||
	                   (raw.len > 0 && buf_append(&b, raw.data, raw.len) < 0)
	             : imap_mutf7_to_utf8(buf_slice(&raw), &b) < 0)
		why = "Invalid mailbox pattern: not modified UTF-7 or too long";
	if (why == NULL) {
		char *p = imap_cmd_alloc(lr->ctx, b.len + 1);

		if (b.len > 0)
			memcpy(p, b.data, b.len);
		p[b.len] = '\0';
		*out = (struct slice){(const uint8_t *)p, b.len};
	}
	buf_free(&raw);
	buf_free(&b);
	return why;
}

/* [selection] reference pattern|(patterns) [RETURN (options)]. NULL, or
 * why the arguments are refused; *empty for the delimiter request. */
static const char *parse_args(struct list_req *lr, bool *empty)
{
	const struct imap_cmd_ctx *ctx = lr->ctx;
	const struct imap_arg *a = ctx->args, *pl;
	struct slice ref;
	unsigned np;

	if (!lr->lsub && a->type == IMAP_ARG_LIST && !parse_selection(lr, a++))
		return "Invalid LIST selection options";
	if (!imap_arg_get_astring(a++, &ref) || imap_arg_is_eol(a))
		return "Invalid LIST arguments";
	if (!lr->lsub && a->type == IMAP_ARG_LIST) {
		imap_arg_get_list(a++, &pl, &np);
		if (np == 0)
			return "Empty pattern list";
	} else {
		pl = a++, np = 1;
	}
	if (!lr->lsub && imap_arg_atom_equals(a, "RETURN")) {
		if (!parse_return(lr, a + 1))
			return "Invalid LIST return options";
		a += 2;
	}
	if (!imap_arg_is_eol(a))
		return "Too many LIST arguments";
	lr->patterns = imap_cmd_alloc(lr->ctx, np * sizeof(*lr->patterns));
	*empty = np == 1 && pl->str.len == 0 && pl->type != IMAP_ARG_LIST;
	for (unsigned i = 0; i < np; i++) {
		const char *why = make_pattern(lr, ref, &pl[i], &lr->patterns[lr->n_patterns++]);

		if (why != NULL)
			return why;
	}
	return NULL;
}

/* ---------------------------------------------------------------- commands */

static enum imap_cmd_result do_list(struct imap_cmd_ctx *ctx, bool lsub)
{
	struct list_req lr = {.ctx = ctx, .lsub = lsub};
	struct store_txn *txn;
	bool empty = false;
	const char *why = parse_args(&lr, &empty);
	struct buf out;
	int r;

	if (why != NULL) {
		imap_reply_bad(ctx, NULL, why);
		return IMAP_CMD_DONE;
	}
	if (empty) { /* RFC 3501 section 6.3.8: LIST "" "" gives the delimiter */
		imap_untagged(ctx->s, "%s (\\Noselect) \"/\" \"\"", lsub ? "LSUB" : "LIST");
		imap_reply_ok(ctx, NULL, lsub ? "LSUB completed" : "LIST completed");
		return IMAP_CMD_DONE;
	}
	buf_init(&out, 0);
	r = store_read_begin(ctx->s->srv->store, &txn);
	if (r == 0) {
		r = list_run(&lr, txn, &out);
		store_read_end(&txn);
	}
	for (size_t i = 0; i < lr.n; i++)
		free(lr.e[i].name);
	free(lr.e);
	if (r < 0) {
		log_warn("%s imap list failed: %s", imap_session_id(ctx->s), store_strerror(r));
		imap_reply_no(ctx, "SERVERBUG", "Cannot list mailboxes");
	} else {
		imap_write(ctx->s, out.data, out.len);
		imap_reply_ok(ctx, NULL, lsub ? "LSUB completed" : "LIST completed");
	}
	buf_free(&out);
	return IMAP_CMD_DONE;
}

imap_cmd_fn imap_cmd_list;
enum imap_cmd_result imap_cmd_list(struct imap_cmd_ctx *ctx)
{
	return do_list(ctx, false);
}

imap_cmd_fn imap_cmd_lsub;
enum imap_cmd_result imap_cmd_lsub(struct imap_cmd_ctx *ctx)
{
	return do_list(ctx, true);
}
