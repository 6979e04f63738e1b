/* SPDX-License-Identifier: ISC */
/* balisectl bal create|show, and the helpers the other bal verbs share:
 * holder options, password hashing, lookup, refusals, the JSON form. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_json.h"
#include "idnat.h"
#include "pwhash.h"
#include "util.h"

int ctl_bal_holder_args(struct ctl *ctl, const struct ctl_args *args, struct store_bal *bal,
                        bool required, bool *given_r)
{
	const char *type = ctl_arg(args, "holder-type"), *holder = ctl_arg(args, "holder");
	const char *const *co;
	uint64_t n;
	unsigned nco;

	*given_r = type != NULL || holder != NULL;
	if ((required || *given_r) && type == NULL)
		return ctl_usage(ctl, "missing --holder-type");
	if ((required || *given_r) && holder == NULL)
		return ctl_usage(ctl, "missing --holder");
	if (*given_r) {
		if (ctl_parse_uint(ctl, "holder-type", type, 99, &n) < 0)
			return CTL_EXIT_USAGE;
		bal->holder_type = (int)n;
		if (str_copy(bal->holder, sizeof(bal->holder), holder) < 0)
			return ctl_usage(ctl, "--holder: longer than %d characters",
			                 STORE_IDNAT_MAX);
	}
	co = ctl_arg_all(args, "co-holder", &nco);
	if (nco > STORE_COHOLDERS_MAX)
		return ctl_usage(ctl, "--co-holder: at most %d co-holders", STORE_COHOLDERS_MAX);
	for (unsigned i = 0; i < nco; i++)
		if (str_copy(bal->coholders[i], sizeof(bal->coholders[i]), co[i]) < 0)
			return ctl_usage(ctl, "--co-holder: longer than %d characters",
			                 STORE_IDNAT_MAX);
	if (nco > 0)
		bal->n_coholders = nco;
	return CTL_EXIT_OK;
}

int ctl_bal_password_hash(struct ctl *ctl, char *hash, size_t hashsz)
{
	struct pwhash_params p = {
	    .t_cost = (uint32_t)ctl->cfg.argon2_t_cost,
	    .m_cost = (uint32_t)ctl->cfg.argon2_m_cost,
	    .parallelism = (uint32_t)ctl->cfg.argon2_parallelism,
	};
	char pw[CTL_PASSWORD_MAX + 2];
	const char *why;
	size_t len;
	int r;

	if (ctl_read_password(ctl, "New password: ", pw, sizeof(pw), &len, true) < 0)
		return CTL_EXIT_REFUSED;
	r = pwhash_hash(pw, len, &p, hash, hashsz, &why);
	explicit_bzero(pw, sizeof(pw));
	if (r < 0)
		return ctl_fail(ctl, "cannot hash the password: %s", why);
	return CTL_EXIT_OK;
}

int ctl_bal_lookup(struct ctl *ctl, const char *address, struct store_bal *bal_r)
{
	struct store_txn *txn;
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return -1;
	r = store_read_begin(ctl->store, &txn);
	if (r < 0) {
		ctl_fail(ctl, "%s", store_strerror(r));
		return -1;
	}
	r = store_bal_get_by_addr(txn, address, bal_r);
	store_read_end(&txn);
	if (r < 0) {
		ctl_fail(ctl, "%s: %s", address, store_strerror(r));
		return -1;
	}
	if (r == 0)
		ctl_fail(ctl, "%s: no such BAL", address);
	return r;
}

int ctl_bal_fail(struct ctl *ctl, const char *address, int err, const char *why)
{
	if (why != NULL)
		return ctl_fail(ctl, "%s", why);
	switch (err) {
	case STORE_E_NOTFOUND:
		return ctl_fail(ctl, "%s: no such BAL", address);
	case STORE_E_EXISTS:
		return ctl_fail(ctl, "%s: address already in use", address);
	default:
		return ctl_fail(ctl, "%s: %s", address, store_strerror(err));
	}
}

static void ctl_bal_json_mailbox(struct ctl_json *j, const struct store_mailbox *mb)
{
	static const struct {
		unsigned bit;
		const char *name;
	} su[] = {
	    {MBOX_SU_SENT, "\\Sent"},       {MBOX_SU_DRAFTS, "\\Drafts"},
	    {MBOX_SU_TRASH, "\\Trash"},     {MBOX_SU_JUNK, "\\Junk"},
	    {MBOX_SU_ARCHIVE, "\\Archive"}, {MBOX_SU_ALL, "\\All"},
	    {MBOX_SU_FLAGGED, "\\Flagged"},
	};

	ctl_json_object_begin(j);
	ctl_json_kstr(j, "name", mb->name);
	ctl_json_key(j, "special_use");
	ctl_json_array_begin(j);
	for (size_t i = 0; i < ARRAY_LEN(su); i++)
		if (mb->special_use & su[i].bit)
			ctl_json_str(j, su[i].name);
	ctl_json_array_end(j);
	ctl_json_ku64(j, "messages", mb->messages);
	ctl_json_ku64(j, "unseen", mb->unseen);
	ctl_json_ku64(j, "bytes", mb->bytes);
	ctl_json_ku64(j, "uidvalidity", mb->uidvalidity);
	ctl_json_ku64(j, "uidnext", mb->uidnext);
	ctl_json_kbool(j, "subscribed", mb->subscribed);
	ctl_json_object_end(j);
}

static void ctl_bal_json_time(struct ctl_json *j, const char *key, int64_t t)
{
	char s[32];

	ctl_json_key(j, key);
	if (t == 0) {
		ctl_json_null(j);
		return;
	}
	ctl_format_time(t, s, sizeof(s));
	ctl_json_str(j, s);
}

void ctl_bal_json(struct ctl_json *j, const struct store_bal *bal, const struct store_quota *q,
                  const struct store_mailbox *mbs, size_t n_mbs, bool with_mailboxes)
{
	ctl_json_object_begin(j);
	ctl_json_ku64(j, "id", bal->id);
	ctl_json_kstr(j, "address", bal->address);
	ctl_json_kstr(j, "type", store_bal_type_name(bal->type));
	ctl_json_kstr(j, "state", store_bal_state_name(bal->state));
	ctl_json_ku64(j, "holder_type", (uint64_t)bal->holder_type);
	ctl_json_kstr(j, "holder_type_name", idnat_type_name(bal->holder_type));
	ctl_json_kstr(j, "holder", bal->holder);
	ctl_json_key(j, "co_holders");
	ctl_json_array_begin(j);
	for (unsigned i = 0; i < bal->n_coholders && i < STORE_COHOLDERS_MAX; i++)
		ctl_json_str(j, bal->coholders[i]);
	ctl_json_array_end(j);
	ctl_json_kstr(j, "display_name", bal->display_name);
	ctl_json_ku64(j, "quota_bytes", bal->quota_bytes);
	ctl_json_ku64(j, "quota_messages", bal->quota_messages);
	if (q != NULL) {
		ctl_json_ku64(j, "used_bytes", q->bytes);
		ctl_json_ku64(j, "used_messages", q->messages);
	}
	ctl_json_kbool(j, "password_set", bal->password_hash[0] != '\0');
	ctl_bal_json_time(j, "created", bal->created);
	ctl_bal_json_time(j, "last_login", bal->last_login);
	ctl_json_ku64(j, "sent_retention", bal->sent_retention);
	ctl_json_kstr(j, "contact", bal->contact);
	ctl_bal_json_time(j, "inactivity_warned", bal->inactivity_warned);
	if (with_mailboxes) {
		ctl_json_key(j, "mailboxes");
		ctl_json_array_begin(j);
		for (size_t i = 0; i < n_mbs; i++)
			ctl_bal_json_mailbox(j, &mbs[i]);
		ctl_json_array_end(j);
	}
	ctl_json_object_end(j);
}

/* ---------------------------------------------------------------- create */

