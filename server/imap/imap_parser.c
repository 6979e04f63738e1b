/* SPDX-License-Identifier: ISC */
/* Incremental IMAP command parser. The state lives in struct imap_parser
 * between reads, so a command may arrive one byte at a time; arguments are
 * collected as flat nodes (offsets into one data buffer) and turned into the
 * argument tree once the command's last line has been read. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_parser.h"
#include "mailgen.h"
#include "util.h"

enum imap_pstate {
	PS_START,    /* between commands; empty lines are skipped */
	PS_START_CR, /* CR of an empty line */
	PS_TAG,
	PS_NAME,
	PS_ARG,     /* an argument, a space, ")" or the end of the line */
	PS_ARG_END, /* after an argument: space, ")" or end of line */
	PS_ATOM,
	PS_SECTION, /* between the brackets of BODY[...] */
	PS_SECTION_QUOTED,
	PS_SECTION_ESC,
	PS_TILDE, /* "~": literal8 or an atom */
	PS_QUOTED,
	PS_QUOTED_ESC,
	PS_LIT_SIZE,
	PS_LIT_CLOSE, /* after "+", expects "}" */
	PS_LIT_CR,    /* after "}", expects CRLF */
	PS_LIT_LF,
	PS_LIT_WAIT, /* the caller decides on the literal */
	PS_LIT_DATA,
	PS_CR,   /* CR that ends the command */
	PS_DONE, /* a command or line was returned */
	PS_SKIP, /* after an error: to the end of the line */
	PS_SKIP_LITERAL,
	PS_LINE, /* line mode */
	PS_FATAL,
};

/* Recognises "{n+}" / "{n}" at the end of a line being skipped, so that a
 * non-synchronising literal's data is skipped rather than parsed. */
enum imap_skip_lit { SL_NONE, SL_DIGITS, SL_PLUS, SL_CLOSED, SL_CLOSED_CR };

struct imap_pnode {
	enum imap_arg_type type;
	unsigned flags;
	int parent; /* node index; -1 for top level */
	size_t off, len;
	uint64_t size;
	unsigned nchild;
	unsigned block, fill; /* where its children go in the final array */
};

struct imap_parser {
	enum imap_pstate state;
	bool authenticated, utf8, literal_minus;

	struct buf data; /* tag, name, atoms, unescaped strings, literals */
	size_t line_len; /* non-literal bytes of this command */
	size_t tag_len, name_off, name_len;
	bool tag_done, uid, nul_seen, quoted_8bit;

	struct imap_pnode *nodes;
	unsigned nnodes, nodes_cap, top_count, depth;
	int cur_list, cur_node;

	uint64_t lit_size, lit_left;
	unsigned lit_digits;
	bool lit_nonsync, lit8;
	imap_literal_sink_fn *sink;
	void *sink_ctx;
	struct imap_literal_info lit_info;

	enum imap_skip_lit skip_lit;
	uint64_t skip_n;
	bool skip_nonsync;

	struct imap_arg *args;
	unsigned args_cap;
	struct imap_cmd cmd;
	struct imap_parse_error err;
};

static const uint8_t empty_str[1];

struct imap_parser *imap_parser_new(void)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	buf_init(&p->data, 0);
	p->state = PS_START;
	p->cur_list = p->cur_node = -1;
	return p;
}

void imap_parser_free(struct imap_parser **pp)
{
	struct imap_parser *p = *pp;

	if (p == NULL)
		return;
	buf_free(&p->data);
	free(p->nodes);
	free(p->args);
	free(p);
	*pp = NULL;
}

void imap_parser_set_authenticated(struct imap_parser *p, bool authenticated)
{
	p->authenticated = authenticated;
}

void imap_parser_set_utf8(struct imap_parser *p, bool utf8)
{
	p->utf8 = utf8;
}

void imap_parser_set_literal_minus(struct imap_parser *p, bool literal_minus)
{
	p->literal_minus = literal_minus;
}

/* ---- character classes (RFC 9051 section 9) ---- */

