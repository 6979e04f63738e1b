/* SPDX-License-Identifier: ISC */
/* balisectl vacation set|off|show and forward set|off|show: the managed
 * rules of a BAL (storage: struct store_sieve_managed). Each change reads
 * the BAL's record, changes one rule, generates the script of what is left
 * (server/sieve_managed), compiles it under the forwarding rule
 * (server/sieve_upload) and stores the record, all in one write
 * transaction; with neither rule left the record is removed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_json.h"
#include "ctl_sieve.h"
#include "sieve_managed.h"
#include "sieve_upload.h"
#include "util.h"

enum ctl_managed_op { SET_VACATION, VACATION_OFF, SET_FORWARD, FORWARD_OFF };

struct ctl_managed {
	const char *address;
	enum ctl_managed_op op;
	struct store_sieve_managed in; /* SET_*: the new rule's fields */
	const struct sieve_policy *policy;
	/* out */
	struct store_sieve_managed m;  /* the record as written */
	struct buf subject, message;   /* the kept rule's texts, copied */
	struct buf text;               /* the generated script */
	struct sieve_upload up;
	int status;                    /* enum sieve_upload_status, -1 before */
	bool target_refused;           /* SET_FORWARD: the target itself */
	bool was_on;                   /* *_OFF: the rule was set */
	const char *why;
};

/* ---------------------------------------------------------------- change */

/* m = the BAL's record, its texts copied out of the map (a put moves it). */
static int ctl_managed_read(struct store_txn *txn, uint64_t bal_id, struct ctl_managed *c,
                            bool *found_r)
{
	struct store_sieve_managed old;
	int r = store_sieve_managed_get(txn, bal_id, &old);

	memset(&c->m, 0, sizeof(c->m));
	*found_r = r == 1;
	if (r != 1)
		return r;
	c->m = old;
	c->m.text = c->m.compiled = (struct slice){NULL, 0};
	buf_reset(&c->subject);
	buf_reset(&c->message);
	if (buf_append(&c->subject, old.vacation_subject.p, old.vacation_subject.len) < 0 ||
	    buf_append(&c->message, old.vacation_message.p, old.vacation_message.len) < 0)
		return STORE_E_LIMIT;
	c->m.vacation_subject = buf_slice(&c->subject);
	c->m.vacation_message = buf_slice(&c->message);
	return 0;
}

static void ctl_managed_change(struct ctl_managed *c)
{
	struct store_sieve_managed *m = &c->m;

	switch (c->op) {
	case SET_VACATION:
	case VACATION_OFF:
		c->was_on = m->vacation;
		m->vacation = c->op == SET_VACATION;
		m->vacation_subject = c->in.vacation_subject;
		m->vacation_message = c->in.vacation_message;
		memcpy(m->vacation_from, c->in.vacation_from, sizeof(m->vacation_from));
		memcpy(m->vacation_until, c->in.vacation_until, sizeof(m->vacation_until));
		m->vacation_days = c->in.vacation_days;
		break;
	case SET_FORWARD:
	case FORWARD_OFF:
		c->was_on = m->forward;
		m->forward = c->op == SET_FORWARD;
		m->forward_keep_copy = c->in.forward_keep_copy;
		memcpy(m->forward_to, c->in.forward_to, sizeof(m->forward_to));
		break;
	}
}

/* SET_FORWARD: the target by itself first, so that any refusal (a bad
 * address too) comes with the rule's French reason. */
static int ctl_managed_check_target(struct store_txn *txn, const struct store_bal *b,
                                    struct ctl_managed *c)
{
	int r = sieve_policy_redirect(c->policy, txn, b, c->in.forward_to, &c->up.reason_fr, NULL);

	if (r == SIEVE_REDIRECT_REFUSED) {
		buf_cstr(&c->up.reason_fr);
		c->status = SIEVE_UPLOAD_REFUSED;
		c->target_refused = true;
		return STORE_E_INVALID;
	}
	return r;
}

/* Generates, compiles and stores the script of c->m. */
static int ctl_managed_store(struct store_txn *txn, const struct store_bal *b,
                             struct ctl_managed *c)
{
	if (sieve_managed_script(&c->m, &c->text) < 0)
		return STORE_E_LIMIT;
	c->status = sieve_upload_compile(c->policy, txn, b, (const char *)c->text.data, c->text.len,
	                                 &c->up);
	if (c->status < 0)
		return c->status;
	if (c->status != SIEVE_UPLOAD_OK)
		return STORE_E_INVALID;
	c->m.text = buf_slice(&c->text);
	c->m.compiled = buf_slice(&c->up.compiled);
	c->m.compiled_version = c->up.compiled_version;
	c->m.updated = 0;
	return store_sieve_managed_put(txn, b->id, &c->m, &c->why);
}