int ctl_bal_type_parse(const char *s)
{
	char up[8];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(up); i++)
		up[i] = (char)toupper((unsigned char)s[i]);
	if (s[i] != '\0')
		return -1;
	up[i] = '\0';
	return store_bal_type_parse(up);
}

struct ctl_bal_create_req {
	struct store_bal in;  /* as asked */
	struct store_bal out; /* as created */
	const char *why;
};

/* Runs again from `in` when the batch is replayed. */
static int ctl_bal_create_apply(struct store_txn *txn, void *arg)
{
	struct ctl_bal_create_req *req = arg;

	req->out = req->in;
	req->why = NULL;
	return store_bal_create(txn, &req->out, &req->why);
}

static int ctl_bal_create_parse(struct ctl *ctl, const struct ctl_args *args, struct store_bal *bal)
{
	const char *type = ctl_arg(args, "type"), *name = ctl_arg(args, "name");
	const char *quota = ctl_arg(args, "quota"), *qmsgs = ctl_arg(args, "quota-messages");
	bool given;
	int t, r;

	if (type == NULL)
		return ctl_usage(ctl, "missing --type (PER, ORG, CAB or APP)");
	t = ctl_bal_type_parse(type);
	if (t < 0)
		return ctl_usage(ctl, "--type: expected PER, ORG, CAB or APP, got \"%s\"", type);
	bal->type = (enum store_bal_type)t;
	r = ctl_bal_holder_args(ctl, args, bal, true, &given);
	if (r != CTL_EXIT_OK)
		return r;
	if (name != NULL && str_copy(bal->display_name, sizeof(bal->display_name), name) < 0)
		return ctl_usage(ctl, "--name: longer than %d bytes", STORE_DISPLAY_MAX);
	bal->quota_bytes = CTL_DEFAULT_QUOTA;
	if (quota != NULL && ctl_parse_size(ctl, "quota", quota, &bal->quota_bytes) < 0)
		return CTL_EXIT_USAGE;
	if (qmsgs != NULL &&
	    ctl_parse_uint(ctl, "quota-messages", qmsgs, UINT64_MAX, &bal->quota_messages) < 0)
		return CTL_EXIT_USAGE;
	bal->state = BAL_ACTIVE;
	return CTL_EXIT_OK;
}

