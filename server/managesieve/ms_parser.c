/* SPDX-License-Identifier: ISC */
/* The ManageSieve command reader: a byte-at-a-time state machine (literal
 * contents are copied in bulk), so that a command cut anywhere by the
 * network reads the same as a whole one. See ms_parser.h. */
#include "config.h"

#include <string.h>

#include "mailgen.h"
#include "ms_parser.h"

enum {
	ST_NAME_START, /* a command name, or an empty line */
	ST_NAME,
	ST_AFTER,     /* after the name or an argument: SP or end of line */
	ST_ARG,       /* after SP: an argument, or the end of line */
	ST_QUOTED,
	ST_QUOTED_ESC,
	ST_NUMBER,
	ST_LIT_NUM,   /* "{" digits */
	ST_LIT_PLUS,  /* "{" digits "+": "}" next */
	ST_LIT_CR,    /* "}": CRLF next */
	ST_LIT_LF,
	ST_LIT_DATA,
	ST_EOL_LF,    /* CR: LF next */
	ST_SKIP,      /* a bad command: to the end of its line */
	ST_SKIP_LIT,  /* ... through the literals it announces */
};

/* What one byte did. */
enum step {
	STEP_MORE,
	STEP_AGAIN, /* the state changed to ST_SKIP: feed the same byte again */
	STEP_CMD,
	STEP_ERR,
	STEP_FATAL,
};

#define DATA_KEEP 4096 /* a larger buffer is freed between commands */

void ms_parser_init(struct ms_parser *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->data, MS_BUFFERED_MAX);
	p->done = true;
}

static void wipe_data(struct ms_parser *p)
{
	if (p->data.data != NULL && p->data.len > 0)
		explicit_bzero(p->data.data, p->data.len);
	buf_reset(&p->data);
}

void ms_parser_free(struct ms_parser *p)
{
	wipe_data(p);
	buf_free(&p->data);
	explicit_bzero(p, sizeof(*p));
}

void ms_parser_expect_response(struct ms_parser *p)
{
	p->response = true;
}

static void reset(struct ms_parser *p)
{
	bool response = p->response;

	wipe_data(p);
	if (p->data.cap > DATA_KEEP) {
		buf_free(&p->data);
		buf_init(&p->data, MS_BUFFERED_MAX);
	}
	p->st = response ? ST_ARG : ST_NAME_START;
	p->in_response = response;
	p->response = false;
	p->done = false;
	p->line_bytes = 0;
	p->name_len = 0;
	p->argc = 0;
	p->num = 0;
	p->digits = 0;
	p->lit_left = 0;
	p->lit_total = 0;
	p->err = MS_PERR_NONE;
	p->tail_len = 0;
	p->tail_lost = false;
}

/* ---------------------------------------------------------------- the tail of a line */

/* Keeps the last bytes of the current line: when a bad command is
 * skipped, they say whether its line ended with a literal header. */
static void tail_push(struct ms_parser *p, uint8_t c)
{
	if (p->tail_len == sizeof(p->tail)) {
		memmove(p->tail, p->tail + 1, sizeof(p->tail) - 1);
		p->tail_len--;
		p->tail_lost = true;
	}
	p->tail[p->tail_len++] = c;
}

static void tail_reset(struct ms_parser *p)
{
	p->tail_len = 0;
	p->tail_lost = false;
}

/* At the LF of a skipped line: 1 with *n_r when the line ended with "{n}"
 * or "{n+}" (the client sends n octets next), 0 when not, -1 when it may
 * have but the size is not a 32-bit number (no way to stay in step). */
static int tail_literal(const struct ms_parser *p, uint64_t *n_r)
{
	size_t end = p->tail_len, i;
	uint64_t n = 0;

	if (end > 0 && p->tail[end - 1] == '\r')
		end--;
	if (end == 0 || p->tail[end - 1] != '}')
		return 0;
	end--;
	if (end > 0 && p->tail[end - 1] == '+')
		end--;
	i = end;
	while (i > 0 && p->tail[i - 1] >= '0' && p->tail[i - 1] <= '9')
		i--;
	if (i == end)
		return 0;
	if (i == 0)
		return p->tail_lost ? -1 : 0;
	if (p->tail[i - 1] != '{')
		return 0;
	if (end - i > 10)
		return -1;
	for (size_t k = i; k < end; k++)
		n = n * 10 + (uint64_t)(p->tail[k] - '0');
	if (n > MS_NUMBER_MAX)
		return -1;
	*n_r = n;
	return 1;
}