static int ctl_managed_apply(struct store_txn *txn, void *arg)
{
	struct ctl_managed *c = arg;
	struct store_bal *b = xmalloc(sizeof(*b));
	bool found = false;
	int r = store_bal_get_by_addr(txn, c->address, b);

	c->status = -1;
	c->why = NULL;
	c->target_refused = c->was_on = false;
	buf_reset(&c->up.reason_fr);
	buf_reset(&c->text);
	r = r == 0 ? STORE_E_NOTFOUND : r == 1 ? ctl_managed_read(txn, b->id, c, &found) : r;
	if (r == 0)
		ctl_managed_change(c);
	if (r == 0 && c->op == SET_FORWARD)
		r = ctl_managed_check_target(txn, b, c);
	if (r == 0 && !c->m.vacation && !c->m.forward)
		r = found ? store_sieve_managed_delete(txn, b->id) : 0;
	else if (r == 0 && (c->op == SET_VACATION || c->op == SET_FORWARD || c->was_on))
		r = ctl_managed_store(txn, b, c);
	free(b);
	return r;
}

/* The refusal of a change, with the rule's French reason when there is
 * one. */
static int ctl_managed_refused(struct ctl *ctl, const struct ctl_managed *c)
{
	if (c->target_refused)
		ctl_fail(ctl, "%s: forward to \"%s\" refused by the forwarding rule", c->address,
		         c->in.forward_to);
	else if (c->status == SIEVE_UPLOAD_REFUSED)
		ctl_fail(ctl, "%s: the forward to \"%s\" already set is refused by the forwarding "
		              "rule now (%s); remove it with 'forward off %s'",
		         c->address, c->m.forward_to, c->up.err.msg, c->address);
	else
		ctl_fail(ctl, "%s: the generated script does not compile: line %u, column %u: %s",
		         c->address, c->up.err.line, c->up.err.col, c->up.err.msg);
	if (c->status == SIEVE_UPLOAD_REFUSED && c->up.reason_fr.len > 0)
		fprintf(stderr, "%s\n", (const char *)c->up.reason_fr.data);
	return CTL_EXIT_REFUSED;
}

static void ctl_managed_done(const struct ctl_managed *c)
{
	const struct store_sieve_managed *m = &c->m;

	switch (c->op) {
	case SET_VACATION:
		printf("vacation of %s set: %s%s%s%s, one reply per sender every %u day%s\n",
		       c->address, m->vacation_from[0] ? "from " : "from now",
		       m->vacation_from, m->vacation_until[0] ? " until " : " on",
		       m->vacation_until, m->vacation_days, m->vacation_days > 1 ? "s" : "");
		break;
	case SET_FORWARD:
		printf("mail of %s now forwarded to %s%s\n", c->address, m->forward_to,
		       m->forward_keep_copy ? ", keeping a copy" : "");
		break;
	case VACATION_OFF:
	case FORWARD_OFF:
		printf(c->was_on ? "%s of %s removed\n" : "%s: %s had none set\n",
		       c->op == VACATION_OFF ? "vacation" : "forward", c->address);
		break;
	}
}

static int ctl_managed_run(struct ctl *ctl, struct ctl_managed *c)
{
	struct store_bal bal;
	struct ctl_policy pol;
	int r = ctl_bal_lookup(ctl, c->address, &bal);

	if (r <= 0)
		return CTL_EXIT_REFUSED;
	c->address = bal.address;
	r = ctl_policy_load(ctl, &pol);
	if (r != CTL_EXIT_OK)
		return r;
	c->policy = &pol.p;
	buf_init(&c->subject, 0);
	buf_init(&c->message, 0);
	buf_init(&c->text, STORE_SIEVE_SCRIPT_MAX);
	sieve_upload_init(&c->up);
	r = ctl_run_write(ctl, ctl_managed_apply, c);
	ctl_policy_free(&pol);
	if (r == STORE_E_INVALID && c->status > 0)
		r = ctl_managed_refused(ctl, c);
	else if (r == STORE_E_NOTFOUND)
		r = ctl_fail(ctl, "%s: no such BAL", c->address);
	else if (r < 0)
		r = ctl_fail(ctl, "%s: %s", c->address, c->why ? c->why : store_strerror(r));
	else
		ctl_managed_done(c);
	buf_free(&c->subject);
	buf_free(&c->message);
	buf_free(&c->text);
	sieve_upload_free(&c->up);
	return r;
}

