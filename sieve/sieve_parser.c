/* SPDX-License-Identifier: ISC */
/* Sieve parser (RFC 5228 §8.2): commands, arguments, tests, test lists and
 * blocks into a tree of sieve_node. Names are not resolved here. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sieve_int.h"
#include "util.h"

struct parser {
	struct sieve_lexer lx;
	struct sieve_token tok; /* current token */
	struct sieve_error *err;
	unsigned nodes;
};

void sieve_strlist_free(struct sieve_strlist *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->v[i].p);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void parg_clear(struct sieve_parg *a)
{
	free(a->tag);
	sieve_strlist_free(&a->sl);
}

void sieve_node_clear(struct sieve_node *n)
{
	free(n->name);
	for (unsigned i = 0; i < n->nargs; i++)
		parg_clear(&n->args[i]);
	free(n->args);
	for (unsigned i = 0; i < SIEVE_S_END; i++)
		sieve_strlist_free(&n->tag[i]);
	for (unsigned i = 0; i < SIEVE_MAX_POS; i++)
		sieve_strlist_free(&n->pos[i]);
	sieve_nodes_free(n->tests, n->ntests);
	sieve_nodes_free(n->block, n->nblock);
	memset(n, 0, sizeof(*n));
}

void sieve_nodes_free(struct sieve_node *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sieve_node_clear(&v[i]);
	free(v);
}

/* Room for element n of an array that grows by doubling (capacity 4, 8,
 * 16... implied by the count), so that long lists stay linear. */
static void *grow(void *v, unsigned n, size_t size)
{
	if (n == 0)
		return xrealloc(v, 4 * size);
	if (n >= 4 && (n & (n - 1)) == 0)
		return xrealloc(v, 2 * (size_t)n * size);
	return v;
}

static int next(struct parser *ps)
{
	sieve_token_clear(&ps->tok);
	return sieve_lex(&ps->lx, &ps->tok);
}

static int unexpected(struct parser *ps, const char *want)
{
	sieve_error_set(ps->err, ps->tok.line, ps->tok.col, "%s expected, found %s", want,
	                sieve_tok_name(ps->tok.t));
	return -1;
}

static void strlist_push(struct sieve_strlist *l, struct sieve_token *tok)
{
	l->v = grow(l->v, l->n, sizeof(*l->v));
	l->v[l->n].p = tok->s;
	l->v[l->n].len = tok->len;
	l->v[l->n].vars = false;
	l->n++;
	tok->s = NULL;
}

/* string-list = "[" string *("," string) "]" / string */
static int parse_strlist(struct parser *ps, struct sieve_parg *a)
{
	a->k = SIEVE_ARG_STRS;
	if (ps->tok.t == SIEVE_TOK_STR) {
		strlist_push(&a->sl, &ps->tok);
		return next(ps);
	}
	a->list = true;
	for (;;) {
		if (next(ps) < 0)
			return -1;
		if (ps->tok.t != SIEVE_TOK_STR)
			return unexpected(ps, "string");
		if (a->sl.n >= SIEVE_MAX_LIST) {
			sieve_error_set(ps->err, ps->tok.line, ps->tok.col,
			                "too many strings in a list (limit %d)", SIEVE_MAX_LIST);
			return -1;
		}
		strlist_push(&a->sl, &ps->tok);
		if (next(ps) < 0)
			return -1;
		if (ps->tok.t == SIEVE_TOK_RBRACKET)
			return next(ps);
		if (ps->tok.t != SIEVE_TOK_COMMA)
			return unexpected(ps, "',' or ']'");
	}
}

static int parse_arg(struct parser *ps, struct sieve_node *n)
{
	struct sieve_parg *a;

	if (n->nargs >= SIEVE_MAX_ARGS) {
		sieve_error_set(ps->err, ps->tok.line, ps->tok.col,
		                "too many arguments (limit %d)", SIEVE_MAX_ARGS);
		return -1;
	}
	n->args = grow(n->args, n->nargs, sizeof(*n->args));
	a = &n->args[n->nargs++];
	memset(a, 0, sizeof(*a));
	a->line = ps->tok.line;
	a->col = ps->tok.col;
	switch (ps->tok.t) {
	case SIEVE_TOK_NUM:
		a->k = SIEVE_ARG_NUM;
		a->num = ps->tok.num;
		return next(ps);
	case SIEVE_TOK_TAG:
		a->k = SIEVE_ARG_TAG;
		a->tag = ps->tok.s;
		ps->tok.s = NULL;
		return next(ps);
	default:
		return parse_strlist(ps, a);
	}
}

static int parse_test(struct parser *ps, struct sieve_node *n, unsigned depth);

static struct sieve_node *push_node(struct parser *ps, struct sieve_node **v, unsigned *nv)
{
	struct sieve_node *n;

	if (ps->nodes >= SIEVE_MAX_NODES) {
		sieve_error_set(ps->err, ps->tok.line, ps->tok.col,
		                "script too complex (limit %d commands and tests)", SIEVE_MAX_NODES);
		return NULL;
	}
	ps->nodes++;
	*v = grow(*v, *nv, sizeof(**v));
	n = &(*v)[(*nv)++];
	memset(n, 0, sizeof(*n));
	return n;
}

