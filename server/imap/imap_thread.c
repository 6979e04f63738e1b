/* SPDX-License-Identifier: ISC */
/* THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §4) over an array
 * of nodes linked by index: messages first, dummies after. Every step is
 * iterative (no recursion on thread depth) and O(n log n) overall. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_thread.h"

#define NONE UINT32_MAX

static void *thr_alloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size);

	if (p == NULL)
		abort();
	return p;
}

static void *thr_grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap != 0 ? *cap * 2 : 64;
	p = realloc(p, *cap * size);
	if (p == NULL)
		abort();
	return p;
}

int imap_thread_parse(const struct imap_arg *arg, enum imap_thread_algo *algo_r,
                      const char **error_r)
{
	if (arg->type != IMAP_ARG_ATOM) {
		*error_r = "thread algorithm must be an atom";
		return -1;
	}
	if (imap_arg_atom_equals(arg, "REFERENCES")) {
		*algo_r = IMAP_THREAD_REFERENCES;
	} else if (imap_arg_atom_equals(arg, "ORDEREDSUBJECT")) {
		*algo_r = IMAP_THREAD_ORDEREDSUBJECT;
	} else {
		*error_r = "unknown thread algorithm";
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- msg-ids */

/* Skips white space and (nested) comments; returns the new position. */
static size_t skip_cfws(struct slice f, size_t i)
{
	unsigned depth = 0;

	for (; i < f.len; i++) {
		uint8_t c = f.p[i];
		if (depth > 0 && c == '\\' && i + 1 < f.len)
			i++;
		else if (c == '(')
			depth++;
		else if (depth > 0 && c == ')')
			depth--;
		else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return i;
	}
	return i;
}

int imap_thread_next_msgid(struct slice field, size_t *pos, struct buf *id)
{
	size_t i = *pos;

	while ((i = skip_cfws(field, i)) < field.len) {
		size_t start = id->len, j;
		bool at = false;

		if (field.p[i] != '<') {
			i++;
			continue;
		}
		for (j = i + 1; j < field.len && field.p[j] != '>' && field.p[j] != '<'; j++) {
			uint8_t c = field.p[j];
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			at |= c == '@';
			buf_append_u8(id, c);
		}
		/* RFC 5322 §3.6.4: "<" id-left "@" id-right ">"; anything else is
		 * not a valid Message ID for §4 and is passed over */
		if (j < field.len && field.p[j] == '>' && at && id->len > start + 1) {
			*pos = j + 1;
			return 1;
		}
		id->len = start;
		i = j;
	}
	*pos = field.len;
	return 0;
}

/* ---------------------------------------------------------- hash table */

/* Open addressing over keys kept in an arena buffer. */
struct htab {
	struct hslot {
		size_t off;
		uint32_t len, val; /* val NONE: empty */
	} * s;
	size_t cap, n;
	struct buf *arena;
};

static uint64_t hash_bytes(struct slice k)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */

	for (size_t i = 0; i < k.len; i++)
		h = (h ^ k.p[i]) * 0x100000001b3u;
	return h;
}

static void htab_init(struct htab *t, struct buf *arena, size_t expect)
{
	t->cap = 64;
	while (t->cap < expect * 2)
		t->cap *= 2;
	t->s = thr_alloc(t->cap, sizeof(*t->s));
	for (size_t i = 0; i < t->cap; i++)
		t->s[i].val = NONE;
	t->n = 0;
	t->arena = arena;
}

static struct hslot *htab_find(struct htab *t, struct slice k)
{
	size_t i = (size_t)hash_bytes(k) & (t->cap - 1);

	for (;; i = (i + 1) & (t->cap - 1)) {
		struct hslot *s = &t->s[i];
		if (s->val == NONE ||
		    (s->len == k.len && memcmp(t->arena->data + s->off, k.p, k.len) == 0))
			return s;
	}
}