/* ---------------------------------------------------------------- vacation set */

/* Today's date in UTC, YYYY-MM-DD. Sieve counts days in Paris time at
 * delivery, never behind UTC: a date before this one is past there too. */
static void ctl_today(char *out, size_t outsz)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, outsz, "%Y-%m-%d", &tm);
}

/* --from and --until: YYYY-MM-DD, until not past, from <= until. */
static int ctl_vacation_dates(struct ctl *ctl, const struct ctl_args *args,
                              struct store_sieve_managed *m)
{
	const char *from = ctl_arg(args, "from"), *until = ctl_arg(args, "until");
	char today[16];

	if (from != NULL && store_date_check(from) != 0)
		return ctl_usage(ctl, "--from: \"%s\" is not a date (YYYY-MM-DD)", from);
	if (until != NULL && store_date_check(until) != 0)
		return ctl_usage(ctl, "--until: \"%s\" is not a date (YYYY-MM-DD)", until);
	ctl_today(today, sizeof(today));
	if (until != NULL && strcmp(until, today) < 0)
		return ctl_usage(ctl, "--until: %s is already past (today is %s UTC)", until, today);
	if (from != NULL && until != NULL && strcmp(from, until) > 0)
		return ctl_usage(ctl, "--until: %s is before --from %s", until, from);
	memcpy(m->vacation_from, from != NULL ? from : "", from != NULL ? STORE_DATE_LEN + 1 : 1);
	memcpy(m->vacation_until, until != NULL ? until : "",
	       until != NULL ? STORE_DATE_LEN + 1 : 1);
	return CTL_EXIT_OK;
}

/* --subject, --days, --from, --until into c->in. */
static int ctl_vacation_options(struct ctl *ctl, const struct ctl_args *args,
                                struct ctl_managed *c)
{
	const char *subject = ctl_arg(args, "subject"), *days = ctl_arg(args, "days"), *why;
	uint64_t n = SIEVE_MANAGED_DEFAULT_DAYS;

	if (subject != NULL && sieve_managed_subject_check(subject, &why) != 0)
		return ctl_usage(ctl, "--subject: %s", why);
	c->in.vacation_subject = slice_from_cstr(subject != NULL ? subject
	                                                         : SIEVE_MANAGED_DEFAULT_SUBJECT);
	if (days != NULL && ctl_parse_uint(ctl, "days", days, STORE_VACATION_DAYS_MAX, &n) < 0)
		return CTL_EXIT_USAGE;
	if (n == 0)
		return ctl_usage(ctl, "--days: 0 is out of range (1 to %d)", STORE_VACATION_DAYS_MAX);
	c->in.vacation_days = (uint32_t)n;
	return ctl_vacation_dates(ctl, args, &c->in);
}

int ctl_vacation_set(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_managed c = {.address = args->pos[0], .op = SET_VACATION};
	const char *file = ctl_arg(args, "message-file"), *why = NULL;
	struct buf raw, msg;
	unsigned line = 0;
	int r;

	if (file == NULL)
		return ctl_usage(ctl, "missing --message-file");
	r = ctl_vacation_options(ctl, args, &c);
	if (r != CTL_EXIT_OK)
		return r;
	buf_init(&raw, 0);
	buf_init(&msg, 0);
	r = ctl_read_input(ctl, file, 4 * (size_t)STORE_VACATION_MESSAGE_MAX, &raw);
	if (r >= 0 && sieve_managed_message(raw.data, raw.len, &msg, &why, &line) < 0)
		r = line > 0 ? ctl_fail(ctl, "--message-file %s: line %u: %s", file, line, why)
		             : ctl_fail(ctl, "--message-file %s: %s", file, why);
	else if (r >= 0) {
		c.in.vacation = true;
		c.in.vacation_message = buf_slice(&msg);
		r = ctl_managed_run(ctl, &c);
	} else {
		r = CTL_EXIT_REFUSED;
	}
	buf_free(&raw);
	buf_free(&msg);
	return r;
}

int ctl_vacation_off(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_managed c = {.address = args->pos[0], .op = VACATION_OFF};

	return ctl_managed_run(ctl, &c);
}

/* ---------------------------------------------------------------- forward set */

