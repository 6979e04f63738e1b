/* SPDX-License-Identifier: ISC */
/* Validator (RFC 5228 §8.3 and the extension RFCs): resolves every command,
 * test and tag against the command table, checks arguments, require and the
 * if/elsif/else order, decodes encoded characters, and leaves the compiled
 * form. sieve_node_check() re-checks a resolved node for the loader. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sieve_int.h"
#include "util.h"

struct vctx {
	struct sieve_script *s;
	const struct sieve_compile_hooks *hooks;
	struct sieve_error *err;
};

enum tag_group { G_CMP, G_MATCH, G_ADDR, G_FLAG, G_NUM, G_STR, G_BODY };

struct tag_spec {
	const char *name;
	enum tag_group g;
	uint32_t v;
	char arg; /* 0, 's', 'l', 'n' */
	enum sieve_ext ext;
};

static const struct tag_spec tags[] = {
    {":comparator", G_CMP, 0, 's', SIEVE_EXT_END},
    {":is", G_MATCH, SIEVE_MATCH_IS, 0, SIEVE_EXT_END},
    {":contains", G_MATCH, SIEVE_MATCH_CONTAINS, 0, SIEVE_EXT_END},
    {":matches", G_MATCH, SIEVE_MATCH_MATCHES, 0, SIEVE_EXT_END},
    {":count", G_MATCH, SIEVE_MATCH_COUNT, 's', SIEVE_EXT_RELATIONAL},
    {":value", G_MATCH, SIEVE_MATCH_VALUE, 's', SIEVE_EXT_RELATIONAL},
    {":all", G_ADDR, SIEVE_AP_ALL, 0, SIEVE_EXT_END},
    {":localpart", G_ADDR, SIEVE_AP_LOCAL, 0, SIEVE_EXT_END},
    {":domain", G_ADDR, SIEVE_AP_DOMAIN, 0, SIEVE_EXT_END},
    {":user", G_ADDR, SIEVE_AP_USER, 0, SIEVE_EXT_SUBADDRESS},
    {":detail", G_ADDR, SIEVE_AP_DETAIL, 0, SIEVE_EXT_SUBADDRESS},
    {":over", G_FLAG, SIEVE_F_OVER, 0, SIEVE_EXT_END},
    {":under", G_FLAG, SIEVE_F_UNDER, 0, SIEVE_EXT_END},
    {":copy", G_FLAG, SIEVE_F_COPY, 0, SIEVE_EXT_COPY},
    {":create", G_FLAG, SIEVE_F_CREATE, 0, SIEVE_EXT_MAILBOX},
    {":flags", G_STR, SIEVE_S_FLAGS, 'l', SIEVE_EXT_IMAP4FLAGS},
    {":days", G_NUM, SIEVE_N_SECONDS, 'n', SIEVE_EXT_END},
    {":seconds", G_NUM, SIEVE_N_SECONDS, 'n', SIEVE_EXT_END},
    {":subject", G_STR, SIEVE_S_SUBJECT, 's', SIEVE_EXT_END},
    {":from", G_STR, SIEVE_S_FROM, 's', SIEVE_EXT_END},
    {":addresses", G_STR, SIEVE_S_ADDRESSES, 'l', SIEVE_EXT_END},
    {":mime", G_FLAG, SIEVE_F_MIME, 0, SIEVE_EXT_END},
    {":handle", G_STR, SIEVE_S_HANDLE, 's', SIEVE_EXT_END},
    {":raw", G_BODY, SIEVE_BODY_RAW, 0, SIEVE_EXT_END},
    {":content", G_BODY, SIEVE_BODY_CONTENT, 'l', SIEVE_EXT_END},
    {":text", G_BODY, SIEVE_BODY_TEXT, 0, SIEVE_EXT_END},
    {":zone", G_STR, SIEVE_S_ZONE, 's', SIEVE_EXT_END},
    {":originalzone", G_FLAG, SIEVE_F_ORIGZONE, 0, SIEVE_EXT_END},
    {":index", G_NUM, SIEVE_N_INDEX, 'n', SIEVE_EXT_INDEX},
    {":last", G_FLAG, SIEVE_F_LAST, 0, SIEVE_EXT_END},
    {":header", G_STR, SIEVE_S_HEADER, 's', SIEVE_EXT_END},
    {":uniqueid", G_STR, SIEVE_S_UNIQUEID, 's', SIEVE_EXT_END},
    {":lower", G_FLAG, SIEVE_F_LOWER, 0, SIEVE_EXT_END},
    {":upper", G_FLAG, SIEVE_F_UPPER, 0, SIEVE_EXT_END},
    {":lowerfirst", G_FLAG, SIEVE_F_LOWERFIRST, 0, SIEVE_EXT_END},
    {":upperfirst", G_FLAG, SIEVE_F_UPPERFIRST, 0, SIEVE_EXT_END},
    {":quotewildcard", G_FLAG, SIEVE_F_QUOTEWILD, 0, SIEVE_EXT_END},
    {":length", G_FLAG, SIEVE_F_LENGTH, 0, SIEVE_EXT_END},
};

