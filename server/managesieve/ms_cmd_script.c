/* SPDX-License-Identifier: ISC */
/* The ManageSieve script commands (RFC 5804 section 2) on the
 * BAL's scripts in the store (balstore.h store_sieve_*). Reads (LISTSCRIPTS,
 * GETSCRIPT, HAVESPACE) are short LMDB read transactions on the loop;
 * PUTSCRIPT and CHECKSCRIPT compile on the thread pool, under the
 * forwarding rule of the trust space; every change goes through the
 * store's writer and is answered once committed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "imap_notify.h"
#include "log.h"
#include "ms_session_int.h"
#include "sieve_upload.h"
#include "util.h"

enum job_kind {
	JOB_PUT,
	JOB_CHECK,
	JOB_SETACTIVE,
	JOB_DELETE,
	JOB_RENAME,
};

/* One command that waits: a compile on the thread pool and/or a write. */
struct ms_job {
	struct ms_session *s;
	enum job_kind kind;
	uint64_t bal_id;
	char name[STORE_SIEVE_NAME_MAX + 1];
	char name2[STORE_SIEVE_NAME_MAX + 1]; /* RENAMESCRIPT's new name */
	struct buf text;                      /* PUTSCRIPT, CHECKSCRIPT */

	/* The compile (thread pool). */
	uv_work_t work;
	int compiled_status; /* enum sieve_upload_status or a negative store error */
	struct sieve_upload up;

	/* The write (writer thread, then the loop). */
	struct store_wreq req;
	struct imap_job loop_job;
	int result;
	const char *why;
	enum store_sieve_space space;
};

/* ---------------------------------------------------------------- helpers */

/* A script name argument as a C string: RFC 5804 section 1.6 rules
 * (store_sieve_name_check). empty_ok: "" is allowed (SETACTIVE). false
 * after answering NO. */
static bool get_name(struct ms_session *s, const struct ms_cmd *cmd, unsigned i, char *out,
                     bool empty_ok)
{
	const char *why = "not a string";
	struct slice v;

	if (!ms_arg_is_string(cmd, i))
		goto bad;
	v = cmd->arg[i].str;
	why = "too long";
	if (v.len > STORE_SIEVE_NAME_MAX)
		goto bad;
	why = "NUL octet";
	if (memchr(v.p, '\0', v.len) != NULL)
		goto bad;
	memcpy(out, v.p, v.len);
	out[v.len] = '\0';
	if (v.len == 0 && empty_ok)
		return true;
	if (store_sieve_name_check(out, &why) == 0)
		return true;
bad:;
	char text[160];

	snprintf(text, sizeof(text), "Invalid script name: %s", why);
	ms_reply_error(s, text);
	return false;
}

static bool read_begin(struct ms_session *s, struct store_txn **txn)
{
	int r = store_read_begin(s->srv->store, txn);

	if (r < 0) {
		log_error("%s managesieve store read: %s", ms_sid(s), store_strerror(r));
		ms_reply(s, MS_NO, "TRYLATER", "Storage unavailable, try again later");
		return false;
	}
	return true;
}

static const char *space_code(enum store_sieve_space sp)
{
	return sp == SIEVE_SPACE_MAXSCRIPTS ? "QUOTA/MAXSCRIPTS" : "QUOTA/MAXSIZE";
}

static struct ms_job *job_new(struct ms_session *s, enum job_kind kind)
{
	struct ms_job *j = xcalloc(1, sizeof(*j));

	j->s = s;
	j->kind = kind;
	j->bal_id = s->bal_id;
	buf_init(&j->text, STORE_SIEVE_SCRIPT_MAX);
	sieve_upload_init(&j->up);
	return j;
}

/* Answers are written; the session goes on. */
static void job_end(struct ms_job *j)
{
	struct ms_session *s = j->s;

	buf_free(&j->text);
	sieve_upload_free(&j->up);
	free(j);
	ms_wait_done(s);
}

/* ---------------------------------------------------------------- reads */