static void htab_grow(struct htab *t)
{
	struct hslot *old = t->s;
	size_t oldcap = t->cap;

	t->cap *= 2;
	t->s = thr_alloc(t->cap, sizeof(*t->s));
	for (size_t i = 0; i < t->cap; i++)
		t->s[i].val = NONE;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].val == NONE)
			continue;
		struct slice k = {t->arena->data + old[i].off, old[i].len};
		*htab_find(t, k) = old[i];
	}
	free(old);
}

/* The slot of k, added (with val NONE, key copied to the arena) if new. */
static struct hslot *htab_get(struct htab *t, struct slice k)
{
	struct hslot *s;

	if ((t->n + 1) * 2 > t->cap)
		htab_grow(t);
	s = htab_find(t, k);
	if (s->val == NONE) {
		s->off = t->arena->len;
		s->len = (uint32_t)k.len;
		buf_append(t->arena, k.p, k.len);
		t->n++;
	}
	return s;
}

/* --------------------------------------------------------------- nodes */

#define TF_TOP 0x1   /* a child of the root */
#define TF_SUBJ 0x2  /* skey/reply computed (messages) */
#define TF_REPLY 0x4 /* §4 REFERENCES: a reply or forward */

struct tnode {
	uint32_t parent, first_child, next_sibling, nchildren;
	uint32_t prev_sibling; /* only during §4 (1), for O(1) unlinking */
	uint32_t msg;          /* index into msgs, NONE for a dummy */
	uint32_t rep;          /* message node that stands for it when sorting (§4 (4), (6)) */
	uint32_t aux;
	uint32_t flags;
	size_t skey_off, skey_len; /* case-mapped base subject */
};

struct thr {
	const struct imap_sort_msg *msgs;
	size_t n;
	struct tnode *v;
	size_t nv, cap;
	struct buf arena, tmp;
	uint32_t *top;
	size_t ntop;
};

static uint32_t node_new(struct thr *t, uint32_t msg)
{
	t->v = thr_grow(t->v, &t->cap, t->nv + 1, sizeof(*t->v));
	t->v[t->nv] = (struct tnode){NONE, NONE, NONE, 0, NONE, msg, (uint32_t)t->nv, 0, 0, 0, 0};
	return (uint32_t)t->nv++;
}

static void add_child(struct thr *t, uint32_t parent, uint32_t child)
{
	t->v[child].parent = parent;
	t->v[child].next_sibling = t->v[parent].first_child;
	t->v[parent].first_child = child;
	t->v[parent].nchildren++;
}

/* Order of §2.2: sent date, then sequence number. */
static int msg_cmp(const struct thr *t, uint32_t a, uint32_t b)
{
	const struct imap_sort_msg *ma = &t->msgs[a], *mb = &t->msgs[b];
	int64_t da = imap_sort_sent_date(ma), db = imap_sort_sent_date(mb);

	if (da != db)
		return da < db ? -1 : 1;
	if (ma->seq != mb->seq)
		return ma->seq < mb->seq ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Nodes in §2.2 order of the messages standing for them. */
static int rep_cmp(const struct thr *t, uint32_t a, uint32_t b)
{
	return msg_cmp(t, t->v[t->v[a].rep].msg, t->v[t->v[b].rep].msg);
}

static int node_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	return rep_cmp(ctx, a, b);
}

/* The case-mapped base subject of message node x, and its reply mark. */
static struct slice node_skey(struct thr *t, uint32_t x)
{
	struct tnode *nd = &t->v[x];

	if (!(nd->flags & TF_SUBJ)) {
		const struct imap_sort_msg *m = &t->msgs[nd->msg];
		struct slice base = m->base_subject;
		bool reply = false;

		buf_reset(&t->tmp);
		if (m->subject.p != NULL)
			imap_sort_base_subject(m->subject, &t->tmp, &reply);
		if (base.p == NULL)
			base = buf_slice(&t->tmp);
		nd->skey_off = t->arena.len;
		imap_sort_casemap(base, &t->arena);
		nd->skey_len = t->arena.len - nd->skey_off;
		nd->flags |= TF_SUBJ | (reply ? TF_REPLY : 0);
	}
	return (struct slice){t->arena.data + nd->skey_off, nd->skey_len};
}