static int verr(struct vctx *v, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int verr(struct vctx *v, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	v->err->line = line;
	v->err->col = col;
	va_start(ap, fmt);
	vsnprintf(v->err->msg, sizeof(v->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Is tag (":name") allowed by the command's tag list? */
static bool tag_allowed(const struct sieve_cmd_spec *sp, const struct tag_spec *t)
{
	static const char *const gnames[] = {"CMP", "MATCH", "ADDR"};
	const char *w = sp->tags;
	size_t tl = strlen(t->name);

	while (*w != '\0') {
		size_t n = strcspn(w, " ");
		if ((t->g <= G_ADDR && n == strlen(gnames[t->g]) && strncmp(w, gnames[t->g], n) == 0) ||
		    (n == tl && strncmp(w, t->name, n) == 0))
			return true;
		w += n;
		w += strspn(w, " ");
	}
	return false;
}

static const struct tag_spec *tag_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(tags); i++)
		if (strcmp(tags[i].name + 1, name) == 0)
			return &tags[i];
	return NULL;
}

/* Extension a tag needs on this command (some depend on the command). */
static enum sieve_ext tag_ext(const struct tag_spec *t, const struct sieve_node *n)
{
	if (strcmp(t->name, ":seconds") == 0 && n->id == SIEVE_VACATION)
		return SIEVE_EXT_VACSECONDS;
	if (strcmp(t->name, ":last") == 0 && n->id != SIEVE_T_DUPLICATE)
		return SIEVE_EXT_INDEX;
	return t->ext;
}

static bool has_ext(const struct vctx *v, enum sieve_ext e)
{
	return e == SIEVE_EXT_END || (v->s->exts & SIEVE_EXT_BIT(e)) != 0;
}

static int set_comparator(struct vctx *v, struct sieve_node *n, const struct sieve_parg *a)
{
	const char *name = a->sl.v[0].p;

	if (strcasecmp(name, "i;ascii-casemap") == 0)
		n->cmp = SIEVE_CMP_CASEMAP;
	else if (strcasecmp(name, "i;octet") == 0)
		n->cmp = SIEVE_CMP_OCTET;
	else if (strcasecmp(name, "i;ascii-numeric") == 0 && has_ext(v, SIEVE_EXT_NUMERIC))
		n->cmp = SIEVE_CMP_NUMERIC;
	else
		return verr(v, a->line, a->col, "unknown comparator \"%s\"%s", name,
		            strcasecmp(name, "i;ascii-numeric") == 0
		                ? " (require \"comparator-i;ascii-numeric\")" : "");
	return 0;
}

/* Stores a tag's value argument. */
static int tag_value(struct vctx *v, struct sieve_node *n, const struct tag_spec *t,
                     struct sieve_parg *val, uint32_t *seen)
{
	if (t->g == G_CMP)
		return set_comparator(v, n, val);
	if (t->g == G_MATCH) {
		int op = sieve_relop_parse(val->sl.v[0].p, val->sl.v[0].len);
		if (op < 0)
			return verr(v, val->line, val->col, "unknown relational operator \"%s\"%s",
			            val->sl.v[0].p, "");
		n->relop = (uint8_t)op;
		return 0;
	}
	if (t->g == G_NUM) {
		uint64_t x = val->num;
		if (strcmp(t->name, ":days") == 0)
			x = (x > SIEVE_VACATION_MAX_DAYS   ? SIEVE_VACATION_MAX_DAYS
			     : x < SIEVE_VACATION_MIN_DAYS ? SIEVE_VACATION_MIN_DAYS
			                                   : x) * 86400;
		else if (n->id == SIEVE_VACATION && x > SIEVE_VACATION_MAX_SECONDS)
			x = SIEVE_VACATION_MAX_SECONDS;
		n->num[t->v] = x;
		n->nums_set |= 1u << t->v;
		return 0;
	}
	/* G_STR, G_BODY (:content) */
	{
		unsigned slot = t->g == G_BODY ? SIEVE_S_CONTENT : t->v;
		n->tag[slot] = val->sl;
		memset(&val->sl, 0, sizeof(val->sl));
	}
	(void)seen;
	return 0;
}

static bool arg_fits(const struct sieve_parg *a, char want)
{
	if (want == 'n')
		return a->k == SIEVE_ARG_NUM;
	if (a->k != SIEVE_ARG_STRS)
		return false;
	return want == 'l' || (!a->list && a->sl.n == 1);
}

static const char *arg_kind(char want)
{
	return want == 'n' ? "number" : want == 's' ? "string" : "string list";
}

static int apply_tag(struct vctx *v, const struct sieve_cmd_spec *sp, struct sieve_node *n,
                     unsigned *i, uint32_t *groups)
{
	struct sieve_parg *a = &n->args[*i];
	const struct tag_spec *t = tag_find(a->tag);

	if (t == NULL || !tag_allowed(sp, t))
		return verr(v, a->line, a->col, "unknown tag \":%s\" for \"%s\"", a->tag, sp->name);
	if (!has_ext(v, tag_ext(t, n)))
		return verr(v, a->line, a->col, "tag \"%s\" needs require \"%s\"", t->name,
		            sieve_ext_names[tag_ext(t, n)]);
	if (t->g <= G_ADDR || t->g == G_BODY) {
		if (*groups & (1u << t->g))
			return verr(v, a->line, a->col, "tag \"%s\" conflicts with an earlier tag%s",
			            t->name, "");
		*groups |= 1u << t->g;
	}
	if (t->g == G_MATCH)
		n->match = (uint8_t)t->v;
	else if (t->g == G_ADDR)
		n->addrpart = (uint8_t)t->v;
	else if (t->g == G_BODY)
		n->bodyt = (uint8_t)t->v;
	else if (t->g == G_FLAG) {
		if (n->flags & t->v)
			return verr(v, a->line, a->col, "tag \"%s\" given twice%s", t->name, "");
		n->flags |= t->v;
	}
	if (t->arg == 0)
		return 0;
	if (*i + 1 >= n->nargs || !arg_fits(&n->args[*i + 1], t->arg))
		return verr(v, a->line, a->col, "tag \"%s\" needs a %s argument", t->name,
		            arg_kind(t->arg));
	if (t->g == G_STR && n->tag[t->v].v != NULL)
		return verr(v, a->line, a->col, "tag \"%s\" given twice%s", t->name, "");
	if (t->g == G_NUM && (n->nums_set & (1u << t->v)))
		return verr(v, a->line, a->col, "tag \"%s\" conflicts with an earlier tag%s",
		            t->name, "");
	(*i)++;
	return tag_value(v, n, t, &n->args[*i], groups);
}

/* Tags, then positional arguments against the table's signature. */
static int resolve_args(struct vctx *v, const struct sieve_cmd_spec *sp, struct sieve_node *n)
{
	uint32_t groups = 0;
	size_t want = strlen(sp->pos);
	struct sieve_parg *posv[SIEVE_MAX_ARGS];
	unsigned np = 0, off = 0;

	for (unsigned i = 0; i < n->nargs; i++) {
		if (n->args[i].k == SIEVE_ARG_TAG) {
			if (np > 0) /* RFC 5228 §2.6.2: tagged arguments come first */
				return verr(v, n->args[i].line, n->args[i].col,
				            "tag \":%s\" after the positional arguments of \"%s\"",
				            n->args[i].tag, sp->name);
			if (apply_tag(v, sp, n, &i, &groups) < 0)
				return -1;
		} else {
			posv[np++] = &n->args[i];
		}
	}
	if (sp->opt_first && np + 1 == want) {
		n->flags |= SIEVE_F_NOFIRST;
		off = 1;
	} else if (np != want) {
		return verr(v, n->line, n->col, "wrong number of arguments for \"%s\"%s", sp->name, "");
	}
	for (unsigned i = 0; i < np; i++) {
		char k = sp->pos[i + off];
		if (!arg_fits(posv[i], k))
			return verr(v, posv[i]->line, posv[i]->col, "%s expected as argument of \"%s\"",
			            arg_kind(k), sp->name);
		if (k == 'n') {
			n->size = posv[i]->num;
		} else {
			n->pos[i + off] = posv[i]->sl;
			memset(&posv[i]->sl, 0, sizeof(posv[i]->sl));
		}
	}
	n->npos = (unsigned)want;
	return 0;
}

/* Every string of a node: encoded-character decoding, then "${" marking. */
static int strings_prepare(struct vctx *v, struct sieve_node *n, struct sieve_strlist *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct sieve_str *s = &l->v[i];
		const char *why = NULL;
		if ((v->s->exts & SIEVE_EXT_BIT(SIEVE_EXT_ENCODED)) &&
		    sieve_encoded_decode(s, &why) < 0)
			return verr(v, n->line, n->col, "%s%s", why, "");
		s->vars = (v->s->exts & SIEVE_EXT_BIT(SIEVE_EXT_VARIABLES)) &&
		          memmem(s->p, s->len, "${", 2) != NULL;
	}
	return 0;
}

static int node_strings(struct vctx *v, struct sieve_node *n)
{
	for (unsigned i = 0; i < SIEVE_MAX_POS; i++)
		if (strings_prepare(v, n, &n->pos[i]) < 0)
			return -1;
	for (unsigned i = 0; i < SIEVE_S_END; i++)
		if (strings_prepare(v, n, &n->tag[i]) < 0)
			return -1;
	return 0;
}

/* Constant strings of a list must pass ok(); variables are checked at run
 * time instead. */
static int check_list(struct vctx *v, const struct sieve_node *n, const struct sieve_strlist *l,
                      bool (*ok)(const char *, size_t), const char *what)
{
	for (unsigned i = 0; i < l->n; i++)
		if (!l->v[i].vars && !ok(l->v[i].p, l->v[i].len))
			return verr(v, n->line, n->col, "invalid %s \"%s\"", what, l->v[i].p);
	return 0;
}

static bool envpart_valid(const char *a, size_t len)
{
	return (len == 4 && strncasecmp(a, "from", 4) == 0) ||
	       (len == 2 && strncasecmp(a, "to", 2) == 0) ||
	       (len == 4 && strncasecmp(a, "auth", 4) == 0);
}

static int check_redirect(struct vctx *v, const struct sieve_node *n)
{
	const struct sieve_str *s = &n->pos[0].v[0];
	const char *why = NULL;

	if (s->vars)
		return 0;
	if (!sieve_addr_valid(s->p, s->len))
		return verr(v, n->line, n->col, "invalid redirect address \"%s\"%s", s->p, "");
	if (v->hooks != NULL && v->hooks->redirect_check != NULL &&
	    v->hooks->redirect_check(v->hooks->ctx, s->p, &why) != 0)
		return verr(v, n->line, n->col, "redirect to \"%s\" refused: %s", s->p,
		            why != NULL ? why : "not allowed");
	return 0;
}

static int check_set(struct vctx *v, const struct sieve_node *n)
{
	static const uint32_t levels[] = {SIEVE_F_LOWER | SIEVE_F_UPPER,
	                                  SIEVE_F_LOWERFIRST | SIEVE_F_UPPERFIRST};

	for (size_t i = 0; i < ARRAY_LEN(levels); i++)
		if ((n->flags & levels[i]) == levels[i])
			return verr(v, n->line, n->col, "conflicting modifiers in \"set\"%s%s", "", "");
	if (!sieve_varname_valid(n->pos[0].v[0].p, n->pos[0].v[0].len))
		return verr(v, n->line, n->col, "invalid variable name \"%s\"%s", n->pos[0].v[0].p, "");
	return 0;
}

/* Checks that need the meaning of a command (RFC 5228 §5, extensions). */
static int check_semantics(struct vctx *v, struct sieve_node *n)
{
	if (n->cmp == SIEVE_CMP_NUMERIC &&
	    (n->match == SIEVE_MATCH_CONTAINS || n->match == SIEVE_MATCH_MATCHES))
		return verr(v, n->line, n->col, "comparator \"%s\" cannot do %s",
		            "i;ascii-numeric", n->match == SIEVE_MATCH_CONTAINS ? ":contains" : ":matches");
	if ((n->flags & SIEVE_F_LAST) && n->id != SIEVE_T_DUPLICATE &&
	    !(n->nums_set & (1u << SIEVE_N_INDEX)))
		return verr(v, n->line, n->col, ":last needs :index (RFC 5260 §6)");
	if ((n->nums_set & (1u << SIEVE_N_INDEX)) && n->num[SIEVE_N_INDEX] == 0)
		return verr(v, n->line, n->col, ":index counts from 1 (RFC 5260 §6)");
	switch (n->id) {
	case SIEVE_REDIRECT:
		return check_redirect(v, n);
	case SIEVE_SET:
		return check_set(v, n);
	case SIEVE_SETFLAG: case SIEVE_ADDFLAG: case SIEVE_REMOVEFLAG: case SIEVE_T_HASFLAG:
		if ((n->flags & SIEVE_F_NOFIRST) == 0 && !has_ext(v, SIEVE_EXT_VARIABLES))
			return verr(v, n->line, n->col, "a flag variable needs require \"%s\"%s",
			            "variables", "");
		for (unsigned i = 0; !(n->flags & SIEVE_F_NOFIRST) && i < n->pos[0].n; i++)
			if (!sieve_varname_valid(n->pos[0].v[i].p, n->pos[0].v[i].len))
				return verr(v, n->line, n->col, "invalid variable name \"%s\"",
				            n->pos[0].v[i].p);
		return 0;
	case SIEVE_T_SIZE:
		if (__builtin_popcount(n->flags & (SIEVE_F_OVER | SIEVE_F_UNDER)) != 1)
			return verr(v, n->line, n->col, "\"size\" needs exactly one of %s%s",
			            ":over or :under", "");
		return 0;
	case SIEVE_T_ADDRESS:
		if (check_list(v, n, &n->pos[0], sieve_address_header, "address header") < 0)
			return -1;
		return check_list(v, n, &n->pos[0], sieve_header_name_valid, "header name");
	case SIEVE_T_HEADER: case SIEVE_T_EXISTS:
		return check_list(v, n, &n->pos[0], sieve_header_name_valid, "header name");
	case SIEVE_T_ENVELOPE:
		return check_list(v, n, &n->pos[0], envpart_valid, "envelope part");
	case SIEVE_T_DATE:
		if (check_list(v, n, &n->pos[0], sieve_header_name_valid, "header name") < 0)
			return -1;
		/* fall through */
	case SIEVE_T_CURRENTDATE: {
		const struct sieve_strlist *dp = &n->pos[n->id == SIEVE_T_DATE ? 1 : 0];
		if ((n->flags & SIEVE_F_ORIGZONE) && n->tag[SIEVE_S_ZONE].n)
			return verr(v, n->line, n->col, "%s and %s conflict", ":zone", ":originalzone");
		if (check_list(v, n, dp, sieve_datepart_valid, "date part") < 0)
			return -1;
		return check_list(v, n, &n->tag[SIEVE_S_ZONE], sieve_zone_valid, "time zone");
	}
	case SIEVE_T_DUPLICATE:
		if (n->tag[SIEVE_S_HEADER].n && n->tag[SIEVE_S_UNIQUEID].n)
			return verr(v, n->line, n->col, "%s and %s conflict", ":header", ":uniqueid");
		return check_list(v, n, &n->tag[SIEVE_S_HEADER], sieve_header_name_valid,
		                  "header name");
	case SIEVE_VACATION:
		if (!(n->nums_set & (1u << SIEVE_N_SECONDS)))
			n->num[SIEVE_N_SECONDS] = SIEVE_VACATION_DEFAULT_DAYS * 86400ull;
		return 0;
	default:
		return 0;
	}
}

static int require(struct vctx *v, struct sieve_node *n)
{
	for (unsigned i = 0; i < n->pos[0].n; i++) {
		const char *name = n->pos[0].v[i].p;
		unsigned e;
		for (e = 0; e < SIEVE_EXT_END; e++)
			if (strcmp(name, sieve_ext_names[e]) == 0)
				break;
		if (e == SIEVE_EXT_END)
			return verr(v, n->line, n->col, "unsupported extension \"%s\"%s", name, "");
		v->s->exts |= SIEVE_EXT_BIT(e);
	}
	return 0;
}

static int validate_list(struct vctx *v, struct sieve_node *vec, unsigned n, bool tests,
                         bool top);

static int validate_node(struct vctx *v, struct sieve_node *n, bool test)
{
	const struct sieve_cmd_spec *sp = sieve_cmd_find(n->name, test);
	const char *why;

	if (sp == NULL)
		return verr(v, n->line, n->col, "unknown %s \"%s\"", test ? "test" : "command",
		            n->name);
	n->id = sp->id;
	if (!has_ext(v, sp->ext))
		return verr(v, n->line, n->col, "\"%s\" needs require \"%s\"", sp->name,
		            sieve_ext_names[sp->ext]);
	if (resolve_args(v, sp, n) < 0)
		return -1;
	if (sp->tests == 0 && n->ntests > 0)
		return verr(v, n->tests[0].line, n->tests[0].col, "\"%s\" takes no test%s", sp->name, "");
	if (sp->tests > 0 && n->ntests == 0)
		return verr(v, n->line, n->col, "\"%s\" needs %s", sp->name,
		            sp->tests == 1 ? "a test" : "a test list");
	if (sp->tests == 1 && n->ntests > 1)
		return verr(v, n->line, n->col, "\"%s\" takes one test, not a list%s", sp->name, "");
	if (sp->block != n->has_block)
		return verr(v, n->line, n->col, sp->block ? "\"%s\" needs a block%s"
		                                          : "\"%s\" takes no block%s", sp->name, "");
	if (n->id == SIEVE_REQUIRE && require(v, n) < 0)
		return -1;
	if (node_strings(v, n) < 0 || check_semantics(v, n) < 0)
		return -1;
	if (validate_list(v, n->tests, n->ntests, true, false) < 0 ||
	    validate_list(v, n->block, n->nblock, false, false) < 0)
		return -1;
	if ((why = sieve_node_check(n, test, v->s->exts)) != NULL)
		return verr(v, n->line, n->col, "%s%s", why, "");
	return 0;
}

/* Frees what only the parser needed. */
static void drop_parse(struct sieve_node *n)
{
	for (unsigned i = 0; i < n->nargs; i++) {
		free(n->args[i].tag);
		sieve_strlist_free(&n->args[i].sl);
	}
	free(n->args);
	n->args = NULL;
	n->nargs = 0;
	free(n->name);
	n->name = NULL;
}

static int validate_list(struct vctx *v, struct sieve_node *vec, unsigned n, bool tests,
                         bool top)
{
	bool in_if = false, seen_cmd = false;

	for (unsigned i = 0; i < n; i++) {
		struct sieve_node *c = &vec[i];
		if (!tests && strcmp(c->name, "require") == 0 && (!top || seen_cmd))
			return verr(v, c->line, c->col, "\"require\" must come before any other command%s%s",
			            "", "");
		if (!tests && (strcmp(c->name, "elsif") == 0 || strcmp(c->name, "else") == 0) && !in_if)
			return verr(v, c->line, c->col, "\"%s\" without \"if\"%s", c->name, "");
		if (validate_node(v, c, tests) < 0)
			return -1;
		seen_cmd = seen_cmd || c->id != SIEVE_REQUIRE;
		in_if = c->id == SIEVE_IF || c->id == SIEVE_ELSIF;
		drop_parse(c);
	}
	return 0;
}

int sieve_validate(struct sieve_script *s, const struct sieve_compile_hooks *hooks,
                   struct sieve_error *err)
{
	struct vctx v = {s, hooks, err};

	s->exts = 0;
	return validate_list(&v, s->cmds, s->ncmds, false, true);
}

/* ------------------------------------------------ resolved-node checks */

static const char *check_strings(const struct sieve_strlist *l)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->v[i].p == NULL || l->v[i].len > SIEVE_MAX_STRING)
			return "bad string";
	return l->n > SIEVE_MAX_LIST ? "list too long" : NULL;
}