int ctl_forward_set(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_managed c = {.address = args->pos[0], .op = SET_FORWARD};
	const char *to = ctl_arg(args, "to");

	if (to == NULL)
		return ctl_usage(ctl, "missing --to");
	if (to[0] == '\0' || strlen(to) > STORE_ADDR_MAX)
		return ctl_usage(ctl, "--to: \"%s\" is not an address", to);
	c.in.forward = true;
	c.in.forward_keep_copy = ctl_flag(args, "keep-copy");
	memcpy(c.in.forward_to, to, strlen(to) + 1);
	return ctl_managed_run(ctl, &c);
}

int ctl_forward_off(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_managed c = {.address = args->pos[0], .op = FORWARD_OFF};

	return ctl_managed_run(ctl, &c);
}

/* ---------------------------------------------------------------- show */

/* Reads the BAL's record and calls show; the record is valid during it. */
static int ctl_managed_show(struct ctl *ctl, const struct ctl_args *args,
                            void (*show)(const struct store_bal *b,
                                         const struct store_sieve_managed *m, bool json))
{
	struct store_sieve_managed m;
	struct store_bal bal;
	struct store_txn *txn;
	int r = ctl_bal_lookup(ctl, args->pos[0], &bal);

	if (r <= 0)
		return CTL_EXIT_REFUSED;
	r = store_read_begin(ctl->store, &txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = store_sieve_managed_get(txn, bal.id, &m);
	if (r >= 0)
		show(&bal, &m, ctl_flag(args, "json"));
	store_read_end(&txn);
	if (r < 0)
		return ctl_fail(ctl, "%s: reading the managed rules: %s", bal.address,
		                store_strerror(r));
	return CTL_EXIT_OK;
}

static void json_date(struct ctl_json *j, const char *key, const char *date)
{
	ctl_json_key(j, key);
	if (date[0] != '\0')
		ctl_json_str(j, date);
	else
		ctl_json_null(j);
}

static void vacation_show(const struct store_bal *b, const struct store_sieve_managed *m,
                          bool json)
{
	char t[32];

	ctl_format_time(m->updated, t, sizeof(t));
	if (json) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "bal", b->address);
		ctl_json_kbool(&j, "vacation", m->vacation);
		if (m->vacation) {
			ctl_json_key(&j, "subject");
			ctl_json_strn(&j, (const char *)m->vacation_subject.p, m->vacation_subject.len);
			json_date(&j, "from", m->vacation_from);
			json_date(&j, "until", m->vacation_until);
			ctl_json_ku64(&j, "days", m->vacation_days);
			ctl_json_key(&j, "message");
			ctl_json_strn(&j, (const char *)m->vacation_message.p, m->vacation_message.len);
			ctl_json_kstr(&j, "updated", t);
		}
		ctl_json_object_end(&j);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
		return;
	}
	if (!m->vacation) {
		printf("%s: no vacation set\n", b->address);
		return;
	}
	printf("vacation of %s (updated %s)\n", b->address, t);
	printf("  subject  %.*s\n", (int)m->vacation_subject.len,
	       (const char *)m->vacation_subject.p);
	printf("  from     %s\n", m->vacation_from[0] ? m->vacation_from : "-");
	printf("  until    %s\n", m->vacation_until[0] ? m->vacation_until : "-");
	printf("  days     %u (one reply per sender in that period)\n", m->vacation_days);
	printf("  message:\n%.*s\n", (int)m->vacation_message.len,
	       (const char *)m->vacation_message.p);
}

static void forward_show(const struct store_bal *b, const struct store_sieve_managed *m,
                         bool json)
{
	char t[32];

	ctl_format_time(m->updated, t, sizeof(t));
	if (json) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "bal", b->address);
		ctl_json_kbool(&j, "forward", m->forward);
		if (m->forward) {
			ctl_json_kstr(&j, "to", m->forward_to);
			ctl_json_kbool(&j, "keep_copy", m->forward_keep_copy);
			ctl_json_kstr(&j, "updated", t);
		}
		ctl_json_object_end(&j);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	} else if (m->forward) {
		printf("%s: forwarded to %s%s (updated %s)\n", b->address, m->forward_to,
		       m->forward_keep_copy ? ", keeping a copy" : "", t);
	} else {
		printf("%s: no forward set\n", b->address);
	}
}

int ctl_vacation_show(struct ctl *ctl, const struct ctl_args *args)
{
	return ctl_managed_show(ctl, args, vacation_show);
}

int ctl_forward_show(struct ctl *ctl, const struct ctl_args *args)
{
	return ctl_managed_show(ctl, args, forward_show);
}