/* Sorts the children of x by §2.2 order and relinks them. */
static void sort_children(struct thr *t, uint32_t x, uint32_t **vec, size_t *cap)
{
	size_t k = 0;

	if (t->v[x].nchildren < 2)
		return;
	*vec = thr_grow(*vec, cap, t->v[x].nchildren, sizeof(**vec));
	for (uint32_t c = t->v[x].first_child; c != NONE; c = t->v[c].next_sibling)
		(*vec)[k++] = c;
	imap_sort_indexes(*vec, k, node_cmp, t);
	t->v[x].first_child = (*vec)[0];
	for (size_t i = 0; i + 1 < k; i++)
		t->v[(*vec)[i]].next_sibling = (*vec)[i + 1];
	t->v[(*vec)[k - 1]].next_sibling = NONE;
}

/* §4 (6): every sibling set sorted; a dummy sorts as its first child. */
static void sort_all(struct thr *t)
{
	uint32_t *vec = NULL;
	size_t cap = 0, k = 0;

	for (size_t x = 0; x < t->nv; x++) {
		sort_children(t, (uint32_t)x, &vec, &cap);
		if (t->v[x].msg == NONE && t->v[x].first_child != NONE)
			t->v[x].rep = t->v[t->v[x].first_child].rep;
	}
	for (size_t i = 0; i < t->ntop; i++)
		if (t->top[i] != NONE && (t->v[t->top[i]].flags & TF_TOP))
			t->top[k++] = t->top[i];
	t->ntop = k;
	imap_sort_indexes(t->top, t->ntop, node_cmp, t);
	free(vec);
}

/* ----------------------------------------------------------- rendering */

static int put_num(const struct thr *t, uint32_t x, bool uid, struct buf *out)
{
	const struct imap_sort_msg *m = &t->msgs[t->v[x].msg];

	return buf_printf(out, "%u", (unsigned)(uid ? m->uid : m->seq));
}

/* thread-members of x: its number and those of a chain of only children;
 * returns the last node of the chain. */
static uint32_t put_chain(const struct thr *t, uint32_t x, bool uid, struct buf *out, int *r)
{
	*r |= put_num(t, x, uid, out);
	while (t->v[x].nchildren == 1) {
		x = t->v[x].first_child;
		*r |= buf_append_u8(out, ' ');
		*r |= put_num(t, x, uid, out);
	}
	return x;
}

/* §5 thread-list, iteratively: a stack of children lists being written. */
static int render_thread(const struct thr *t, uint32_t x, bool uid, struct buf *out,
                         uint32_t **stack, size_t *cap)
{
	size_t sp = 0;
	uint32_t first;
	int r = buf_append_u8(out, '(');

	if (t->v[x].msg == NONE && t->v[x].nchildren == 1)
		x = t->v[x].first_child;
	if (t->v[x].msg == NONE) {
		first = t->v[x].first_child;
	} else {
		x = put_chain(t, x, uid, out, &r);
		first = t->v[x].first_child;
		if (first != NONE)
			r |= buf_append_u8(out, ' ');
	}
	/* each stack entry is a child whose "(" is written; ")" follows its
	 * subtree, then its next sibling opens */
	for (uint32_t c = first; c != NONE || sp > 0;) {
		if (c != NONE) {
			*stack = thr_grow(*stack, cap, sp + 1, sizeof(**stack));
			(*stack)[sp++] = c;
			r |= buf_append_u8(out, '(');
			uint32_t end = put_chain(t, c, uid, out, &r);
			c = t->v[end].first_child;
			if (c != NONE)
				r |= buf_append_u8(out, ' ');
			continue;
		}
		r |= buf_append_u8(out, ')');
		c = t->v[(*stack)[--sp]].next_sibling;
	}
	r |= buf_append_u8(out, ')');
	return r;
}

