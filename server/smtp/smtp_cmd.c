/* SPDX-License-Identifier: ISC */
/* The SMTP line reader and command-line parser (RFC 5321 section 4.1.1,
 * BDAT of RFC 3030, STARTTLS of RFC 3207, AUTH of RFC 4954). Paths are in
 * smtp_path.c, MAIL/RCPT parameters in smtp_params.c. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "smtp_cmd.h"
#include "smtp_xtext.h"

void smtp_line_init(struct smtp_line_reader *lr, size_t max)
{
	lr->max = max < 3 ? 3 : max;
	lr->skipping = false;
}

enum smtp_line_result smtp_line_next(struct smtp_line_reader *lr, const uint8_t *in, size_t len,
                                     struct slice *line_r, size_t *consumed_r)
{
	const uint8_t *lf;
	size_t n;

	*consumed_r = 0;
	if (len == 0)
		return SMTP_LINE_MORE;
	if (lr->skipping) {
		lf = memchr(in, '\n', len);
		if (lf == NULL) {
			*consumed_r = len;
			return SMTP_LINE_MORE;
		}
		lr->skipping = false;
		*consumed_r = (size_t)(lf - in) + 1;
		return SMTP_LINE_TOO_LONG;
	}
	lf = memchr(in, '\n', len < lr->max ? len : lr->max);
	if (lf == NULL) {
		if (len >= lr->max) { /* overlong: drop it as it comes */
			lr->skipping = true;
			*consumed_r = len;
		}
		return SMTP_LINE_MORE;
	}
	n = (size_t)(lf - in);
	*consumed_r = n + 1;
	if (n == 0 || in[n - 1] != '\r')
		return SMTP_LINE_BAD_EOL;
	*line_r = (struct slice){in, n - 1};
	return SMTP_LINE_OK;
}

struct verb_def {
	const char *name;
	enum smtp_verb verb;
	size_t line_max; /* CRLF included */
};

static const struct verb_def smtp_verbs[] = {
    {"EHLO", SMTP_VERB_EHLO, SMTP_LINE_MAX},         {"HELO", SMTP_VERB_HELO, SMTP_LINE_MAX},
    {"MAIL", SMTP_VERB_MAIL, SMTP_LINE_MAX_PARAMS},  {"RCPT", SMTP_VERB_RCPT, SMTP_LINE_MAX_PARAMS},
    {"DATA", SMTP_VERB_DATA, SMTP_LINE_MAX},         {"BDAT", SMTP_VERB_BDAT, SMTP_LINE_MAX},
    {"RSET", SMTP_VERB_RSET, SMTP_LINE_MAX},         {"NOOP", SMTP_VERB_NOOP, SMTP_LINE_MAX},
    {"QUIT", SMTP_VERB_QUIT, SMTP_LINE_MAX},         {"VRFY", SMTP_VERB_VRFY, SMTP_LINE_MAX},
    {"EXPN", SMTP_VERB_EXPN, SMTP_LINE_MAX},         {"HELP", SMTP_VERB_HELP, SMTP_LINE_MAX},
    {"STARTTLS", SMTP_VERB_STARTTLS, SMTP_LINE_MAX}, {"AUTH", SMTP_VERB_AUTH, SMTP_LINE_MAX_AUTH},
};

