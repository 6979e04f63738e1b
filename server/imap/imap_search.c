/* SPDX-License-Identifier: ISC */
/* SEARCH program: a table of keys (RFC 9051 section 6.4.4 and the
 * extensions named in imap_search.h) drives a small recursive-descent
 * parser over the argument tree; the evaluator walks the resulting tree. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_date.h"
#include "imap_limits.h"
#include "imap_search.h"
#include "util.h"

enum key_arg {
	KA_NONE,
	KA_STRING, /* astring into value */
	KA_ATOM,   /* flag-keyword into value */
	KA_FIELD,  /* header field name fixed by the table, astring value */
	KA_HEADER, /* astring field, astring value */
	KA_DATE,
	KA_NUMBER, /* number64 */
	KA_NZ,     /* nz-number */
	KA_SEQSET,
	KA_NOT,
	KA_OR,
	KA_NEW,
	KA_MODSEQ,
};

struct key_def {
	const char *name;
	enum imap_search_type type;
	enum key_arg arg;
	unsigned param; /* flag, or date field | op << 4 */
	bool negate;
	const char *field;
};

#define DATE(f, o) ((unsigned)(f) | (unsigned)(o) << 4)

static const struct key_def keys[] = {
    {"ALL", IMAP_SEARCH_ALL, KA_NONE, 0, false, NULL},
    {"ANSWERED", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_ANSWERED, false, NULL},
    {"BCC", IMAP_SEARCH_HEADER, KA_FIELD, 0, false, "BCC"},
    {"BEFORE", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_INTERNAL, IMAP_SEARCH_BEFORE),
     false, NULL},
    {"BODY", IMAP_SEARCH_BODY, KA_STRING, 0, false, NULL},
    {"CC", IMAP_SEARCH_HEADER, KA_FIELD, 0, false, "CC"},
    {"DELETED", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_DELETED, false, NULL},
    {"DRAFT", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_DRAFT, false, NULL},
    {"FLAGGED", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_FLAGGED, false, NULL},
    {"FROM", IMAP_SEARCH_HEADER, KA_FIELD, 0, false, "FROM"},
    {"HEADER", IMAP_SEARCH_HEADER, KA_HEADER, 0, false, NULL},
    {"KEYWORD", IMAP_SEARCH_KEYWORD, KA_ATOM, 0, false, NULL},
    {"LARGER", IMAP_SEARCH_LARGER, KA_NUMBER, 0, false, NULL},
    {"MODSEQ", IMAP_SEARCH_MODSEQ, KA_MODSEQ, 0, false, NULL},
    {"NEW", IMAP_SEARCH_AND, KA_NEW, 0, false, NULL},
    {"NOT", IMAP_SEARCH_NOT, KA_NOT, 0, false, NULL},
    {"OLD", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_RECENT, true, NULL},
    {"OLDER", IMAP_SEARCH_OLDER, KA_NZ, 0, false, NULL},
    {"ON", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_INTERNAL, IMAP_SEARCH_ON), false, NULL},
    {"OR", IMAP_SEARCH_OR, KA_OR, 0, false, NULL},
    {"RECENT", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_RECENT, false, NULL},
    {"SAVEDATESUPPORTED", IMAP_SEARCH_SAVEDATESUPPORTED, KA_NONE, 0, false, NULL},
    {"SAVEDBEFORE", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_SAVED, IMAP_SEARCH_BEFORE),
     false, NULL},
    {"SAVEDON", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_SAVED, IMAP_SEARCH_ON), false,
     NULL},
    {"SAVEDSINCE", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_SAVED, IMAP_SEARCH_SINCE),
     false, NULL},
    {"SEEN", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_SEEN, false, NULL},
    {"SENTBEFORE", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_SENT, IMAP_SEARCH_BEFORE),
     false, NULL},
    {"SENTON", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_SENT, IMAP_SEARCH_ON), false, NULL},
    {"SENTSINCE", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_SENT, IMAP_SEARCH_SINCE), false,
     NULL},
    {"SINCE", IMAP_SEARCH_DATE, KA_DATE, DATE(IMAP_SEARCH_DATE_INTERNAL, IMAP_SEARCH_SINCE), false,
     NULL},
    {"SMALLER", IMAP_SEARCH_SMALLER, KA_NUMBER, 0, false, NULL},
    {"SUBJECT", IMAP_SEARCH_HEADER, KA_FIELD, 0, false, "SUBJECT"},
    {"TEXT", IMAP_SEARCH_TEXT, KA_STRING, 0, false, NULL},
    {"TO", IMAP_SEARCH_HEADER, KA_FIELD, 0, false, "TO"},
    {"UID", IMAP_SEARCH_UIDSET, KA_SEQSET, 0, false, NULL},
    {"UNANSWERED", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_ANSWERED, true, NULL},
    {"UNDELETED", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_DELETED, true, NULL},
    {"UNDRAFT", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_DRAFT, true, NULL},
    {"UNFLAGGED", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_FLAGGED, true, NULL},
    {"UNKEYWORD", IMAP_SEARCH_KEYWORD, KA_ATOM, 0, true, NULL},
    {"UNSEEN", IMAP_SEARCH_FLAG, KA_NONE, IMAP_MSGF_SEEN, true, NULL},
    {"YOUNGER", IMAP_SEARCH_YOUNGER, KA_NZ, 0, false, NULL},
};