static int render(const struct thr *t, bool uid, struct buf *out)
{
	size_t start = out->len, cap = 0;
	uint32_t *stack = NULL;
	int r = 0;

	for (size_t i = 0; i < t->ntop && r == 0; i++)
		r = render_thread(t, t->top[i], uid, out, &stack, &cap);
	free(stack);
	if (r < 0)
		out->len = start;
	return r < 0 ? -1 : 0;
}

/* ------------------------------------------------------ ORDEREDSUBJECT */

static int subj_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct thr *t = ctx;
	const struct tnode *na = &t->v[a], *nb = &t->v[b];
	size_t l = na->skey_len < nb->skey_len ? na->skey_len : nb->skey_len;
	int r = memcmp(t->arena.data + na->skey_off, t->arena.data + nb->skey_off, l);

	if (r != 0)
		return r;
	if (na->skey_len != nb->skey_len)
		return na->skey_len < nb->skey_len ? -1 : 1;
	return msg_cmp(t, na->msg, nb->msg);
}

/* §4 ORDEREDSUBJECT: sorted by base subject then sent date, one thread per
 * base subject; the first message is the root and all others its children. */
static void thread_orderedsubject(struct thr *t)
{
	uint32_t *ord = thr_alloc(t->n, sizeof(*ord));
	uint32_t root = NONE, last = NONE;

	for (size_t i = 0; i < t->n; i++) {
		ord[i] = node_new(t, (uint32_t)i);
		node_skey(t, ord[i]);
	}
	imap_sort_indexes(ord, t->n, subj_cmp, t);
	for (size_t i = 0; i < t->n; i++) {
		uint32_t x = ord[i];
		struct slice a = node_skey(t, x);
		if (root != NONE) {
			struct slice b = node_skey(t, root);
			if (a.len == b.len && memcmp(a.p, b.p, a.len) == 0) {
				/* appended in date order: no sort needed afterwards */
				t->v[x].parent = root;
				if (last == root)
					t->v[root].first_child = x;
				else
					t->v[last].next_sibling = x;
				t->v[root].nchildren++;
				last = x;
				continue;
			}
		}
		root = last = x;
		t->v[x].flags |= TF_TOP;
		t->top[t->ntop++] = x;
	}
	imap_sort_indexes(t->top, t->ntop, node_cmp, t);
	free(ord);
}

/* ---------------------------------------------------------- REFERENCES */

/* The node after x in a pre-order walk of top's subtree, or NONE. */
static uint32_t subtree_next(const struct thr *t, uint32_t top, uint32_t x)
{
	if (t->v[x].first_child != NONE)
		return t->v[x].first_child;
	while (x != top) {
		if (t->v[x].next_sibling != NONE)
			return t->v[x].next_sibling;
		x = t->v[x].parent;
	}
	return NONE;
}

/* §4 (1): linking parent -> child must not make a loop, that is child
 * must not be an ancestor of parent (child has no parent here). Walking up
 * from parent and walking child's subtree in turns answers in O(the
 * shorter walk): a deep parent meets a small subtree, or the reverse,
 * without a quadratic cost over a hostile mailbox. */
static bool would_loop(const struct thr *t, uint32_t parent, uint32_t child)
{
	uint32_t up = parent, down = t->v[child].first_child;

	if (parent == child)
		return true;
	while (down != NONE) {
		if (down == parent)
			return true;
		up = t->v[up].parent;
		if (up == NONE)
			return false;
		if (up == child)
			return true;
		down = subtree_next(t, child, down);
	}
	return false;
}

static void link_node(struct thr *t, uint32_t parent, uint32_t child)
{
	struct tnode *c = &t->v[child], *p = &t->v[parent];

	c->parent = parent;
	c->prev_sibling = NONE;
	c->next_sibling = p->first_child;
	if (p->first_child != NONE)
		t->v[p->first_child].prev_sibling = child;
	p->first_child = child;
	p->nchildren++;
}

static void unlink_node(struct thr *t, uint32_t child)
{
	struct tnode *c = &t->v[child], *p = &t->v[c->parent];

	if (c->prev_sibling != NONE)
		t->v[c->prev_sibling].next_sibling = c->next_sibling;
	else
		p->first_child = c->next_sibling;
	if (c->next_sibling != NONE)
		t->v[c->next_sibling].prev_sibling = c->prev_sibling;
	p->nchildren--;
	c->parent = c->next_sibling = c->prev_sibling = NONE;
}