static const char *check_pos(const struct sieve_node *n, const struct sieve_cmd_spec *sp)
{
	size_t want = strlen(sp->pos);

	if (n->npos != want || want > SIEVE_MAX_POS)
		return "wrong number of arguments";
	for (unsigned i = 0; i < SIEVE_MAX_POS; i++) {
		const struct sieve_strlist *l = &n->pos[i];
		char k = i < want ? sp->pos[i] : 0;
		bool absent = i == 0 && sp->opt_first && (n->flags & SIEVE_F_NOFIRST);
		if (check_strings(l) != NULL)
			return "bad string argument";
		if ((k == 0 || k == 'n' || absent) && l->n != 0)
			return "unexpected argument";
		if (k == 's' && !absent && l->n != 1)
			return "string argument expected";
		if (k == 'l' && !absent && l->n == 0)
			return "string list expected";
	}
	return NULL;
}

const char *sieve_node_check(const struct sieve_node *n, bool is_test, uint32_t exts)
{
	const struct sieve_cmd_spec *sp = sieve_cmd_by_id(n->id);
	const char *why;

	if (sp == NULL || sp->test != is_test)
		return "unknown command";
	if (sp->ext != SIEVE_EXT_END && !(exts & SIEVE_EXT_BIT(sp->ext)))
		return "extension not required";
	if (n->cmp >= SIEVE_CMP_END || n->match >= SIEVE_MATCH_END || n->relop >= SIEVE_REL_END ||
	    n->addrpart >= SIEVE_AP_END || n->bodyt >= SIEVE_BODY_END || (n->flags & ~SIEVE_F_ALL) ||
	    (n->nums_set >> SIEVE_N_END) != 0)
		return "bad option";
	if ((why = check_pos(n, sp)) != NULL)
		return why;
	for (unsigned i = 0; i < SIEVE_S_END; i++)
		if ((why = check_strings(&n->tag[i])) != NULL)
			return why;
	if (sp->tests == 0 ? n->ntests != 0 : sp->tests == 1 ? n->ntests != 1 : n->ntests == 0)
		return "wrong number of tests";
	if (sp->tests > 0 && n->ntests > SIEVE_MAX_TESTS)
		return "too many tests";
	if (sp->block != n->has_block || (!sp->block && n->nblock != 0))
		return "bad block";
	return NULL;
}
