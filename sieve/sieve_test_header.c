/* SPDX-License-Identifier: ISC */
/* Tests on the header and the envelope: header, address, exists (RFC 5228
 * §5.1, §5.5, §5.7), envelope (§5.4), :user/:detail (RFC 5233), :index
 * and :last (RFC 5260 §6), string (RFC 5229 §5), mailboxexists (RFC 5490
 * §3.1) and duplicate (RFC 7352). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rfc2047.h"
#include "rfc822_addr.h"
#include "sieve_run_int.h"
#include "util.h"

/* Appends the value of one field: unfolded, RFC 2047 words decoded. */
static int field_value(struct slice raw, bool decode, struct buf *out)
{
	struct buf tmp;
	int rc;

	/* Without "=?" there is no encoded-word, before or after unfolding
	 * (which only drops line breaks): the decoder would copy it as is. */
	if (!decode || memmem(raw.p, raw.len, "=?", 2) == NULL)
		return mime_unfold(raw, out);
	buf_init(&tmp, SIEVE_MAX_STRING);
	rc = mime_unfold(raw, &tmp);
	if (rc == 0)
		rc = rfc2047_decode(buf_slice(&tmp), out);
	buf_free(&tmp);
	return rc;
}

/* The header's fields, split once per run (every header test used to walk
 * the header again). */
static void list_fields(struct sieve_run *r)
{
	struct mime_header_iter it;
	struct slice fname, raw;

	if (r->fields_listed)
		return;
	r->fields_listed = true;
	mime_header_iter_init(&it, r->hdr);
	while (mime_header_next(&it, &fname, &raw, NULL, NULL) == 1) {
		if ((r->nfields & (r->nfields - 1)) == 0) /* doubling: 1, 2, 4, ... */
			r->fields = xrealloc(r->fields, (r->nfields ? 2 * (size_t)r->nfields : 1) *
			                                    sizeof(*r->fields));
		r->fields[r->nfields++] = (struct sieve_field){fname, raw, NULL};
	}
}

static bool field_is(const struct sieve_field *f, const char *name, size_t name_len)
{
	return f->name.len == name_len &&
	       strncasecmp((const char *)f->name.p, name, name_len) == 0;
}

static bool field_present(struct sieve_run *r, const char *name)
{
	size_t name_len = strlen(name);

	list_fields(r);
	for (unsigned i = 0; i < r->nfields; i++)
		if (field_is(&r->fields[i], name, name_len))
			return true;
	return false;
}

void sieve_fields_free(struct sieve_run *r)
{
	for (unsigned i = 0; i < r->nfields; i++) {
		if (r->fields[i].addrs != NULL)
			rfc822_addr_list_free(r->fields[i].addrs);
		free(r->fields[i].addrs);
	}
	free(r->fields);
	r->fields = NULL;
	r->nfields = 0;
}

/* The fields named name that a test looks at, as indexes into r->fields
 * in [*first_r, *last_r) of *idx_r (caller frees), honouring :index and
 * :last (RFC 5260 section 6) when n is not NULL; -1 when the instruction
 * budget ran out (one step per field, as when walking the header). */
static int select_fields(struct sieve_run *r, const struct sieve_node *n, const char *name,
                         unsigned **idx_r, unsigned *first_r, unsigned *last_r)
{
	unsigned *found = NULL, nfound = 0;
	size_t name_len = strlen(name);

	list_fields(r);
	for (unsigned i = 0; i < r->nfields; i++) {
		if (sieve_step(r, 1) < 0) {
			free(found);
			return -1;
		}
		if (!field_is(&r->fields[i], name, name_len) || nfound >= SIEVE_MAX_HEADER_VALUES)
			continue;
		if ((nfound & (nfound - 1)) == 0) /* doubling: 1, 2, 4, ... */
			found = xrealloc(found, (nfound ? 2 * (size_t)nfound : 1) * sizeof(*found));
		found[nfound++] = i;
	}
	*first_r = 0;
	*last_r = nfound;
	if (n != NULL && (n->nums_set & (1u << SIEVE_N_INDEX))) {
		uint64_t k = n->num[SIEVE_N_INDEX];
		if (k == 0 || k > nfound) {
			*last_r = 0;
		} else {
			*first_r = (n->flags & SIEVE_F_LAST) ? nfound - (unsigned)k : (unsigned)k - 1;
			*last_r = *first_r + 1;
		}
	}
	*idx_r = found;
	return 0;
}