/* test-list = "(" test *("," test) ")" */
static int parse_testlist(struct parser *ps, struct sieve_node *n, unsigned depth)
{
	for (;;) {
		struct sieve_node *t;
		if (next(ps) < 0)
			return -1;
		if (n->ntests >= SIEVE_MAX_TESTS) {
			sieve_error_set(ps->err, ps->tok.line, ps->tok.col,
			                "too many tests in a list (limit %d)", SIEVE_MAX_TESTS);
			return -1;
		}
		if ((t = push_node(ps, &n->tests, &n->ntests)) == NULL ||
		    parse_test(ps, t, depth + 1) < 0)
			return -1;
		if (ps->tok.t == SIEVE_TOK_RPAREN)
			return next(ps);
		if (ps->tok.t != SIEVE_TOK_COMMA)
			return unexpected(ps, "',' or ')'");
	}
}

/* arguments = *argument [ test / test-list ] */
static int parse_arguments(struct parser *ps, struct sieve_node *n, unsigned depth)
{
	if (depth > SIEVE_MAX_NESTING) {
		sieve_error_set(ps->err, ps->tok.line, ps->tok.col,
		                "nesting too deep (limit %d)", SIEVE_MAX_NESTING);
		return -1;
	}
	while (ps->tok.t == SIEVE_TOK_NUM || ps->tok.t == SIEVE_TOK_TAG ||
	       ps->tok.t == SIEVE_TOK_STR || ps->tok.t == SIEVE_TOK_LBRACKET)
		if (parse_arg(ps, n) < 0)
			return -1;
	if (ps->tok.t == SIEVE_TOK_LPAREN)
		return parse_testlist(ps, n, depth);
	if (ps->tok.t == SIEVE_TOK_IDENT) {
		struct sieve_node *t = push_node(ps, &n->tests, &n->ntests);
		return t == NULL ? -1 : parse_test(ps, t, depth + 1);
	}
	return 0;
}

static int parse_test(struct parser *ps, struct sieve_node *n, unsigned depth)
{
	if (ps->tok.t != SIEVE_TOK_IDENT)
		return unexpected(ps, "test name");
	n->name = ps->tok.s;
	ps->tok.s = NULL;
	n->line = ps->tok.line;
	n->col = ps->tok.col;
	if (next(ps) < 0)
		return -1;
	return parse_arguments(ps, n, depth);
}

static int parse_commands(struct parser *ps, struct sieve_node **v, unsigned *nv,
                          unsigned depth);

/* command = identifier arguments (";" / block) */
static int parse_command(struct parser *ps, struct sieve_node *n, unsigned depth)
{
	n->name = ps->tok.s;
	ps->tok.s = NULL;
	n->line = ps->tok.line;
	n->col = ps->tok.col;
	if (next(ps) < 0 || parse_arguments(ps, n, depth) < 0)
		return -1;
	if (ps->tok.t == SIEVE_TOK_SEMI)
		return next(ps);
	if (ps->tok.t != SIEVE_TOK_LBRACE)
		return unexpected(ps, "';' or '{'");
	if (depth + 1 > SIEVE_MAX_NESTING) {
		sieve_error_set(ps->err, ps->tok.line, ps->tok.col,
		                "nesting too deep (limit %d)", SIEVE_MAX_NESTING);
		return -1;
	}
	n->has_block = true;
	if (next(ps) < 0 || parse_commands(ps, &n->block, &n->nblock, depth + 1) < 0)
		return -1;
	if (ps->tok.t != SIEVE_TOK_RBRACE)
		return unexpected(ps, "'}'");
	return next(ps);
}

static int parse_commands(struct parser *ps, struct sieve_node **v, unsigned *nv,
                          unsigned depth)
{
	while (ps->tok.t == SIEVE_TOK_IDENT) {
		struct sieve_node *n = push_node(ps, v, nv);
		if (n == NULL || parse_command(ps, n, depth) < 0)
			return -1;
	}
	return 0;
}

int sieve_parse(const char *p, size_t len, struct sieve_node **cmds_r, unsigned *ncmds_r,
                struct sieve_error *err)
{
	struct parser ps;
	int rc = -1;

	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	*cmds_r = NULL;
	*ncmds_r = 0;
	if (len > SIEVE_MAX_SCRIPT_SIZE) {
		sieve_error_set(err, 0, 0, "script too large (%zu bytes, limit %d)", len,
		                SIEVE_MAX_SCRIPT_SIZE);
		return -1;
	}
	sieve_lexer_init(&ps.lx, p, len, err);
	if (sieve_lex(&ps.lx, &ps.tok) == 0 && parse_commands(&ps, cmds_r, ncmds_r, 0) == 0) {
		if (ps.tok.t == SIEVE_TOK_EOF)
			rc = 0;
		else
			unexpected(&ps, "command");
	}
	sieve_token_clear(&ps.tok);
	if (rc < 0) {
		sieve_nodes_free(*cmds_r, *ncmds_r);
		*cmds_r = NULL;
		*ncmds_r = 0;
	}
	return rc;
}