/* ---------------------------------------------------------------- steps */

static enum step fail(struct ms_parser *p, enum ms_perr e)
{
	if (p->err == MS_PERR_NONE)
		p->err = e;
	p->st = ST_SKIP;
	return STEP_AGAIN;
}

static bool is_alpha(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static enum step new_arg(struct ms_parser *p, enum ms_arg_type type, bool literal)
{
	if (p->argc == MS_ARGS_MAX)
		return fail(p, MS_PERR_TOO_MANY_ARGS);
	p->a[p->argc].type = type;
	p->a[p->argc].literal = literal;
	p->a[p->argc].off = p->data.len;
	p->a[p->argc].len = 0;
	p->a[p->argc].num = 0;
	p->argc++;
	p->num = 0;
	p->digits = 0;
	return STEP_MORE;
}

/* The end of a command line (its LF). */
static enum step end_line(struct ms_parser *p)
{
	if (!p->in_response && p->name_len == 0) { /* an empty line: ignored */
		p->line_bytes = 0;
		tail_reset(p);
		p->st = ST_NAME_START;
		return STEP_MORE;
	}
	return STEP_CMD;
}

static enum step eol(struct ms_parser *p, uint8_t c)
{
	if (c == '\r') {
		p->st = ST_EOL_LF;
		return STEP_MORE;
	}
	return end_line(p);
}

static enum step step_arg(struct ms_parser *p, uint8_t c)
{
	switch (c) {
	case ' ':
		return STEP_MORE;
	case '"':
		p->st = ST_QUOTED;
		return new_arg(p, MS_ARG_STRING, false);
	case '{':
		p->st = ST_LIT_NUM;
		return new_arg(p, MS_ARG_STRING, true);
	case '\r':
	case '\n':
		return eol(p, c);
	default:
		if (!is_digit(c))
			return fail(p, MS_PERR_SYNTAX);
		p->st = ST_NUMBER;
		if (new_arg(p, MS_ARG_NUMBER, false) != STEP_MORE)
			return STEP_AGAIN;
		p->num = (uint64_t)(c - '0');
		return STEP_MORE;
	}
}

static enum step quoted_char(struct ms_parser *p, uint8_t c)
{
	if (p->data.len - p->a[p->argc - 1].off >= MS_QUOTED_MAX)
		return fail(p, MS_PERR_QUOTED_TOO_LONG);
	buf_append_u8(&p->data, c); /* within MS_LINE_MAX: always fits */
	return STEP_MORE;
}

static enum step step_quoted(struct ms_parser *p, uint8_t c)
{
	size_t off = p->a[p->argc - 1].off;

	switch (c) {
	case '"':
		p->a[p->argc - 1].len = p->data.len - off;
		if (!mailgen_utf8_valid(p->data.data + off, p->data.len - off))
			return fail(p, MS_PERR_UTF8);
		p->st = ST_AFTER;
		return STEP_MORE;
	case '\\':
		p->st = ST_QUOTED_ESC;
		return STEP_MORE;
	case '\r':
	case '\n':
		return fail(p, MS_PERR_SYNTAX);
	case '\0':
		return fail(p, MS_PERR_NUL);
	default:
		return quoted_char(p, c);
	}
}

static enum step step_number(struct ms_parser *p, uint8_t c)
{
	if (is_digit(c)) {
		p->num = p->num * 10 + (uint64_t)(c - '0');
		return p->num > MS_NUMBER_MAX ? fail(p, MS_PERR_NUMBER) : STEP_MORE;
	}
	if (c != ' ' && c != '\r' && c != '\n')
		return fail(p, MS_PERR_SYNTAX);
	p->a[p->argc - 1].num = (uint32_t)p->num;
	p->st = ST_AFTER;
	return c == ' ' ? (p->st = ST_ARG, STEP_MORE) : eol(p, c);
}

static enum step step_lit_num(struct ms_parser *p, uint8_t c)
{
	if (is_digit(c)) {
		p->digits++;
		p->num = p->num * 10 + (uint64_t)(c - '0');
		return p->num > MS_NUMBER_MAX ? fail(p, MS_PERR_NUMBER) : STEP_MORE;
	}
	if (p->digits == 0 || (c != '+' && c != '}'))
		return fail(p, MS_PERR_SYNTAX);
	p->st = c == '+' ? ST_LIT_PLUS : ST_LIT_CR;
	return STEP_MORE;
}

/* The literal header's LF: its octets come next. */
static enum step literal_begin(struct ms_parser *p)
{
	tail_reset(p);
	if (p->num > MS_LITERAL_MAX - p->lit_total) {
		if (p->err == MS_PERR_NONE)
			p->err = MS_PERR_LITERAL_TOO_BIG;
		p->lit_left = p->num;
		p->st = p->lit_left > 0 ? ST_SKIP_LIT : ST_SKIP;
		return STEP_MORE;
	}
	buf_reserve(&p->data, (size_t)p->num);
	p->lit_total += p->num;
	p->lit_left = p->num;
	p->st = ST_LIT_DATA;
	return STEP_MORE;
}

static enum step step_skip(struct ms_parser *p, uint8_t c)
{
	uint64_t n = 0;
	int r;

	if (c != '\n') {
		tail_push(p, c);
		return STEP_MORE;
	}
	r = tail_literal(p, &n);
	tail_reset(p);
	if (r < 0)
		return STEP_FATAL;
	if (r == 0)
		return STEP_ERR;
	p->lit_left = n;
	p->st = n > 0 ? ST_SKIP_LIT : ST_SKIP;
	return STEP_MORE;
}

static enum step step_normal(struct ms_parser *p, uint8_t c)
{
	switch (p->st) {
	case ST_NAME_START:
	case ST_NAME:
		if (is_alpha(c)) {
			if (p->name_len == MS_NAME_MAX)
				return fail(p, MS_PERR_NAME);
			buf_append_u8(&p->data, c);
			p->name_len++;
			p->st = ST_NAME;
			return STEP_MORE;
		}
		if (c == ' ' && p->st == ST_NAME) {
			p->st = ST_ARG;
			return STEP_MORE;
		}
		if (c == '\r' || c == '\n')
			return eol(p, c);
		return fail(p, MS_PERR_NAME);
	case ST_AFTER:
		if (c == ' ') {
			p->st = ST_ARG;
			return STEP_MORE;
		}
		if (c == '\r' || c == '\n')
			return eol(p, c);
		return fail(p, MS_PERR_SYNTAX);
	case ST_ARG:
		return step_arg(p, c);
	case ST_QUOTED:
		return step_quoted(p, c);
	case ST_QUOTED_ESC:
		if (c != '"' && c != '\\')
			return fail(p, MS_PERR_SYNTAX);
		p->st = ST_QUOTED;
		return quoted_char(p, c);
	case ST_NUMBER:
		return step_number(p, c);
	case ST_LIT_NUM:
		return step_lit_num(p, c);
	case ST_LIT_PLUS:
		if (c != '}')
			return fail(p, MS_PERR_SYNTAX);
		p->st = ST_LIT_CR;
		return STEP_MORE;
	case ST_LIT_CR:
		if (c == '\r') {
			p->st = ST_LIT_LF;
			return STEP_MORE;
		}
		return c == '\n' ? literal_begin(p) : fail(p, MS_PERR_SYNTAX);
	case ST_LIT_LF:
		return c == '\n' ? literal_begin(p) : fail(p, MS_PERR_SYNTAX);
	case ST_EOL_LF:
		return c == '\n' ? end_line(p) : fail(p, MS_PERR_SYNTAX);
	default:
		return fail(p, MS_PERR_SYNTAX);
	}
}

/* Everything but the literal contents. The line's bytes but its LF go to
 * the tail (the LF ends the line, or starts a literal, and resets it). */
static enum step step(struct ms_parser *p, uint8_t c)
{
	enum step s;

	if (p->st == ST_SKIP)
		return step_skip(p, c);
	if (++p->line_bytes > MS_LINE_MAX)
		return fail(p, MS_PERR_LINE_TOO_LONG);
	s = step_normal(p, c);
	if (s == STEP_MORE && c != '\n')
		tail_push(p, c);
	return s;
}

/* Literal octets, as many as there are: kept (ST_LIT_DATA) or dropped
 * (ST_SKIP_LIT). Returns how many were taken. */
static size_t literal_bytes(struct ms_parser *p, const uint8_t *data, size_t len)
{
	size_t n = len < p->lit_left ? len : (size_t)p->lit_left;

	if (p->st == ST_LIT_DATA)
		buf_append(&p->data, data, n); /* room was reserved */
	p->lit_left -= n;
	if (p->lit_left == 0) {
		if (p->st == ST_LIT_DATA) {
			p->a[p->argc - 1].len = p->data.len - p->a[p->argc - 1].off;
			p->st = ST_AFTER;
		} else {
			p->st = ST_SKIP;
		}
	}
	return n;
}

static void fill_cmd(const struct ms_parser *p, struct ms_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->name = (struct slice){p->data.data, p->name_len};
	c->argc = p->argc;
	for (unsigned i = 0; i < p->argc; i++) {
		c->arg[i].type = p->a[i].type;
		c->arg[i].literal = p->a[i].literal;
		c->arg[i].num = p->a[i].num;
		c->arg[i].str = (struct slice){p->data.data + p->a[i].off, p->a[i].len};
		if (p->a[i].len == 0)
			c->arg[i].str.p = (const uint8_t *)"";
	}
}

enum ms_parse_status ms_parser_feed(struct ms_parser *p, const uint8_t *data, size_t len,
                                    size_t *used_r, struct ms_cmd *cmd_r, enum ms_perr *err_r)
{
	size_t i = 0;

	if (p->done)
		reset(p);
	*err_r = MS_PERR_NONE;
	while (i < len) {
		enum step s;

		if (p->st == ST_LIT_DATA || p->st == ST_SKIP_LIT) {
			i += literal_bytes(p, data + i, len - i);
			continue;
		}
		s = step(p, data[i]);
		if (s == STEP_AGAIN)
			s = step(p, data[i]);
		i++;
		if (s == STEP_MORE)
			continue;
		*used_r = i;
		p->done = true;
		if (s == STEP_CMD) {
			fill_cmd(p, cmd_r);
			return MS_PARSE_CMD;
		}
		*err_r = s == STEP_FATAL ? MS_PERR_NUMBER : p->err;
		if (*err_r == MS_PERR_NONE)
			*err_r = MS_PERR_SYNTAX;
		return s == STEP_FATAL ? MS_PARSE_FATAL : MS_PARSE_ERR;
	}
	*used_r = i;
	return MS_PARSE_MORE;
}

const char *ms_perr_text(enum ms_perr e)
{
	switch (e) {
	case MS_PERR_NONE: return "No error";
	case MS_PERR_SYNTAX: return "Syntax error";
	case MS_PERR_NAME: return "Invalid command name";
	case MS_PERR_LINE_TOO_LONG: return "Command line too long";
	case MS_PERR_QUOTED_TOO_LONG: return "Quoted string longer than 1024 octets";
	case MS_PERR_LITERAL_TOO_BIG: return "Literal too large";
	case MS_PERR_TOO_MANY_ARGS: return "Too many arguments";
	case MS_PERR_NUMBER: return "Number out of range";
	case MS_PERR_UTF8: return "String is not valid UTF-8";
	case MS_PERR_NUL: return "NUL octet in a string";
	}
	return "Syntax error";
}

bool ms_arg_is_string(const struct ms_cmd *c, unsigned i)
{
	return i < c->argc && c->arg[i].type == MS_ARG_STRING;
}

bool ms_arg_is_number(const struct ms_cmd *c, unsigned i)
{
	return i < c->argc && c->arg[i].type == MS_ARG_NUMBER;
}

bool ms_parser_pending(const struct ms_parser *p)
{
	return !p->done && (p->line_bytes > 0 || p->lit_left > 0);
}