int sieve_header_values(struct sieve_run *r, const struct sieve_node *n, const char *name,
                        bool decode, struct sieve_vals *out)
{
	unsigned *idx = NULL, first, last;
	struct buf b;

	if (select_fields(r, n, name, &idx, &first, &last) < 0)
		return -1;
	buf_init(&b, SIEVE_MAX_STRING);
	for (unsigned i = first; i < last; i++) {
		buf_reset(&b);
		field_value(r->fields[idx[i]].raw, decode, &b);
		sieve_vals_push(out, b.data, b.len);
	}
	buf_free(&b);
	free(idx);
	return 0;
}

/* The address list of a field, parsed from its unfolded value on first
 * use and kept for the run. */
static const struct rfc822_addr_list *field_addrs(struct sieve_field *f)
{
	struct buf b;

	if (f->addrs != NULL)
		return f->addrs;
	f->addrs = xcalloc(1, sizeof(*f->addrs));
	buf_init(&b, SIEVE_MAX_STRING);
	field_value(f->raw, false, &b);
	rfc822_addr_parse(b.data != NULL ? b.data : (const uint8_t *)"", b.len, f->addrs);
	buf_free(&b);
	return f->addrs;
}

/* Runs get() for every name of pos[0] (expanded), then matches pos[1]. */
static int over_names(struct sieve_run *r, const struct sieve_node *n,
                      int (*get)(struct sieve_run *, const struct sieve_node *, const char *,
                                 struct sieve_vals *))
{
	struct sieve_vals names = {0}, vals = {0};
	int rc = sieve_expand_list(r, &n->pos[0], &names);

	for (unsigned i = 0; rc == 0 && i < names.n; i++)
		rc = get(r, n, names.v[i].p, &vals);
	if (rc == 0)
		rc = sieve_match_keys(r, n, &vals, &n->pos[1]);
	sieve_vals_free(&names);
	sieve_vals_free(&vals);
	return rc;
}

static int get_header(struct sieve_run *r, const struct sieve_node *n, const char *name,
                      struct sieve_vals *out)
{
	return sieve_header_values(r, n, name, true, out);
}

int sieve_test_header(struct sieve_run *r, const struct sieve_node *n)
{
	return over_names(r, n, get_header);
}

/* Pushes the address part of local@domain (RFC 5228 §2.7.4, RFC 5233 §4:
 * the detail is after the first "+"; without "+" there is no detail). */
static void push_part(unsigned part, const char *local, const char *domain,
                      struct sieve_vals *out)
{
	const char *plus = strchr(local, '+');
	struct buf b;

	switch (part) {
	case SIEVE_AP_LOCAL:
		sieve_vals_push(out, local, strlen(local));
		return;
	case SIEVE_AP_DOMAIN:
		sieve_vals_push(out, domain, strlen(domain));
		return;
	case SIEVE_AP_USER:
		sieve_vals_push(out, local, plus ? (size_t)(plus - local) : strlen(local));
		return;
	case SIEVE_AP_DETAIL:
		if (plus != NULL)
			sieve_vals_push(out, plus + 1, strlen(plus + 1));
		return;
	default:
		buf_init(&b, 0);
		buf_printf(&b, "%s%s%s", local, domain[0] ? "@" : "", domain);
		sieve_vals_push(out, b.data, b.len);
		buf_free(&b);
	}
}

static int get_address(struct sieve_run *r, const struct sieve_node *n, const char *name,
                       struct sieve_vals *out)
{
	unsigned *idx = NULL, first, last;
	int rc;

	if (!sieve_address_header(name, strlen(name)))
		return 0; /* a name built at run time: not an address field */
	rc = select_fields(r, n, name, &idx, &first, &last);
	for (unsigned i = first; rc == 0 && i < last; i++) {
		const struct rfc822_addr_list *l = field_addrs(&r->fields[idx[i]]);

		for (unsigned j = 0; j < l->n; j++)
			if (l->v[j].host != NULL && l->v[j].mailbox != NULL)
				push_part(n->addrpart, l->v[j].mailbox, l->v[j].host, out);
		rc = sieve_step(r, l->n + 1);
	}
	free(idx);
	return rc;
}

int sieve_test_address(struct sieve_run *r, const struct sieve_node *n)
{
	return over_names(r, n, get_address);
}

static int get_envelope(struct sieve_run *r, const struct sieve_node *n, const char *name,
                        struct sieve_vals *out)
{
	const char *a = NULL, *at;
	char *local;

	if (strcasecmp(name, "from") == 0)
		a = r->env->mail_from != NULL ? r->env->mail_from : "";
	else if (strcasecmp(name, "to") == 0)
		a = r->env->rcpt_to;
	else if (strcasecmp(name, "auth") == 0)
		a = r->env->auth;
	else
		return sieve_rt_error(r, "unknown envelope part \"%s\"", name);
	if (a == NULL)
		return 0;
	if (a[0] == '\0') { /* the null reverse-path (RFC 5228 §5.4) */
		if (n->addrpart == SIEVE_AP_ALL)
			sieve_vals_push(out, "", 0);
		return 0;
	}
	at = strrchr(a, '@');
	local = xstrndup(a, at != NULL ? (size_t)(at - a) : strlen(a));
	push_part(n->addrpart, local, at != NULL ? at + 1 : "", out);
	free(local);
	return 0;
}