/* Parser cursor over one argument array. */
struct sp {
	const struct imap_arg *a;
	struct imap_search *s;
	unsigned depth;
	const char *error;
};

static struct imap_search_node *node_new(enum imap_search_type type)
{
	struct imap_search_node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	imap_seqset_init(&n->set);
	n->field = n->value = (struct slice){(const uint8_t *)"", 0};
	return n;
}

static void node_free(struct imap_search_node *n)
{
	while (n != NULL) {
		struct imap_search_node *next = n->next;
		node_free(n->children);
		imap_seqset_free(&n->set);
		free(n->owned);
		free(n);
		n = next;
	}
}

/* Copies field and value into memory the node owns. */
static void node_strings(struct imap_search_node *n, struct slice field, struct slice value)
{
	n->owned = xmalloc(field.len + value.len + 1);
	if (field.len > 0)
		memcpy(n->owned, field.p, field.len);
	if (value.len > 0)
		memcpy(n->owned + field.len, value.p, value.len);
	n->field = (struct slice){n->owned, field.len};
	n->value = (struct slice){n->owned + field.len, value.len};
}

static struct imap_search_node *negate(struct imap_search_node *n)
{
	struct imap_search_node *not = node_new(IMAP_SEARCH_NOT);

	not ->children = n;
	return not ;
}

static const struct key_def *key_lookup(struct slice name)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (slice_casecmp_cstr(name, keys[i].name) == 0)
			return &keys[i];
	return NULL;
}

static int sp_fail(struct sp *sp, const char *error)
{
	if (sp->error == NULL)
		sp->error = error;
	return -1;
}

/* Takes the next argument as an astring. */
static int next_astring(struct sp *sp, struct slice *str_r)
{
	if (!imap_arg_get_astring(sp->a, str_r))
		return sp_fail(sp, "missing or invalid string argument");
	sp->a++;
	return 0;
}

static int next_number(struct sp *sp, bool nonzero, uint64_t *num_r)
{
	if (!imap_arg_get_number(sp->a, num_r) || (nonzero && *num_r == 0))
		return sp_fail(sp, "missing or invalid number");
	sp->a++;
	return 0;
}

static int parse_keys(struct sp *sp, struct imap_search_node **list_r);
static int parse_key(struct sp *sp, struct imap_search_node **node_r);

static int arg_date(struct sp *sp, const struct key_def *k, struct imap_search_node *n)
{
	struct slice str;

	if (next_astring(sp, &str) < 0)
		return -1;
	if (imap_date_parse(str, &n->day) < 0)
		return sp_fail(sp, "invalid date");
	n->date_field = (enum imap_search_date_field)(k->param & 0xf);
	n->date_op = (enum imap_search_date_op)(k->param >> 4);
	return 0;
}

static int arg_seqset(struct sp *sp, struct imap_search_node *n)
{
	struct slice str;
	const char *error;

	if (!imap_arg_get_atom(sp->a, &str))
		return sp_fail(sp, "missing sequence set");
	sp->a++;
	if (imap_seqset_parse(&n->set, str, &error) < 0)
		return sp_fail(sp, error);
	n->saved = n->set.saved;
	sp->s->uses_saved |= n->saved;
	return 0;
}

/* RFC 7162 section 3.1.5: MODSEQ [SP entry-name SP entry-type-req] SP
 * mod-sequence-valzer */