const char *smtp_verb_name(enum smtp_verb verb)
{
	for (size_t i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (smtp_verbs[i].verb == verb)
			return smtp_verbs[i].name;
	return "?";
}

static const struct verb_def *find_verb(struct slice name)
{
	for (size_t i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (slice_casecmp_cstr(name, smtp_verbs[i].name) == 0)
			return &smtp_verbs[i];
	return NULL;
}

static int fail(enum smtp_reply_id *err_r, enum smtp_reply_id id)
{
	*err_r = id;
	return -1;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static struct slice skip_spaces(struct slice s)
{
	while (s.len > 0 && s.p[0] == ' ')
		s.p++, s.len--;
	return s;
}

/* Controls (HT aside) are refused in every command; 8-bit bytes only
 * where a later check decides (MAIL, RCPT: SMTPUTF8; VRFY, EXPN: UTF-8). */
static bool chars_ok(struct slice s, enum smtp_verb verb)
{
	bool eight = verb == SMTP_VERB_MAIL || verb == SMTP_VERB_RCPT;
	bool utf8 = verb == SMTP_VERB_VRFY || verb == SMTP_VERB_EXPN;

	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];

		if ((c < 32 && c != '\t') || c == 127 || (c >= 0x80 && !eight && !utf8))
			return false;
	}
	return !utf8 || smtp_utf8_valid(s);
}

static int parse_helo(struct slice arg, struct smtp_cmd *cmd, enum smtp_reply_id *err_r)
{
	if (arg.len == 0)
		return fail(err_r, SMTP_R_ARG_MISSING);
	cmd->arg = arg;
	cmd->helo_literal = arg.p[0] == '[';
	if (cmd->helo_literal ? !smtp_address_literal_valid(arg) : !smtp_domain_valid(arg, false))
		return fail(err_r, SMTP_R_BAD_HELO);
	return 0;
}

/* The end of the path starting at s.p[0] == '<': the index after its ">"
 * outside quotes, or 0. */
static size_t path_end(struct slice s)
{
	bool quoted = false;

	for (size_t i = 1; i < s.len; i++) {
		if (quoted && s.p[i] == '\\')
			i++;
		else if (s.p[i] == '"')
			quoted = !quoted;
		else if (!quoted && s.p[i] == '>')
			return i + 1;
	}
	return 0;
}

/* "FROM:<path> params" or "TO:<path> params" after the verb. */
static int parse_mail_rcpt(struct slice rest, unsigned flags, struct smtp_cmd *cmd,
                           enum smtp_reply_id *err_r)
{
	bool mail = cmd->verb == SMTP_VERB_MAIL;
	const char *kw = mail ? "FROM:" : "TO:";
	size_t kwlen = strlen(kw), end;
	struct slice path, params;
	bool utf8;

	if (rest.len < kwlen || strncasecmp((const char *)rest.p, kw, kwlen) != 0)
		return fail(err_r, mail ? SMTP_R_MAIL_SYNTAX : SMTP_R_RCPT_SYNTAX);
	rest.p += kwlen, rest.len -= kwlen;
	if (rest.len > 0 && rest.p[0] == ' ') /* "MAIL FROM: <a@b>", as Postfix */
		rest.p++, rest.len--;
	if (rest.len == 0 || rest.p[0] != '<' || (end = path_end(rest)) == 0)
		return fail(err_r, mail ? SMTP_R_MAIL_SYNTAX : SMTP_R_RCPT_SYNTAX);
	path = (struct slice){rest.p, end};
	params = (struct slice){rest.p + end, rest.len - end};
	if (params.len > 0 && params.p[0] != ' ')
		return fail(err_r, mail ? SMTP_R_MAIL_SYNTAX : SMTP_R_RCPT_SYNTAX);
	if (mail) {
		if (smtp_mail_params_parse(params, flags, &cmd->mail, err_r) < 0)
			return -1;
		utf8 = cmd->mail.smtputf8;
	} else {
		if (smtp_rcpt_params_parse(params, flags, &cmd->rcpt, err_r) < 0)
			return -1;
		utf8 = (flags & SMTP_PARSE_TX_UTF8) != 0;
	}
	return smtp_path_parse(path, mail, utf8, &cmd->path, err_r);
}

/* RFC 3030 section 2: "BDAT" SP chunk-size [ SP end-marker ]. */
static int parse_bdat(struct slice arg, struct smtp_cmd *cmd, enum smtp_reply_id *err_r)
{
	size_t i = 0;
	uint64_t n = 0;

	for (; i < arg.len && arg.p[i] >= '0' && arg.p[i] <= '9'; i++) {
		unsigned d = (unsigned)(arg.p[i] - '0');

		if (n > (UINT64_MAX - d) / 10)
			return fail(err_r, SMTP_R_BDAT_SYNTAX);
		n = n * 10 + d;
	}
	if (i == 0)
		return fail(err_r, SMTP_R_BDAT_SYNTAX);
	cmd->bdat_size = n;
	arg.p += i, arg.len -= i;
	if (arg.len == 0)
		return 0;
	arg = skip_spaces(arg);
	if (arg.len == 0 || slice_casecmp_cstr(arg, "LAST") != 0)
		return fail(err_r, SMTP_R_BDAT_SYNTAX);
	cmd->bdat_last = true;
	return 0;
}

static bool mech_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool b64_char(uint8_t c)
{
	return mech_char(c) ? c != '-' && c != '_' : c == '+' || c == '/' || c == '=';
}

/* RFC 4954 section 4: "AUTH" SP sasl-mech [SP initial-response]. */
static int parse_auth(struct slice arg, struct smtp_cmd *cmd, enum smtp_reply_id *err_r)
{
	size_t i = 0;

	while (i < arg.len && arg.p[i] != ' ')
		if (!mech_char(arg.p[i++]))
			return fail(err_r, SMTP_R_AUTH_SYNTAX);
	if (i == 0 || i > SMTP_SASL_MECH_MAX)
		return fail(err_r, SMTP_R_AUTH_SYNTAX);
	cmd->arg = (struct slice){arg.p, i};
	arg = skip_spaces((struct slice){arg.p + i, arg.len - i});
	if (arg.len == 0)
		return 0;
	for (i = 0; i < arg.len; i++)
		if (!b64_char(arg.p[i]))
			return fail(err_r, SMTP_R_AUTH_SYNTAX);
	cmd->ir = arg;
	cmd->has_ir = true;
	return 0;
}

static int parse_args(struct slice arg, unsigned flags, struct smtp_cmd *cmd,
                      enum smtp_reply_id *err_r)
{
	switch (cmd->verb) {
	case SMTP_VERB_EHLO:
	case SMTP_VERB_HELO:
		return parse_helo(arg, cmd, err_r);
	case SMTP_VERB_MAIL:
	case SMTP_VERB_RCPT:
		return parse_mail_rcpt(arg, flags, cmd, err_r);
	case SMTP_VERB_BDAT:
		return parse_bdat(arg, cmd, err_r);
	case SMTP_VERB_AUTH:
		return parse_auth(arg, cmd, err_r);
	case SMTP_VERB_VRFY:
	case SMTP_VERB_EXPN:
		if (arg.len == 0)
			return fail(err_r, SMTP_R_ARG_MISSING);
		/* fall through */
	case SMTP_VERB_NOOP:
	case SMTP_VERB_HELP:
		cmd->arg = arg;
		return 0;
	default: /* DATA, RSET, QUIT, STARTTLS */
		return arg.len == 0 ? 0 : fail(err_r, SMTP_R_NO_ARGS_ALLOWED);
	}
}

int smtp_cmd_parse(struct slice line, unsigned flags, struct smtp_cmd *cmd,
                   enum smtp_reply_id *err_r)
{
	const struct verb_def *vd;
	size_t i = 0;

	memset(cmd, 0, sizeof(*cmd));
	*err_r = SMTP_R_OK;
	while (line.len > 0 && is_space(line.p[line.len - 1]))
		line.len--;
	while (i < line.len && line.p[i] != ' ')
		i++;
	vd = find_verb((struct slice){line.p, i});
	if (vd == NULL)
		return fail(err_r, line.len + 2 > SMTP_LINE_MAX ? SMTP_R_LINE_TOO_LONG
		                                                : SMTP_R_UNKNOWN_CMD);
	cmd->verb = vd->verb;
	if (line.len + 2 > vd->line_max)
		return fail(err_r, cmd->verb == SMTP_VERB_AUTH ? SMTP_R_AUTH_LINE_TOO_LONG
		                                               : SMTP_R_LINE_TOO_LONG);
	if (!chars_ok(line, cmd->verb))
		return fail(err_r, SMTP_R_BAD_CHAR);
	return parse_args(skip_spaces((struct slice){line.p + i, line.len - i}), flags, cmd, err_r);
}