/* ATOM-CHAR: any CHAR except atom-specials. */
static bool is_atom_char(uint8_t c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

/* tag = 1*<any ASTRING-CHAR except "+"> */
static bool is_tag_char(uint8_t c)
{
	return (is_atom_char(c) || c == ']') && c != '+';
}

/* Arguments are read loosely: list-wildcards (LIST), "*" (sequence sets),
 * "\" (flags) and "]" (astring) are all allowed; the handler checks. */
static bool is_arg_atom_char(uint8_t c)
{
	return c > 0x20 && c < 0x7f && strchr("(){\"", c) == NULL;
}

/* ---- errors ---- */

/* A malformed command: the rest of its line is skipped, unless c, the byte
 * that revealed the error, already ended it. */
static enum imap_parse_result fail_code(struct imap_parser *p, const char *reason, const char *code,
                                        uint8_t c)
{
	p->err.reason = reason;
	p->err.code = code;
	p->err.close = false;
	p->state = c == '\n' ? PS_START : PS_SKIP;
	p->skip_lit = SL_NONE;
	return IMAP_PARSE_ERR;
}

static enum imap_parse_result fail(struct imap_parser *p, const char *reason, uint8_t c)
{
	return fail_code(p, reason, NULL, c);
}

/* The client is (or may be) sending data we will not read: no resync. */
static enum imap_parse_result fail_close(struct imap_parser *p, const char *reason,
                                         const char *code)
{
	p->err.reason = reason;
	p->err.code = code;
	p->err.close = true;
	p->state = PS_FATAL;
	return IMAP_PARSE_ERR;
}

/* ---- building ---- */

static void begin_command(struct imap_parser *p)
{
	buf_reset(&p->data);
	p->line_len = p->tag_len = p->name_off = p->name_len = 0;
	p->tag_done = p->uid = p->nul_seen = false;
	p->nnodes = p->top_count = p->depth = 0;
	p->cur_list = p->cur_node = -1;
	memset(&p->err, 0, sizeof(p->err));
	memset(&p->cmd, 0, sizeof(p->cmd));
}

static void append(struct imap_parser *p, uint8_t c)
{
	/* Bounded by IMAP_LINE_MAX and the literal limits: cannot fail. */
	if (buf_append_u8(&p->data, c) < 0)
		fatal("imap_parser: data buffer limit");
}

/* Adds an argument under the current list; -1 past IMAP_ARGS_MAX. */
static int add_node(struct imap_parser *p, enum imap_arg_type type)
{
	struct imap_pnode *n;

	if (p->nnodes >= IMAP_ARGS_MAX)
		return -1;
	if (p->nnodes == p->nodes_cap) {
		p->nodes_cap = p->nodes_cap ? p->nodes_cap * 2 : 16;
		p->nodes = xrealloc(p->nodes, p->nodes_cap * sizeof(*p->nodes));
	}
	n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->parent = p->cur_list;
	n->off = p->data.len;
	if (p->cur_list < 0)
		p->top_count++;
	else
		p->nodes[p->cur_list].nchild++;
	p->cur_node = (int)p->nnodes++;
	return 0;
}

static struct imap_pnode *cur(struct imap_parser *p)
{
	return &p->nodes[p->cur_node];
}

static struct slice data_slice(const struct imap_parser *p, size_t off, size_t len)
{
	if (p->data.data == NULL)
		return (struct slice){empty_str, 0};
	return (struct slice){p->data.data + off, len};
}

static void set_arg(struct imap_parser *p, struct imap_arg *a, const struct imap_pnode *n)
{
	a->type = n->type;
	a->flags = n->flags;
	a->str = data_slice(p, n->off, n->len);
	a->literal_size = n->size;
	a->list = NULL;
	a->list_count = 0;
	if (n->type == IMAP_ARG_LIST) {
		a->list = &p->args[n->block];
		a->list_count = n->nchild;
		memset(&p->args[n->block + n->nchild], 0, sizeof(*a));
	}
}

/* Lays the nodes out as arrays: the top level first, then one block per
 * list in the order the lists were opened, each followed by an EOL. */
static void build_tree(struct imap_parser *p)
{
	unsigned lists = 0, next, top_fill = 0;

	for (unsigned i = 0; i < p->nnodes; i++)
		lists += p->nodes[i].type == IMAP_ARG_LIST;
	if (p->nnodes + lists + 1 > p->args_cap) {
		p->args_cap = p->nnodes + lists + 1;
		p->args = xrealloc(p->args, p->args_cap * sizeof(*p->args));
	}
	next = p->top_count + 1;
	for (unsigned i = 0; i < p->nnodes; i++) {
		struct imap_pnode *n = &p->nodes[i];
		if (n->type == IMAP_ARG_LIST) {
			n->block = next;
			next += n->nchild + 1;
		}
	}
	memset(&p->args[p->top_count], 0, sizeof(*p->args));
	for (unsigned i = 0; i < p->nnodes; i++) {
		const struct imap_pnode *n = &p->nodes[i];
		unsigned at;
		if (n->parent < 0)
			at = top_fill++;
		else
			at = p->nodes[n->parent].block + p->nodes[n->parent].fill++;
		set_arg(p, &p->args[at], n);
	}
	p->cmd.tag = data_slice(p, 0, p->tag_len);
	p->cmd.name = data_slice(p, p->name_off, p->name_len);
	p->cmd.uid = p->uid;
	p->cmd.args = p->args;
	p->cmd.argc = p->top_count;
}

/* ---- steps ---- */

static enum imap_parse_result end_of_line(struct imap_parser *p)
{
	if (p->depth > 0)
		return fail(p, "missing )", '\n');
	if (p->nul_seen)
		return fail(p, "NUL in literal", '\n');
	build_tree(p);
	p->state = PS_DONE;
	return IMAP_PARSE_OK;
}

static enum imap_parse_result line_end(struct imap_parser *p, uint8_t c)
{
	if (c == '\n')
		return end_of_line(p);
	p->state = PS_CR;
	return IMAP_PARSE_MORE;
}

static const char *name_error(const struct imap_parser *p)
{
	struct slice name = data_slice(p, p->name_off, p->name_len);

	if (p->name_len == 0)
		return "missing command name";
	if (!p->uid && slice_casecmp_cstr(name, "UID") == 0)
		return "missing command after UID";
	return NULL;
}

/* SP after the command name; "UID" is a prefix (RFC 9051 section 6.4.9). */
static enum imap_parse_result name_space(struct imap_parser *p)
{
	struct slice name = data_slice(p, p->name_off, p->name_len);

	if (p->name_len == 0)
		return fail(p, "missing command name", ' ');
	if (!p->uid && slice_casecmp_cstr(name, "UID") == 0) {
		p->uid = true;
		p->name_off = p->data.len;
		p->name_len = 0;
		return IMAP_PARSE_MORE;
	}
	p->state = PS_ARG;
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result open_list(struct imap_parser *p, uint8_t c)
{
	if (p->depth >= IMAP_LIST_DEPTH_MAX)
		return fail(p, "lists nested too deeply", c);
	if (add_node(p, IMAP_ARG_LIST) < 0)
		return fail(p, "too many arguments", c);
	p->cur_list = p->cur_node;
	p->depth++;
	p->state = PS_ARG;
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result close_list(struct imap_parser *p, uint8_t c)
{
	if (p->depth == 0)
		return fail(p, "unexpected )", c);
	p->cur_list = p->nodes[p->cur_list].parent;
	p->depth--;
	p->state = PS_ARG_END;
	return IMAP_PARSE_MORE;
}

static void end_atom(struct imap_parser *p)
{
	struct imap_pnode *n = cur(p);

	n->len = p->data.len - n->off;
	if (n->flags == 0 && slice_casecmp_cstr(data_slice(p, n->off, n->len), "NIL") == 0)
		n->type = IMAP_ARG_NIL;
}

/* FETCH attributes whose "[" opens a section (RFC 9051 section 6.4.5). */
static bool is_section_name(const struct imap_parser *p)
{
	static const char *const names[] = {"BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK",
	                                    "BINARY.SIZE"};
	const struct imap_pnode *n = &p->nodes[p->cur_node];
	struct slice s = data_slice(p, n->off, p->data.len - n->off);

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (slice_casecmp_cstr(s, names[i]) == 0)
			return true;
	return false;
}

static enum imap_parse_result start_arg(struct imap_parser *p, enum imap_arg_type type,
                                        enum imap_pstate next, uint8_t c)
{
	if (add_node(p, type) < 0)
		return fail(p, "too many arguments", c);
	p->state = next;
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result start_literal(struct imap_parser *p, bool lit8, uint8_t c)
{
	p->lit8 = lit8;
	p->lit_nonsync = false;
	p->lit_size = 0;
	p->lit_digits = 0;
	return start_arg(p, IMAP_ARG_LITERAL, PS_LIT_SIZE, c);
}

static enum imap_parse_result step_arg(struct imap_parser *p, uint8_t c)
{
	switch (c) {
	case ' ':
		return IMAP_PARSE_MORE;
	case '(':
		return open_list(p, c);
	case ')':
		return close_list(p, c);
	case '"':
		p->quoted_8bit = false;
		return start_arg(p, IMAP_ARG_QUOTED, PS_QUOTED, c);
	case '{':
		return start_literal(p, false, c);
	case '~':
		p->state = PS_TILDE;
		return IMAP_PARSE_MORE;
	case '\r':
	case '\n':
		return line_end(p, c);
	default:
		if (!is_arg_atom_char(c))
			return fail(p, "invalid character", c);
		if (start_arg(p, IMAP_ARG_ATOM, PS_ATOM, c) != IMAP_PARSE_MORE)
			return IMAP_PARSE_ERR;
		append(p, c);
		return IMAP_PARSE_MORE;
	}
}

static enum imap_parse_result step_arg_end(struct imap_parser *p, uint8_t c)
{
	switch (c) {
	case ' ':
		p->state = PS_ARG;
		return IMAP_PARSE_MORE;
	case ')':
		return close_list(p, c);
	case '\r':
	case '\n':
		return line_end(p, c);
	default:
		return fail(p, "missing space between arguments", c);
	}
}

static enum imap_parse_result step_atom(struct imap_parser *p, uint8_t c)
{
	switch (c) {
	case ' ':
		end_atom(p);
		p->state = PS_ARG;
		return IMAP_PARSE_MORE;
	case ')':
		end_atom(p);
		return close_list(p, c);
	case '\r':
	case '\n':
		end_atom(p);
		return line_end(p, c);
	case '[':
		if (cur(p)->flags == 0 && is_section_name(p)) {
			cur(p)->flags |= IMAP_ARGF_SECTION;
			p->state = PS_SECTION;
		}
		append(p, c);
		return IMAP_PARSE_MORE;
	default:
		if (!is_arg_atom_char(c))
			return fail(p, "invalid character in atom", c);
		append(p, c);
		return IMAP_PARSE_MORE;
	}
}

/* The section text of BODY[...] / BINARY[...] is kept raw: spaces, a
 * parenthesised header list and quoted header names may occur in it
 * (RFC 9051 section 9, section-text, header-list). */
static enum imap_parse_result step_section(struct imap_parser *p, uint8_t c)
{
	switch (c) {
	case ']':
		p->state = PS_ATOM;
		break;
	case '"':
		p->state = PS_SECTION_QUOTED;
		break;
	case '[':
		return fail(p, "nested [ in section", c);
	case '{':
		return fail(p, "literal in section not supported", c);
	case '\r':
	case '\n':
		return fail(p, "missing ] in section", c);
	default:
		if (c != ' ' && c != '(' && c != ')' && !is_arg_atom_char(c))
			return fail(p, "invalid character in section", c);
		break;
	}
	append(p, c);
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result step_section_quoted(struct imap_parser *p, uint8_t c)
{
	if (p->state == PS_SECTION_ESC) {
		if (c != '"' && c != '\\')
			return fail(p, "invalid escape in quoted string", c);
		p->state = PS_SECTION_QUOTED;
	} else if (c == '"') {
		p->state = PS_SECTION;
	} else if (c == '\\') {
		p->state = PS_SECTION_ESC;
	} else if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) {
		return fail(p, "invalid character in quoted string", c);
	}
	append(p, c);
	return IMAP_PARSE_MORE;
}

/* quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR excludes CR, LF and NUL
 * and admits UTF-8 only once UTF8=ACCEPT is enabled (RFC 9051 section 9,
 * RFC 6855 section 3). */
static enum imap_parse_result step_quoted(struct imap_parser *p, uint8_t c)
{
	struct imap_pnode *n = cur(p);

	if (p->state == PS_QUOTED_ESC) {
		if (c != '"' && c != '\\')
			return fail(p, "invalid escape in quoted string", c);
		p->state = PS_QUOTED;
		append(p, c);
		return IMAP_PARSE_MORE;
	}
	switch (c) {
	case '"':
		n->len = p->data.len - n->off;
		if (p->quoted_8bit && !mailgen_utf8_valid(p->data.data + n->off, n->len))
			return fail(p, "invalid UTF-8 in quoted string", c);
		p->state = PS_ARG_END;
		return IMAP_PARSE_MORE;
	case '\\':
		p->state = PS_QUOTED_ESC;
		return IMAP_PARSE_MORE;
	case '\r':
	case '\n':
	case 0:
		return fail(p, "CR, LF or NUL in quoted string", c);
	default:
		if (c >= 0x80) {
			if (!p->utf8)
				return fail(p, "8-bit character in quoted string", c);
			p->quoted_8bit = true;
		}
		append(p, c);
		return IMAP_PARSE_MORE;
	}
}

static enum imap_parse_result literal_header_done(struct imap_parser *p)
{
	struct imap_pnode *n = cur(p);

	if (p->lit_size > IMAP_LITERAL_SIZE_MAX) {
		if (p->lit_nonsync)
			return fail_close(p, "literal too large", "TOOBIG");
		return fail_code(p, "literal too large", "TOOBIG", '\n');
	}
	if (p->lit_nonsync && p->literal_minus && p->lit_size > IMAP_LITERAL_MINUS_MAX)
		return fail_close(p, "non-synchronising literal above 4096 bytes", "TOOBIG");
	n->size = p->lit_size;
	n->flags = (p->lit_nonsync ? IMAP_ARGF_NONSYNC : 0) | (p->lit8 ? IMAP_ARGF_LITERAL8 : 0);
	p->lit_info = (struct imap_literal_info){
	    .size = p->lit_size,
	    .sync = !p->lit_nonsync,
	    .literal8 = p->lit8,
	    .depth = p->depth,
	    .argc = p->top_count - 1,
	    .name = data_slice(p, p->name_off, p->name_len),
	    .uid = p->uid,
	};
	p->state = PS_LIT_WAIT;
	return IMAP_PARSE_LITERAL;
}

/* literal = "{" number64 ["+"] "}" CRLF (RFC 9051 section 9, RFC 7888);
 * sizes saturate and are judged once the header is complete. */
static enum imap_parse_result step_literal(struct imap_parser *p, uint8_t c)
{
	switch (p->state) {
	case PS_LIT_SIZE:
		if (c >= '0' && c <= '9') {
			if (p->lit_size <= IMAP_LITERAL_SIZE_MAX)
				p->lit_size = p->lit_size * 10 + (c - '0');
			p->lit_digits++;
			return IMAP_PARSE_MORE;
		}
		if (p->lit_digits == 0 || (c != '+' && c != '}'))
			return fail(p, "invalid literal size", c);
		p->lit_nonsync = c == '+';
		p->state = c == '+' ? PS_LIT_CLOSE : PS_LIT_CR;
		return IMAP_PARSE_MORE;
	case PS_LIT_CLOSE:
		if (c != '}')
			return fail(p, "invalid literal size", c);
		p->state = PS_LIT_CR;
		return IMAP_PARSE_MORE;
	case PS_LIT_CR:
		if (c == '\r') {
			p->state = PS_LIT_LF;
			return IMAP_PARSE_MORE;
		}
		/* fall through */
	default:
		if (c != '\n')
			return fail(p, "literal must end the line", c);
		return literal_header_done(p);
	}
}

static enum imap_parse_result step_start(struct imap_parser *p, uint8_t c)
{
	if (c == '\n')
		return IMAP_PARSE_MORE;
	if (c == '\r') {
		p->state = PS_START_CR;
		return IMAP_PARSE_MORE;
	}
	begin_command(p);
	if (c == ' ')
		return fail(p, "missing tag", c);
	if (!is_tag_char(c))
		return fail(p, "invalid character in tag", c);
	append(p, c);
	p->tag_len = 1;
	p->state = PS_TAG;
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result step_tag(struct imap_parser *p, uint8_t c)
{
	if (is_tag_char(c)) {
		append(p, c);
		p->tag_len++;
		return IMAP_PARSE_MORE;
	}
	if (c == ' ' || c == '\r' || c == '\n') {
		p->tag_done = true;
		p->name_off = p->data.len;
		if (c != ' ')
			return fail(p, "missing command name", c);
		p->state = PS_NAME;
		return IMAP_PARSE_MORE;
	}
	return fail(p, "invalid character in tag", c);
}

static enum imap_parse_result step_name(struct imap_parser *p, uint8_t c)
{
	const char *error;

	if (c == ' ')
		return name_space(p);
	if (c == '\r' || c == '\n') {
		if ((error = name_error(p)) != NULL)
			return fail(p, error, c);
		return line_end(p, c);
	}
	if (!is_atom_char(c))
		return fail(p, "invalid character in command name", c);
	append(p, c);
	p->name_len++;
	return IMAP_PARSE_MORE;
}

/* Watches a line being skipped for a literal header at its end. */
static void skip_watch(struct imap_parser *p, uint8_t c)
{
	if (c == '{') {
		p->skip_lit = SL_DIGITS;
		p->skip_n = 0;
		p->skip_nonsync = false;
	} else if (p->skip_lit == SL_DIGITS && c >= '0' && c <= '9') {
		if (p->skip_n <= IMAP_LITERAL_SIZE_MAX)
			p->skip_n = p->skip_n * 10 + (c - '0');
	} else if (p->skip_lit == SL_DIGITS && c == '+') {
		p->skip_lit = SL_PLUS;
		p->skip_nonsync = true;
	} else if ((p->skip_lit == SL_DIGITS || p->skip_lit == SL_PLUS) && c == '}') {
		p->skip_lit = SL_CLOSED;
	} else if (p->skip_lit == SL_CLOSED && c == '\r') {
		p->skip_lit = SL_CLOSED_CR;
	} else {
		p->skip_lit = SL_NONE;
	}
}

static size_t literal_limit(const struct imap_parser *p)
{
	return p->authenticated ? IMAP_LITERAL_MAX : IMAP_LITERAL_PREAUTH_MAX;
}

static enum imap_parse_result step_skip(struct imap_parser *p, uint8_t c)
{
	bool lit = p->skip_lit == SL_CLOSED || p->skip_lit == SL_CLOSED_CR;

	if (c != '\n') {
		skip_watch(p, c);
		return IMAP_PARSE_MORE;
	}
	p->skip_lit = SL_NONE;
	if (!lit || !p->skip_nonsync) {
		/* A synchronising literal's data is not sent without "+". */
		p->state = PS_START;
		return IMAP_PARSE_MORE;
	}
	if (p->skip_n > literal_limit(p))
		return fail_close(p, "non-synchronising literal too large", "TOOBIG");
	p->lit_left = p->skip_n;
	p->state = p->skip_n > 0 ? PS_SKIP_LITERAL : PS_SKIP;
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result step_line(struct imap_parser *p, uint8_t c)
{
	if (c != '\n') {
		append(p, c);
		return IMAP_PARSE_MORE;
	}
	if (p->data.len > 0 && p->data.data[p->data.len - 1] == '\r')
		p->data.len--;
	p->state = PS_DONE;
	return IMAP_PARSE_OK;
}

/* One byte of everything but literal data. */
static enum imap_parse_result step(struct imap_parser *p, uint8_t c)
{
	switch (p->state) {
	case PS_START:
		return step_start(p, c);
	case PS_START_CR:
		if (c != '\n') {
			begin_command(p);
			return fail(p, "CR not followed by LF", c);
		}
		p->state = PS_START;
		return IMAP_PARSE_MORE;
	case PS_TAG:
		return step_tag(p, c);
	case PS_NAME:
		return step_name(p, c);
	case PS_ARG:
		return step_arg(p, c);
	case PS_ARG_END:
		return step_arg_end(p, c);
	case PS_ATOM:
		return step_atom(p, c);
	case PS_SECTION:
		return step_section(p, c);
	case PS_SECTION_QUOTED:
	case PS_SECTION_ESC:
		return step_section_quoted(p, c);
	case PS_TILDE:
		if (c == '{')
			return start_literal(p, true, c);
		if (start_arg(p, IMAP_ARG_ATOM, PS_ATOM, c) != IMAP_PARSE_MORE)
			return IMAP_PARSE_ERR;
		append(p, '~');
		return step_atom(p, c);
	case PS_QUOTED:
	case PS_QUOTED_ESC:
		return step_quoted(p, c);
	case PS_LIT_SIZE:
	case PS_LIT_CLOSE:
	case PS_LIT_CR:
	case PS_LIT_LF:
		return step_literal(p, c);
	case PS_CR:
		if (c != '\n')
			return fail(p, "CR not followed by LF", c);
		return end_of_line(p);
	case PS_SKIP:
		return step_skip(p, c);
	case PS_LINE:
		return step_line(p, c);
	default:
		fatal("imap_parser: bad state %d", (int)p->state);
	}
}

/* Literal data, buffered or handed to the sink; returns the bytes used. */
static size_t literal_data(struct imap_parser *p, const uint8_t *data, size_t len)
{
	size_t n = p->lit_left < len ? (size_t)p->lit_left : len;
	struct imap_pnode *node = cur(p);

	if ((node->flags & IMAP_ARGF_LITERAL8) == 0 && memchr(data, 0, n) != NULL)
		p->nul_seen = true; /* CHAR8 excludes NUL (RFC 9051 section 9) */
	if (p->sink != NULL)
		p->sink(p->sink_ctx, data, n);
	else if (buf_append(&p->data, data, n) < 0)
		fatal("imap_parser: literal buffer limit");
	p->lit_left -= n;
	if (p->lit_left == 0) {
		node->len = p->sink != NULL ? 0 : p->data.len - node->off;
		p->sink = NULL;
		p->state = PS_ARG_END;
	}
	return n;
}

static bool counts_in_line(enum imap_pstate st)
{
	return st != PS_START && st != PS_START_CR && st != PS_SKIP && st != PS_SKIP_LITERAL &&
	       st != PS_LIT_DATA;
}

enum imap_parse_result imap_parser_feed(struct imap_parser *p, const uint8_t *data, size_t len,
                                        size_t *consumed_r)
{
	enum imap_parse_result r = IMAP_PARSE_MORE;
	size_t i = 0;

	if (p->state == PS_LIT_WAIT)
		fatal("imap_parser_feed: literal decision pending");
	if (p->state == PS_FATAL) {
		*consumed_r = 0;
		return IMAP_PARSE_ERR;
	}
	if (p->state == PS_DONE)
		p->state = PS_START;
	while (i < len && r == IMAP_PARSE_MORE) {
		if (p->state == PS_LIT_DATA) {
			i += literal_data(p, data + i, len - i);
		} else if (p->state == PS_SKIP_LITERAL) {
			size_t n = p->lit_left < len - i ? (size_t)p->lit_left : len - i;
			i += n;
			p->lit_left -= n;
			if (p->lit_left == 0)
				p->state = PS_SKIP;
		} else if (counts_in_line(p->state) && ++p->line_len > IMAP_LINE_MAX) {
			r = fail(p, "line too long", data[i++]);
		} else {
			r = step(p, data[i++]);
		}
	}
	*consumed_r = i;
	return r;
}

const struct imap_literal_info *imap_parser_literal(const struct imap_parser *p)
{
	return p->state == PS_LIT_WAIT ? &p->lit_info : NULL;
}

static void literal_begin(struct imap_parser *p)
{
	p->lit_left = p->lit_size;
	p->state = p->lit_size > 0 ? PS_LIT_DATA : PS_ARG_END;
	if (p->lit_size == 0)
		p->sink = NULL;
}

enum imap_parse_result imap_parser_literal_reject(struct imap_parser *p, const char *reason,
                                                  const char *code)
{
	if (p->state != PS_LIT_WAIT)
		fatal("imap_parser_literal_reject: no literal pending");
	/* RFC 9051 section 7.5 / RFC 7888 section 4: a refused synchronising
	 * literal is never sent, so the command ends here; the data of a
	 * non-synchronising one is already on its way. */
	if (p->lit_nonsync)
		return fail_close(p, reason, code);
	return fail_code(p, reason, code, '\n');
}

enum imap_parse_result imap_parser_literal_accept(struct imap_parser *p)
{
	size_t max = p->authenticated ? IMAP_BUFFERED_MAX : IMAP_BUFFERED_PREAUTH_MAX;

	if (p->state != PS_LIT_WAIT)
		fatal("imap_parser_literal_accept: no literal pending");
	if (p->lit_size > literal_limit(p) || p->data.len + p->lit_size > max)
		return imap_parser_literal_reject(p, "literal too large", "TOOBIG");
	p->sink = NULL;
	literal_begin(p);
	return IMAP_PARSE_MORE;
}

enum imap_parse_result imap_parser_literal_stream(struct imap_parser *p, imap_literal_sink_fn *sink,
                                                  void *ctx)
{
	if (p->state != PS_LIT_WAIT)
		fatal("imap_parser_literal_stream: no literal pending");
	cur(p)->flags |= IMAP_ARGF_STREAMED;
	p->sink = sink;
	p->sink_ctx = ctx;
	literal_begin(p);
	return IMAP_PARSE_MORE;
}

const struct imap_cmd *imap_parser_command(const struct imap_parser *p)
{
	return &p->cmd;
}

const struct imap_parse_error *imap_parser_error(const struct imap_parser *p)
{
	return &p->err;
}

struct slice imap_parser_tag(const struct imap_parser *p)
{
	return p->tag_done ? data_slice(p, 0, p->tag_len) : (struct slice){empty_str, 0};
}

void imap_parser_expect_line(struct imap_parser *p)
{
	if (p->state != PS_START && p->state != PS_DONE)
		fatal("imap_parser_expect_line: command in progress");
	begin_command(p);
	p->state = PS_LINE;
}

struct slice imap_parser_line(const struct imap_parser *p)
{
	return data_slice(p, 0, p->data.len);
}

bool imap_parser_idle(const struct imap_parser *p)
{
	return p->state == PS_START || p->state == PS_DONE;
}

void imap_parser_release(struct imap_parser *p)
{
	if (!imap_parser_idle(p))
		return;
	begin_command(p);
	buf_free(&p->data);
	free(p->nodes);
	free(p->args);
	p->nodes = NULL;
	p->args = NULL;
	p->nodes_cap = p->args_cap = 0;
}