static int arg_modseq(struct sp *sp, struct imap_search_node *n)
{
	struct slice name = {(const uint8_t *)"", 0}, type;

	sp->s->uses_modseq = true;
	if (sp->a->type == IMAP_ARG_QUOTED || sp->a->type == IMAP_ARG_LITERAL) {
		if (next_astring(sp, &name) < 0 || !imap_arg_get_atom(sp->a, &type))
			return sp_fail(sp, "invalid MODSEQ entry");
		if (slice_casecmp_cstr(type, "priv") != 0 &&
		    slice_casecmp_cstr(type, "shared") != 0 && slice_casecmp_cstr(type, "all") != 0)
			return sp_fail(sp, "invalid MODSEQ entry type");
		sp->a++;
	}
	if (next_number(sp, false, &n->number) < 0)
		return -1;
	node_strings(n, name, (struct slice){(const uint8_t *)"", 0});
	return 0;
}

/* NEW is RECENT and not SEEN (RFC 3501 section 6.4.4). */
static void build_new(struct imap_search_node *n)
{
	struct imap_search_node *recent = node_new(IMAP_SEARCH_FLAG);
	struct imap_search_node *seen = node_new(IMAP_SEARCH_FLAG);

	recent->flag = IMAP_MSGF_RECENT;
	seen->flag = IMAP_MSGF_SEEN;
	recent->next = negate(seen);
	n->children = recent;
}

static int key_args(struct sp *sp, const struct key_def *k, struct imap_search_node *n)
{
	struct slice field, value;

	switch (k->arg) {
	case KA_NONE:
		n->flag = k->param;
		return 0;
	case KA_STRING:
		if (next_astring(sp, &value) < 0)
			return -1;
		node_strings(n, (struct slice){(const uint8_t *)"", 0}, value);
		return 0;
	case KA_ATOM:
		if (!imap_arg_get_atom(sp->a, &value))
			return sp_fail(sp, "missing keyword");
		sp->a++;
		node_strings(n, (struct slice){(const uint8_t *)"", 0}, value);
		return 0;
	case KA_FIELD:
		if (next_astring(sp, &value) < 0)
			return -1;
		node_strings(n, slice_from_cstr(k->field), value);
		return 0;
	case KA_HEADER:
		if (next_astring(sp, &field) < 0 || next_astring(sp, &value) < 0)
			return -1;
		node_strings(n, field, value);
		return 0;
	case KA_DATE:
		return arg_date(sp, k, n);
	case KA_NUMBER:
	case KA_NZ:
		return next_number(sp, k->arg == KA_NZ, &n->number);
	case KA_SEQSET:
		return arg_seqset(sp, n);
	case KA_NOT:
		return parse_key(sp, &n->children);
	case KA_OR:
		if (parse_key(sp, &n->children) < 0)
			return -1;
		return parse_key(sp, &n->children->next);
	case KA_NEW:
		build_new(n);
		return 0;
	case KA_MODSEQ:
		return arg_modseq(sp, n);
	}
	return sp_fail(sp, "internal error");
}

static int parse_group(struct sp *sp, struct imap_search_node **node_r)
{
	struct sp sub = {.a = sp->a->list, .s = sp->s, .depth = sp->depth};
	struct imap_search_node *n;

	if (sp->a->list_count == 0)
		return sp_fail(sp, "empty parenthesised search key");
	n = node_new(IMAP_SEARCH_AND);
	*node_r = n;
	sp->a++;
	if (parse_keys(&sub, &n->children) < 0)
		return sp_fail(sp, sub.error);
	return 0;
}

/* search-key (RFC 9051 section 9): a key name with its arguments, a
 * sequence set, or a parenthesised list of keys. */
static int parse_key(struct sp *sp, struct imap_search_node **node_r)
{
	const struct key_def *k;
	struct imap_search_node *n;
	struct slice name;
	int r;

	if (++sp->depth > IMAP_SEARCH_DEPTH_MAX)
		return sp_fail(sp, "search keys nested too deeply");
	if (sp->a->type == IMAP_ARG_LIST) {
		r = parse_group(sp, node_r);
		sp->depth--;
		return r;
	}
	if (!imap_arg_get_atom(sp->a, &name))
		return sp_fail(sp, sp->a->type == IMAP_ARG_EOL ? "missing search key"
		                                               : "invalid search key");
	if (name.len > 0 &&
	    ((name.p[0] >= '0' && name.p[0] <= '9') || name.p[0] == '*' || name.p[0] == '$')) {
		n = *node_r = node_new(IMAP_SEARCH_SEQSET);
		r = arg_seqset(sp, n);
	} else if ((k = key_lookup(name)) == NULL) {
		return sp_fail(sp, "unknown search key");
	} else {
		sp->a++;
		n = *node_r = node_new(k->type);
		r = key_args(sp, k, n);
		if (r == 0 && k->negate)
			*node_r = negate(n);
	}
	sp->depth--;
	return r;
}

