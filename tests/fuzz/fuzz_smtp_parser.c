/* SPDX-License-Identifier: ISC */
/* Fuzz target: an SMTP client stream through the line reader, the command
 * parser, the DATA and BDAT readers and the SASL helpers, as a session
 * would drive them. The first byte picks the announced extensions and the
 * chunking; the DATA reader must give the same result fed whole and in
 * chunks; a parsed path's canonical form must parse again to itself. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_cmd.h"
#include "smtp_data.h"
#include "smtp_reply.h"
#include "smtp_sasl.h"
#include "smtp_xtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DATA_MAX 4096 /* small, so that the size limit is reached */

struct hash {
	uint64_t h;
	uint64_t n;
};

static void sink(void *ctx, const uint8_t *p, size_t len)
{
	struct hash *hs = ctx;

	if (len == 0)
		abort(); /* the sink is never called empty */
	for (size_t i = 0; i < len; i++)
		hs->h = (hs->h ^ p[i]) * 0x100000001b3ULL;
	hs->n += len;
}

/* Runs the DATA reader over in[0..len) whole and in chunks of 1..step
 * bytes: same end, same flags, same bytes. Returns the bytes consumed. */
static size_t run_data(const uint8_t *in, size_t len, unsigned step)
{
	struct smtp_data_reader a, b;
	struct hash ha = {0xcbf29ce484222325ULL, 0}, hb = ha;
	enum smtp_data_result ra, rb = SMTP_DATA_MORE;
	size_t ua, off = 0, ub;
	unsigned k = 0;

	smtp_data_init(&a, DATA_MAX);
	smtp_data_init(&b, DATA_MAX);
	ra = smtp_data_feed(&a, in, len, &ua, sink, &ha);
	if (ua > len || (ra == SMTP_DATA_MORE && ua != len))
		abort();
	while (off < len && rb == SMTP_DATA_MORE) {
		size_t n = 1 + (k++ * 7 + in[off]) % step;

		if (n > len - off)
			n = len - off;
		rb = smtp_data_feed(&b, in + off, n, &ub, sink, &hb);
		off += ub;
	}
	if (ra != rb || ua != off || a.flags != b.flags || a.size != b.size || ha.h != hb.h ||
	    ha.n != hb.n || ha.n > DATA_MAX ||
	    (a.size > DATA_MAX) != !!(a.flags & SMTP_DATA_TOO_BIG))
		abort();
	if (ra == SMTP_DATA_END && (ua < 3 || memcmp(in + ua - 3, ".\r\n", 3) != 0))
		abort();
	smtp_data_verdict(&a, (enum smtp_body)(step % 4));
	return ua;
}

/* The canonical form of a parsed path parses to itself. */
static void check_path(const struct smtp_cmd *cmd, unsigned flags)
{
	char again[SMTP_PATH_MAX + 3];
	struct smtp_path p2;
	enum smtp_reply_id err;
	size_t n = strlen(cmd->path.addr);
	bool mail = cmd->verb == SMTP_VERB_MAIL;
	bool utf8 = mail ? cmd->mail.smtputf8 : (flags & SMTP_PARSE_TX_UTF8) != 0;

	if (n > SMTP_PATH_MAX - 2 || cmd->path.local_len > n)
		abort();
	again[0] = '<';
	memcpy(again + 1, cmd->path.addr, n);
	again[n + 1] = '>';
	if (smtp_path_parse((struct slice){(const uint8_t *)again, n + 2}, mail, utf8, &p2, &err) <
	        0 ||
	    strcmp(p2.addr, cmd->path.addr) != 0 || p2.local_len != cmd->path.local_len ||
	    p2.null != cmd->path.null || p2.quoted != cmd->path.quoted)
		abort();
	if (!utf8 && cmd->path.utf8)
		abort();
}

static void run_auth(const struct smtp_cmd *cmd)
{
	struct smtp_sasl_plain pl;
	struct smtp_sasl_login lg;
	enum smtp_reply_id err;

	if (slice_casecmp_cstr(cmd->arg, "PLAIN") == 0 && cmd->has_ir) {
		if (smtp_sasl_plain_decode(cmd->ir, &pl, &err) == 0 &&
		    (pl.authcid[0] == '\0' || pl.passwd_len == 0 ||
		     strlen(pl.passwd) != pl.passwd_len))
			abort();
		smtp_sasl_plain_wipe(&pl);
	} else if (slice_casecmp_cstr(cmd->arg, "LOGIN") == 0) {
		if (smtp_sasl_login_start(&lg, cmd->has_ir ? &cmd->ir : NULL, &err) ==
		    SMTP_SASL_CONTINUE) {
			smtp_sasl_login_challenge(&lg);
			smtp_sasl_login_step(&lg, cmd->ir, &err);
		}
		smtp_sasl_login_wipe(&lg);
	}
}

static void bdat_chunk(const uint8_t *in, size_t n)
{
	struct smtp_data_reader r;
	struct hash h = {0, 0};

	smtp_bdat_init(&r, DATA_MAX);
	smtp_bdat_feed(&r, in, n / 2, sink, &h);
	smtp_bdat_feed(&r, in + n / 2, n - n / 2, sink, &h);
	if (r.size != n || h.n > DATA_MAX)
		abort();
	smtp_data_verdict(&r, SMTP_BODY_BINARYMIME);
}

/* One parsed line: what follows it that the command takes (DATA, BDAT). */
static size_t after_command(const struct smtp_cmd *cmd, unsigned flags, const uint8_t *in,
                            size_t len, unsigned step)
{
	switch (cmd->verb) {
	case SMTP_VERB_MAIL:
	case SMTP_VERB_RCPT:
		check_path(cmd, flags);
		return 0;
	case SMTP_VERB_AUTH:
		run_auth(cmd);
		return 0;
	case SMTP_VERB_DATA:
		return run_data(in, len, step);
	case SMTP_VERB_BDAT: {
		size_t n = cmd->bdat_size < len ? (size_t)cmd->bdat_size : len;

		bdat_chunk(in, n);
		return n;
	}
	default:
		return 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_line_reader lr;
	struct smtp_cmd cmd;
	struct buf out;
	unsigned flags, step;

	if (size < 1)
		return 0;
	flags = (data[0] & SMTP_EXT_ALL) | (data[0] & 0x40 ? SMTP_PARSE_TX_UTF8 : 0);
	step = 1 + (data[0] >> 4) * 5;
	data++, size--;
	buf_init(&out, 0);
	smtp_line_init(&lr, data[-1] & 0x80 ? SMTP_LINE_MAX : SMTP_LINE_MAX_AUTH);
	while (size > 0) {
		struct slice line;
		enum smtp_reply_id err;
		size_t used, took;
		enum smtp_line_result lres = smtp_line_next(&lr, data, size, &line, &used);

		if (used > size || (lres == SMTP_LINE_MORE && used == 0 && size >= lr.max))
			abort();
		if (lres == SMTP_LINE_MORE && used == 0)
			break; /* a partial line at the end */
		data += used, size -= used;
		if (lres != SMTP_LINE_OK)
			continue;
		if (line.len + 2 > lr.max)
			abort();
		if (smtp_cmd_parse(line, flags, &cmd, &err) < 0) {
			if (err == SMTP_R_OK || err >= SMTP_R_COUNT ||
			    smtp_reply_append(&out, err) < 0)
				abort();
			continue;
		}
		took = after_command(&cmd, flags, data, size, step);
		data += took, size -= took;
	}
	if (out.len > 0 && (out.len < 2 || memcmp(out.data + out.len - 2, "\r\n", 2) != 0))
		abort();
	buf_free(&out);
	return 0;
}