static int list_one(void *arg, const struct store_sieve *sc)
{
	struct buf *out = arg;

	ms_resp_cstring(out, sc->name);
	if (sc->active)
		buf_append_str(out, " ACTIVE");
	buf_append_str(out, "\r\n");
	return 0;
}

void ms_cmd_listscripts(struct ms_session *s, const struct ms_cmd *cmd)
{
	struct store_txn *txn;
	struct buf out;
	int r;

	(void)cmd;
	if (!read_begin(s, &txn))
		return;
	buf_init(&out, 0);
	r = store_sieve_each(txn, s->bal_id, list_one, &out);
	store_read_end(&txn);
	if (r < 0) {
		ms_reply(s, MS_NO, "TRYLATER", "Storage error, try again later");
	} else {
		ms_resp_status(&out, MS_OK, NULL, "Listscripts completed");
		ms_write(s, &out);
	}
	buf_free(&out);
}

void ms_cmd_getscript(struct ms_session *s, const struct ms_cmd *cmd)
{
	char name[STORE_SIEVE_NAME_MAX + 1];
	struct store_sieve sc;
	struct store_txn *txn;
	struct buf out;
	int r;

	if (!get_name(s, cmd, 0, name, false) || !read_begin(s, &txn))
		return;
	buf_init(&out, 0);
	r = store_sieve_get(txn, s->bal_id, name, &sc);
	if (r == 1) { /* RFC 5804 section 2.9: the script as a literal, then OK */
		buf_printf(&out, "{%zu}\r\n", sc.text.len);
		buf_append(&out, sc.text.p, sc.text.len);
		buf_append_str(&out, "\r\n");
	}
	store_read_end(&txn);
	if (r == 1) {
		ms_resp_status(&out, MS_OK, NULL, "Getscript completed");
		ms_write(s, &out);
	} else if (r == 0) {
		ms_reply(s, MS_NO, "NONEXISTENT", "There is no script by that name");
	} else {
		ms_reply(s, MS_NO, "TRYLATER", "Storage error, try again later");
	}
	buf_free(&out);
}

void ms_cmd_havespace(struct ms_session *s, const struct ms_cmd *cmd)
{
	char name[STORE_SIEVE_NAME_MAX + 1];
	enum store_sieve_space sp = SIEVE_SPACE_OK;
	const char *why = NULL;
	struct store_txn *txn;
	int r;

	if (!get_name(s, cmd, 0, name, false))
		return;
	if (!ms_arg_is_number(cmd, 1)) {
		ms_reply_error(s, "HAVESPACE takes a script name and a number");
		return;
	}
	if (!read_begin(s, &txn))
		return;
	r = store_sieve_space(txn, s->bal_id, name, cmd->arg[1].num, &sp, &why);
	store_read_end(&txn);
	if (r == 0)
		ms_reply(s, MS_OK, NULL, "Putscript would succeed");
	else if (r == STORE_E_QUOTA)
		ms_reply(s, MS_NO, space_code(sp), why != NULL ? why : "Over the script limits");
	else
		ms_reply(s, MS_NO, "TRYLATER", "Storage error, try again later");
}

/* ---------------------------------------------------------------- writes */

static void write_done_on_loop(struct imap_job *lj);

/* Writer thread: hand the outcome to the loop. */
static void write_done(void *arg, int result)
{
	struct ms_job *j = arg;

	j->result = result;
	j->loop_job.fn = write_done_on_loop;
	imap_notify_post(&j->loop_job);
}

static int write_apply(struct store_txn *txn, void *arg)
{
	struct ms_job *j = arg;

	j->why = NULL;
	j->space = SIEVE_SPACE_OK;
	switch (j->kind) {
	case JOB_PUT:
		return store_sieve_put(txn, j->bal_id, j->name, buf_slice(&j->text),
		                       j->up.compiled_version, buf_slice(&j->up.compiled), 0,
		                       &j->space, &j->why);
	case JOB_SETACTIVE:
		return store_sieve_set_active(txn, j->bal_id, j->name);
	case JOB_DELETE:
		return store_sieve_delete(txn, j->bal_id, j->name, &j->why);
	case JOB_RENAME:
		return store_sieve_rename(txn, j->bal_id, j->name, j->name2, 0, &j->why);
	case JOB_CHECK:
		break;
	}
	return STORE_E_INVALID;
}