/* Keys up to EOL, as a sibling list. */
static int parse_keys(struct sp *sp, struct imap_search_node **list_r)
{
	struct imap_search_node **tail = list_r;

	while (sp->a->type != IMAP_ARG_EOL) {
		if (parse_key(sp, tail) < 0)
			return -1;
		tail = &(*tail)->next;
	}
	return 0;
}

/* search-return-opts = SP "RETURN" SP "(" [search-return-opt
 * *(SP search-return-opt)] ")" (RFC 4731 section 3, RFC 5182 section 2) */
static int parse_return(struct sp *sp)
{
	static const char *const names[] = {"MIN", "MAX", "ALL", "COUNT", "SAVE"};
	const struct imap_arg *opts;
	unsigned count;

	sp->a++;
	if (!imap_arg_get_list(sp->a, &opts, &count))
		return sp_fail(sp, "RETURN needs a list");
	sp->a++;
	sp->s->esearch = true;
	for (unsigned i = 0; i < count; i++) {
		unsigned bit = 0;
		for (unsigned j = 0; j < ARRAY_LEN(names); j++)
			if (imap_arg_atom_equals(&opts[i], names[j]))
				bit = 1u << j;
		if (bit == 0)
			return sp_fail(sp, "unknown RETURN option");
		sp->s->ret |= bit;
	}
	if (count == 0)
		sp->s->ret = IMAP_SEARCH_RET_ALL;
	return 0;
}

/* 0, or -2 for a charset we cannot search in. */
static int parse_charset(struct sp *sp, struct slice name)
{
	if (slice_casecmp_cstr(name, "UTF-8") == 0)
		sp->s->charset_utf8 = true;
	else if (slice_casecmp_cstr(name, "US-ASCII") != 0)
		return -2;
	return 0;
}

static int parse_prefix(struct sp *sp, unsigned flags)
{
	struct slice name;

	if (flags & IMAP_SEARCH_PARSE_CHARSET_FIRST) {
		if (next_astring(sp, &name) < 0)
			return -1;
		return parse_charset(sp, name);
	}
	if (imap_arg_atom_equals(sp->a, "RETURN") && parse_return(sp) < 0)
		return -1;
	if (imap_arg_atom_equals(sp->a, "CHARSET")) {
		if (flags & IMAP_SEARCH_PARSE_NO_CHARSET)
			return sp_fail(sp, "CHARSET not allowed once UTF8=ACCEPT is enabled");
		sp->a++;
		if (next_astring(sp, &name) < 0)
			return -1;
		return parse_charset(sp, name);
	}
	return 0;
}

int imap_search_parse(const struct imap_arg *args, unsigned flags, struct imap_search **search_r,
                      const char **error_r)
{
	struct imap_search *s = xcalloc(1, sizeof(*s));
	struct sp sp = {.a = args, .s = s};
	int r;

	s->root = node_new(IMAP_SEARCH_AND);
	s->charset_utf8 = (flags & IMAP_SEARCH_PARSE_NO_CHARSET) != 0;
	r = parse_prefix(&sp, flags);
	if (r == 0 && sp.a->type == IMAP_ARG_EOL)
		r = sp_fail(&sp, "missing search key");
	if (r == 0)
		r = parse_keys(&sp, &s->root->children);
	if (r < 0) {
		*error_r = r == -2 ? "unsupported charset" : sp.error;
		imap_search_free(&s);
		return r;
	}
	*search_r = s;
	return 0;
}

bool imap_search_asks_save(const struct imap_arg *args)
{
	const struct imap_arg *list;
	unsigned n;

	if (!imap_arg_atom_equals(&args[0], "RETURN") || !imap_arg_get_list(&args[1], &list, &n))
		return false;
	for (unsigned i = 0; i < n; i++)
		if (imap_arg_atom_equals(&list[i], "SAVE"))
			return true;
	return false;
}

void imap_search_free(struct imap_search **searchp)
{
	if (*searchp == NULL)
		return;
	node_free((*searchp)->root);
	free(*searchp);
	*searchp = NULL;
}