static void ctl_bal_create_print(const struct store_bal *bal, bool json)
{
	char quota[32];

	if (json) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_bal_json(&j, bal, NULL, NULL, 0, false);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
		return;
	}
	ctl_format_size(bal->quota_bytes, true, quota, sizeof(quota));
	printf("created %s BAL %s (quota %s, password %s)\n", store_bal_type_name(bal->type),
	       bal->address, quota, bal->password_hash[0] != '\0' ? "set" : "not set");
}

int ctl_bal_create(struct ctl *ctl, const struct ctl_args *args)
{
	struct ctl_bal_create_req req;
	const char *why = NULL;
	int r;

	memset(&req, 0, sizeof(req));
	if (str_copy(req.in.address, sizeof(req.in.address), args->pos[0]) < 0)
		return ctl_fail(ctl, "address longer than %d characters", STORE_ADDR_MAX);
	r = ctl_bal_create_parse(ctl, args, &req.in);
	if (r != CTL_EXIT_OK)
		return r;
	/* Refuse before asking for a password or touching the store. */
	if (store_bal_validate(&req.in, &why) < 0)
		return ctl_fail(ctl, "%s", why != NULL ? why : "invalid BAL");
	if (ctl_flag(args, "password-stdin")) {
		r = ctl_bal_password_hash(ctl, req.in.password_hash, sizeof(req.in.password_hash));
		if (r != CTL_EXIT_OK)
			return r;
	}
	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = ctl_run_write(ctl, ctl_bal_create_apply, &req);
	if (r == STORE_E_NOTFOUND && req.why == NULL)
		return ctl_fail(ctl, "%s: its domain is not served here (see 'domain add')",
		                req.in.address);
	if (r != STORE_OK)
		return ctl_bal_fail(ctl, req.in.address, r, req.why);
	ctl_bal_create_print(&req.out, ctl_flag(args, "json"));
	return CTL_EXIT_OK;
}