static void job_write(struct ms_job *j)
{
	j->req.apply = write_apply;
	j->req.done = write_done;
	j->req.ctx = j;
	store_write_async(j->s->srv->store, &j->req);
}

static const char *const done_text[] = {
    [JOB_PUT] = "Putscript completed",
    [JOB_CHECK] = "Script is valid",
    [JOB_SETACTIVE] = "Setactive completed",
    [JOB_DELETE] = "Deletescript completed",
    [JOB_RENAME] = "Renamescript completed",
};

/* A refused write: the RFC 5804 response code that says why. */
static void reply_write_error(struct ms_session *s, const struct ms_job *j)
{
	const char *why = j->why != NULL ? j->why : store_strerror(j->result);

	switch (j->result) {
	case STORE_E_NOTFOUND:
		ms_reply(s, MS_NO, "NONEXISTENT", "There is no script by that name");
		break;
	case STORE_E_EXISTS:
		ms_reply(s, MS_NO, "ALREADYEXISTS", "A script by that name already exists");
		break;
	case STORE_E_QUOTA:
		ms_reply(s, MS_NO, space_code(j->space), why);
		break;
	case STORE_E_INVALID:
		/* DELETESCRIPT: the store refuses only an active script. */
		ms_reply(s, MS_NO, j->kind == JOB_DELETE ? "ACTIVE" : NULL,
		         j->kind == JOB_DELETE ? "The active script cannot be deleted" : why);
		break;
	default:
		log_error("%s managesieve store write: %s", ms_sid(s), store_strerror(j->result));
		ms_reply(s, MS_NO, "TRYLATER", "Storage error, try again later");
		break;
	}
}

static void write_done_on_loop(struct imap_job *lj)
{
	struct ms_job *j = (struct ms_job *)((char *)lj - offsetof(struct ms_job, loop_job));
	struct ms_session *s = j->s;

	if (j->result == 0) {
		log_info("%s managesieve %s user=%s script=\"%s\"%s%s%s", ms_sid(s),
		         j->kind == JOB_PUT         ? "put"
		         : j->kind == JOB_SETACTIVE ? "setactive"
		         : j->kind == JOB_DELETE    ? "delete"
		                                    : "rename",
		         s->user, j->name, j->kind == JOB_RENAME ? " to \"" : "",
		         j->kind == JOB_RENAME ? j->name2 : "", j->kind == JOB_RENAME ? "\"" : "");
		ms_reply(s, MS_OK, NULL, done_text[j->kind]);
	} else {
		reply_write_error(s, j);
	}
	job_end(j);
}

void ms_cmd_setactive(struct ms_session *s, const struct ms_cmd *cmd)
{
	struct ms_job *j;
	char name[STORE_SIEVE_NAME_MAX + 1];

	if (!get_name(s, cmd, 0, name, true))
		return;
	j = job_new(s, JOB_SETACTIVE);
	str_copy(j->name, sizeof(j->name), name);
	ms_wait(s);
	job_write(j);
}

void ms_cmd_deletescript(struct ms_session *s, const struct ms_cmd *cmd)
{
	struct ms_job *j;
	char name[STORE_SIEVE_NAME_MAX + 1];

	if (!get_name(s, cmd, 0, name, false))
		return;
	j = job_new(s, JOB_DELETE);
	str_copy(j->name, sizeof(j->name), name);
	ms_wait(s);
	job_write(j);
}

void ms_cmd_renamescript(struct ms_session *s, const struct ms_cmd *cmd)
{
	struct ms_job *j;
	char from[STORE_SIEVE_NAME_MAX + 1], to[STORE_SIEVE_NAME_MAX + 1];

	if (!get_name(s, cmd, 0, from, false) || !get_name(s, cmd, 1, to, false))
		return;
	j = job_new(s, JOB_RENAME);
	str_copy(j->name, sizeof(j->name), from);
	str_copy(j->name2, sizeof(j->name2), to);
	ms_wait(s);
	job_write(j);
}