static void prepare_node(struct imap_search_node *n, uint32_t max_seq, uint32_t max_uid,
                         const struct imap_seqset *saved)
{
	for (; n != NULL; n = n->next) {
		prepare_node(n->children, max_seq, max_uid, saved);
		if (n->type != IMAP_SEARCH_SEQSET && n->type != IMAP_SEARCH_UIDSET)
			continue;
		if (n->saved) {
			/* The saved result is kept as UIDs, whatever the
			 * command that uses it (RFC 5182 section 2.1). */
			n->type = IMAP_SEARCH_UIDSET;
			if (saved != NULL)
				imap_seqset_copy(&n->set, saved);
			else
				imap_seqset_clear(&n->set);
			n->set.saved = false;
			imap_seqset_normalise(&n->set);
			continue;
		}
		imap_seqset_resolve(&n->set, n->type == IMAP_SEARCH_SEQSET ? max_seq : max_uid);
	}
}

void imap_search_prepare(struct imap_search *s, uint32_t max_seq, uint32_t max_uid,
                         const struct imap_seqset *saved)
{
	prepare_node(s->root, max_seq, max_uid, saved);
	s->prepared = true;
}

static int eval_date(const struct imap_search_node *n, const struct imap_search_msg *m)
{
	int32_t day = n->date_field == IMAP_SEARCH_DATE_INTERNAL ? m->internal_day
	              : n->date_field == IMAP_SEARCH_DATE_SENT   ? m->sent_day
	                                                         : m->save_day;

	if (day == INT32_MIN)
		return 0;
	switch (n->date_op) {
	case IMAP_SEARCH_BEFORE:
		return day < n->day;
	case IMAP_SEARCH_ON:
		return day == n->day;
	default:
		return day >= n->day;
	}
}

static int eval_node(const struct imap_search_node *n, const struct imap_search_env *env,
                     const struct imap_search_msg *m);

static int eval_and(const struct imap_search_node *n, const struct imap_search_env *env,
                    const struct imap_search_msg *m)
{
	for (; n != NULL; n = n->next) {
		int r = eval_node(n, env, m);
		if (r <= 0)
			return r;
	}
	return 1;
}

static int eval_node(const struct imap_search_node *n, const struct imap_search_env *env,
                     const struct imap_search_msg *m)
{
	int r;

	switch (n->type) {
	case IMAP_SEARCH_ALL:
		return 1;
	case IMAP_SEARCH_AND:
		return eval_and(n->children, env, m);
	case IMAP_SEARCH_OR:
		r = eval_node(n->children, env, m);
		return r != 0 ? r : eval_node(n->children->next, env, m);
	case IMAP_SEARCH_NOT:
		r = eval_node(n->children, env, m);
		return r < 0 ? r : !r;
	case IMAP_SEARCH_FLAG:
		return (m->flags & n->flag) != 0;
	case IMAP_SEARCH_KEYWORD:
		return m->ops->keyword(m->ctx, n->value);
	case IMAP_SEARCH_DATE:
		return eval_date(n, m);
	case IMAP_SEARCH_LARGER:
		return m->size > n->number;
	case IMAP_SEARCH_SMALLER:
		return m->size < n->number;
	case IMAP_SEARCH_HEADER:
		return m->ops->header(m->ctx, n->field, n->value);
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
		return m->ops->body(m->ctx, n->value, n->type == IMAP_SEARCH_TEXT);
	case IMAP_SEARCH_SEQSET:
		return imap_seqset_contains(&n->set, m->seq);
	case IMAP_SEARCH_UIDSET:
		return imap_seqset_contains(&n->set, m->uid);
	case IMAP_SEARCH_MODSEQ:
		return m->modseq >= n->number;
	case IMAP_SEARCH_OLDER: /* RFC 5032 section 3 */
		return m->internal_time < env->now - (int64_t)n->number;
	case IMAP_SEARCH_YOUNGER:
		return m->internal_time >= env->now - (int64_t)n->number;
	case IMAP_SEARCH_SAVEDATESUPPORTED: /* RFC 8514 section 4 */
		return env->savedate_supported;
	}
	return -1;
}

int imap_search_eval(const struct imap_search *s, const struct imap_search_env *env,
                     const struct imap_search_msg *msg)
{
	if (!s->prepared)
		return -1;
	return eval_node(s->root, env, msg);
}