/* The node of a referenced Message-ID: a dummy when not seen yet (§4 (1)). */
static uint32_t ref_node(struct thr *t, struct htab *ids, struct slice id)
{
	struct hslot *s = htab_get(ids, id);

	if (s->val == NONE)
		s->val = node_new(t, NONE);
	return s->val;
}

/* The node of message i: a Message-ID seen only in references takes over
 * that dummy; a duplicate (or missing) Message-ID gets a node of its own,
 * the first message (lowest sequence number) keeps the ID. */
static uint32_t msg_node(struct thr *t, struct htab *ids, uint32_t i)
{
	size_t pos = 0;
	struct hslot *s;

	buf_reset(&t->tmp);
	if (imap_thread_next_msgid(t->msgs[i].message_id, &pos, &t->tmp) != 1)
		return node_new(t, i);
	s = htab_get(ids, buf_slice(&t->tmp));
	if (s->val == NONE) {
		s->val = node_new(t, i);
		return s->val;
	}
	if (t->v[s->val].msg == NONE) {
		t->v[s->val].msg = i;
		return s->val;
	}
	return node_new(t, i);
}

/* §4 (1): References, or else the first msg-id of In-Reply-To. */
static size_t msg_refs(struct thr *t, struct htab *ids, uint32_t i, uint32_t **refs, size_t *cap)
{
	const struct imap_sort_msg *m = &t->msgs[i];
	size_t pos = 0, k = 0;

	buf_reset(&t->tmp);
	while (imap_thread_next_msgid(m->references, &pos, &t->tmp) == 1) {
		uint32_t x = ref_node(t, ids, buf_slice(&t->tmp));
		*refs = thr_grow(*refs, cap, k + 1, sizeof(**refs));
		(*refs)[k++] = x;
		buf_reset(&t->tmp);
	}
	pos = 0;
	if (k == 0 && imap_thread_next_msgid(m->in_reply_to, &pos, &t->tmp) == 1) {
		*refs = thr_grow(*refs, cap, 1, sizeof(**refs));
		(*refs)[k++] = ref_node(t, ids, buf_slice(&t->tmp));
	}
	return k;
}

static void refs_link(struct thr *t, uint32_t *seqorder)
{
	struct htab ids;
	uint32_t *refs = NULL;
	size_t cap = 0;

	htab_init(&ids, &t->arena, t->n);
	for (size_t k = 0; k < t->n; k++) {
		uint32_t i = seqorder[k], self = msg_node(t, &ids, i);
		size_t nr = msg_refs(t, &ids, i, &refs, &cap);

		/* (1)(A) adjacent references become parent and child, unless
		 * the child already has a parent or a loop would result */
		for (size_t j = 0; j + 1 < nr; j++)
			if (t->v[refs[j + 1]].parent == NONE &&
			    !would_loop(t, refs[j], refs[j + 1]))
				link_node(t, refs[j], refs[j + 1]);
		/* (1)(B) the last reference is the parent (no reference: no
		 * parent); an existing link is broken first */
		if (t->v[self].parent != NONE)
			unlink_node(t, self);
		if (nr > 0 && !would_loop(t, refs[nr - 1], self))
			link_node(t, refs[nr - 1], self);
	}
	free(refs);
	free(ids.s);
}

/* For every node: the nearest message at or above it (aux) and the root
 * of its tree (rep until (3) is over), by walking up once per node. */