/* ---------------------------------------------------------------- compiling */

/* Thread pool: the BAL as it is now, the trust data, the compile. */
static void compile_work(uv_work_t *w)
{
	struct ms_job *j = w->data;
	struct ms_server *srv = j->s->srv;
	struct sieve_policy p = {.redirect_structures = srv->redirect_structures};
	struct store_txn *txn = NULL;
	struct store_bal bal;
	int r;

	r = store_read_begin(srv->store, &txn);
	if (r == 0) {
		r = store_bal_get(txn, j->bal_id, &bal);
		if (r == 0)
			r = STORE_E_NOTFOUND;
	}
	if (r == 1) {
		if (srv->policy_get != NULL)
			srv->policy_get(srv->policy_arg, &p);
		r = sieve_upload_compile(&p, txn, &bal, (const char *)j->text.data, j->text.len,
		                         &j->up);
		if (srv->policy_get != NULL && srv->policy_put != NULL)
			srv->policy_put(srv->policy_arg, &p);
	}
	if (txn != NULL)
		store_read_end(&txn);
	j->compiled_status = r;
}

static void reply_compile_error(struct ms_session *s, struct ms_job *j)
{
	struct buf text;

	buf_init(&text, 0);
	if (j->up.err.line > 0)
		buf_printf(&text, "line %u, column %u: ", j->up.err.line, j->up.err.col);
	/* A refused redirect: the French reason citing the rule. */
	if (j->compiled_status == SIEVE_UPLOAD_REFUSED && j->up.reason_fr.len > 0)
		buf_append(&text, j->up.reason_fr.data, j->up.reason_fr.len);
	else
		buf_append_str(&text, j->up.err.msg);
	buf_cstr(&text);
	log_info("%s managesieve script refused user=%s: %s", ms_sid(s), s->user,
	         (const char *)text.data);
	ms_reply(s, MS_NO, NULL, (const char *)text.data);
	buf_free(&text);
}

static void compile_after(uv_work_t *w, int status)
{
	struct ms_job *j = w->data;
	struct ms_session *s = j->s;

	if (status < 0 || j->compiled_status < 0) {
		ms_reply(s, MS_NO, "TRYLATER", "Storage error, try again later");
	} else if (j->compiled_status != SIEVE_UPLOAD_OK) {
		reply_compile_error(s, j);
	} else if (j->kind == JOB_PUT) {
		job_write(j); /* answered once committed */
		return;
	} else {
		ms_reply(s, MS_OK, NULL, done_text[j->kind]);
	}
	job_end(j);
}

static void compile_start(struct ms_session *s, struct ms_job *j, struct slice text)
{
	buf_append(&j->text, text.p, text.len); /* within the parser's limit */
	j->work.data = j;
	ms_wait(s);
	if (uv_queue_work(s->srv->loop, &j->work, compile_work, compile_after) < 0) {
		ms_reply(s, MS_NO, "TRYLATER", "Server busy, try again later");
		job_end(j);
	}
}

void ms_cmd_putscript(struct ms_session *s, const struct ms_cmd *cmd)
{
	char name[STORE_SIEVE_NAME_MAX + 1];
	struct ms_job *j;

	if (!get_name(s, cmd, 0, name, false))
		return;
	if (!ms_arg_is_string(cmd, 1)) {
		ms_reply_error(s, "PUTSCRIPT takes a script name and a script");
		return;
	}
	j = job_new(s, JOB_PUT);
	str_copy(j->name, sizeof(j->name), name);
	compile_start(s, j, cmd->arg[1].str);
}

void ms_cmd_checkscript(struct ms_session *s, const struct ms_cmd *cmd)
{
	if (!ms_arg_is_string(cmd, 0)) {
		ms_reply_error(s, "CHECKSCRIPT takes a script");
		return;
	}
	compile_start(s, job_new(s, JOB_CHECK), cmd->arg[0].str);
}