int sieve_test_envelope(struct sieve_run *r, const struct sieve_node *n)
{
	return over_names(r, n, get_envelope);
}

int sieve_test_exists(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_vals names = {0};
	int rc = sieve_expand_list(r, &n->pos[0], &names);

	for (unsigned i = 0; rc == 0 && i < names.n; i++) {
		if (sieve_step(r, 1) < 0)
			rc = -1;
		else if (!field_present(r, names.v[i].p))
			rc = 2; /* one is missing */
	}
	sieve_vals_free(&names);
	return rc < 0 ? -1 : rc == 0;
}

/* RFC 5229 §5: empty strings do not count for :count. */
int sieve_test_string(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_vals src = {0};
	int rc = sieve_expand_list(r, &n->pos[0], &src);

	if (rc == 0 && n->match == SIEVE_MATCH_COUNT) {
		unsigned k = 0;
		for (unsigned i = 0; i < src.n; i++)
			if (src.v[i].len > 0)
				src.v[k++] = src.v[i];
			else
				free(src.v[i].p);
		src.n = k;
	}
	if (rc == 0)
		rc = sieve_match_keys(r, n, &src, &n->pos[1]);
	sieve_vals_free(&src);
	return rc;
}

int sieve_test_mailboxexists(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_vals names = {0};
	int rc = sieve_expand_list(r, &n->pos[0], &names), yes = 1;

	for (unsigned i = 0; rc == 0 && yes == 1 && i < names.n; i++) {
		if (r->env->mailbox_exists == NULL)
			yes = 0;
		else if ((yes = r->env->mailbox_exists(r->env->ctx, names.v[i].p)) < 0)
			rc = sieve_rt_error(r, "mailbox lookup failed");
	}
	sieve_vals_free(&names);
	return rc < 0 ? -1 : yes == 1;
}

/* RFC 7352 §3: the id is the :uniqueid, or the value of :header
 * (Message-ID by default); a missing one makes the test false. */
static char *duplicate_id(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_vals v = {0};
	const char *name = "message-id";
	char *id = NULL, *hname = NULL;

	if (n->tag[SIEVE_S_UNIQUEID].n > 0)
		return sieve_expand_dup(r, &n->tag[SIEVE_S_UNIQUEID].v[0]);
	if (n->tag[SIEVE_S_HEADER].n > 0) {
		if ((hname = sieve_expand_dup(r, &n->tag[SIEVE_S_HEADER].v[0])) == NULL)
			return NULL;
		name = hname;
	}
	if (sieve_header_values(r, NULL, name, false, &v) == 0 && v.n > 0)
		id = xstrdup(v.v[0].p);
	else if (r->error == NULL)
		id = xstrdup("");
	sieve_vals_free(&v);
	free(hname);
	return id;
}

int sieve_test_duplicate(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_action a;
	uint64_t secs = (n->nums_set & (1u << SIEVE_N_SECONDS)) ? n->num[SIEVE_N_SECONDS]
	                                                         : SIEVE_DUPLICATE_DEFAULT_SECONDS;
	char *id = duplicate_id(r, n), *handle;
	int seen = 0;

	if (id == NULL)
		return -1;
	if (id[0] == '\0') {
		free(id);
		return 0;
	}
	if (secs > SIEVE_DUPLICATE_MAX_SECONDS)
		secs = SIEVE_DUPLICATE_MAX_SECONDS;
	handle = n->tag[SIEVE_S_HANDLE].n ? sieve_expand_dup(r, &n->tag[SIEVE_S_HANDLE].v[0])
	                                  : xstrdup("");
	if (handle == NULL) {
		free(id);
		return -1;
	}
	if (r->env->duplicate_seen != NULL &&
	    (seen = r->env->duplicate_seen(r->env->ctx, handle, id, secs)) < 0) {
		free(id);
		free(handle);
		return sieve_rt_error(r, "duplicate lookup failed");
	}
	memset(&a, 0, sizeof(a));
	a.type = SIEVE_ACT_DUPLICATE;
	a.target = id;
	a.handle = handle;
	a.seconds = secs;
	a.last = (n->flags & SIEVE_F_LAST) != 0;
	if (seen && !a.last)
		sieve_action_clear(&a);
	else if (sieve_act_add(r, &a) < 0)
		return -1;
	return seen == 1;
}