static void refs_ancestors(struct thr *t, uint32_t *msganc, uint32_t *root)
{
	uint32_t *path = NULL;
	size_t cap = 0;

	for (size_t x = 0; x < t->nv; x++)
		msganc[x] = root[x] = NONE - 1;
	for (size_t x0 = 0; x0 < t->nv; x0++) {
		size_t k = 0;
		uint32_t x = (uint32_t)x0, ma, rt;

		while (root[x] == NONE - 1) {
			path = thr_grow(path, &cap, k + 1, sizeof(*path));
			path[k++] = x;
			if (t->v[x].parent == NONE)
				break;
			x = t->v[x].parent;
		}
		if (root[x] == NONE - 1) { /* x is a root: start there */
			ma = NONE;
			rt = x;
		} else {
			ma = msganc[x];
			rt = root[x];
		}
		while (k > 0) {
			x = path[--k];
			if (t->v[x].msg != NONE)
				ma = x;
			msganc[x] = ma;
			root[x] = rt;
		}
	}
	free(path);
}

/* §4 (2) and (3): the roots, dummies pruned. A message's parent becomes
 * its nearest message ancestor; messages below only dummies are children
 * of their root dummy when there are two or more of them, else roots. */
static void refs_prune(struct thr *t)
{
	size_t nv = t->nv;
	uint32_t *msganc = thr_alloc(nv, sizeof(*msganc)), *root = thr_alloc(nv, sizeof(*root));
	uint32_t *newp = thr_alloc(nv, sizeof(*newp));

	refs_ancestors(t, msganc, root);
	for (size_t x = 0; x < nv; x++)
		t->v[x].aux = 0;
	for (size_t x = 0; x < nv; x++) {
		uint32_t p = t->v[x].parent;
		newp[x] = NONE;
		if (t->v[x].msg == NONE)
			continue;
		if (p != NONE && msganc[p] != NONE)
			newp[x] = msganc[p];
		else if (p != NONE)
			t->v[root[x]].aux++;
	}
	for (size_t x = 0; x < nv; x++) {
		uint32_t p = t->v[x].parent;
		if (t->v[x].msg != NONE && p != NONE && msganc[p] == NONE && t->v[root[x]].aux >= 2)
			newp[x] = root[x];
	}
	for (size_t x = 0; x < nv; x++)
		t->v[x].first_child = t->v[x].next_sibling = NONE, t->v[x].nchildren = 0;
	t->top = thr_alloc(nv, sizeof(*t->top));
	for (size_t x = nv; x-- > 0;) {
		bool keep = t->v[x].msg != NONE || t->v[x].aux >= 2;
		t->v[x].parent = NONE;
		if (newp[x] != NONE)
			add_child(t, newp[x], (uint32_t)x);
		else if (keep)
			t->v[x].flags |= TF_TOP;
	}
	for (size_t x = 0; x < nv; x++)
		if (t->v[x].flags & TF_TOP)
			t->top[t->ntop++] = (uint32_t)x;
	free(msganc);
	free(root);
	free(newp);
}

/* §4 (4): the roots in sent date order, a dummy by its earliest child. */
static void refs_sort_roots(struct thr *t)
{
	for (size_t i = 0; i < t->ntop; i++) {
		struct tnode *d = &t->v[t->top[i]];
		if (d->msg != NONE)
			continue;
		d->rep = t->v[d->first_child].rep;
		for (uint32_t c = d->first_child; c != NONE; c = t->v[c].next_sibling)
			if (rep_cmp(t, c, t->top[i]) < 0)
				d->rep = t->v[c].rep;
	}
	imap_sort_indexes(t->top, t->ntop, node_cmp, t);
}

static bool is_dummy(const struct thr *t, uint32_t x)
{
	return t->v[x].msg == NONE;
}

static bool is_reply(struct thr *t, uint32_t x)
{
	node_skey(t, x);
	return (t->v[x].flags & TF_REPLY) != 0;
}

/* The thread subject of a root: its own base subject, or for a dummy
 * that of its first child (§4 (5)(B)(i)). */
static struct slice thread_subject(struct thr *t, uint32_t x)
{
	return node_skey(t, t->v[x].rep);
}

/* §4 (5)(C): root x merges into y, the subject table's entry; *slot is
 * that entry, and y's position among the roots is t->v[y].aux. */
static void refs_merge(struct thr *t, uint32_t x, uint32_t y, struct hslot *slot)
{
	if (is_dummy(t, x) && is_dummy(t, y)) {
		uint32_t c = t->v[x].first_child;
		while (c != NONE) {
			uint32_t next = t->v[c].next_sibling;
			add_child(t, y, c);
			c = next;
		}
		t->v[x].first_child = NONE;
		t->v[x].nchildren = 0;
	} else if (is_dummy(t, y) || (is_reply(t, x) && !is_reply(t, y))) {
		add_child(t, y, x);
	} else {
		uint32_t d = node_new(t, NONE);
		add_child(t, d, y);
		add_child(t, d, x);
		t->v[y].flags &= ~(uint32_t)TF_TOP;
		t->v[d].flags |= TF_TOP;
		t->v[d].aux = t->v[y].aux;
		t->v[d].rep = rep_cmp(t, x, y) < 0 ? t->v[x].rep : t->v[y].rep;
		t->top[t->v[d].aux] = d;
		slot->val = d;
	}
	t->v[x].flags &= ~(uint32_t)TF_TOP;
}

/* §4 (5): roots with the same base subject gathered. */
static void refs_subjects(struct thr *t)
{
	struct buf keys;
	struct htab tab;

	buf_init(&keys, 0);
	buf_reserve(&keys, 256);
	htab_init(&tab, &keys, t->ntop);
	/* (B) one root per subject: a dummy wins, then a non-reply */
	for (size_t i = 0; i < t->ntop; i++) {
		uint32_t x = t->top[i];
		struct slice s = thread_subject(t, x);
		t->v[x].aux = (uint32_t)i;
		if (s.len == 0)
			continue;
		struct hslot *slot = htab_get(&tab, s);
		uint32_t y = slot->val;
		if (y == NONE)
			slot->val = x;
		else if (!is_dummy(t, y) && (is_dummy(t, x) || (is_reply(t, y) && !is_reply(t, x))))
			slot->val = x;
	}
	/* (C) the others merge into it */
	for (size_t i = 0; i < t->ntop; i++) {
		uint32_t x = t->top[i];
		if (!(t->v[x].flags & TF_TOP))
			continue;
		struct slice s = thread_subject(t, x);
		if (s.len == 0)
			continue;
		struct hslot *slot = htab_find(&tab, s);
		if (slot->val != x)
			refs_merge(t, x, slot->val, slot);
	}
	free(tab.s);
	buf_free(&keys);
}

static int seq_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct thr *t = ctx;

	if (t->msgs[a].seq != t->msgs[b].seq)
		return t->msgs[a].seq < t->msgs[b].seq ? -1 : 1;
	return a < b ? -1 : a > b;
}

static void thread_references(struct thr *t)
{
	uint32_t *seqorder = thr_alloc(t->n, sizeof(*seqorder));

	/* messages get nodes 0..n-1 in sequence order: duplicates of a
	 * Message-ID then lose to the lowest sequence number (§4 (1)) */
	for (size_t i = 0; i < t->n; i++)
		seqorder[i] = (uint32_t)i;
	imap_sort_indexes(seqorder, t->n, seq_cmp, t);
	refs_link(t, seqorder);
	free(seqorder);
	refs_prune(t);
	refs_sort_roots(t);
	refs_subjects(t);
	sort_all(t);
}

int imap_thread_run(enum imap_thread_algo algo, const struct imap_sort_msg *msgs, size_t n,
                    bool uid, struct buf *out)
{
	struct thr t = {.msgs = msgs, .n = n};
	int r;

	buf_init(&t.arena, 0);
	buf_init(&t.tmp, 0);
	/* never NULL, so that empty keys compare with memcmp */
	buf_reserve(&t.arena, 256);
	buf_reserve(&t.tmp, 256);
	if (algo == IMAP_THREAD_ORDEREDSUBJECT) {
		t.top = thr_alloc(n, sizeof(*t.top));
		thread_orderedsubject(&t);
	} else {
		thread_references(&t);
	}
	r = render(&t, uid, out);
	free(t.v);
	free(t.top);
	buf_free(&t.arena);
	buf_free(&t.tmp);
	return r;
}
