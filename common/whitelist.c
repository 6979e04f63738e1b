/* SPDX-License-Identifier: ISC */
/* The whitelist index (sorted arrays: domains -> entries -> operators, and
 * operators -> domains), its lookups, file loading and the reloading
 * holder. The XML side is in whitelist_xml.c. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dn.h"
#include "util.h"
#include "whitelist_int.h"

struct wl_domain {
	const char *name;
	size_t first, n; /* range in entries */
};

struct whitelist {
	atomic_uint refs; /* handed to other threads (server/trust_snap.c) */
	struct whitelist_raws raws;      /* owns every string */
	struct whitelist_entry *entries; /* by domain, then operator key */
	size_t n_entries;
	struct wl_domain *domains; /* by name */
	size_t n_domains;
	struct whitelist_operator *ops; /* by key */
	size_t n_ops;
	const char **op_domains; /* storage of every ops[i].domains */
};

/* ---------------------------------------------------------------- domains */

int whitelist_domain_normalize(const char *domain, size_t len, char *out, const char **why_r)
{
	size_t label = 0;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0)
		return *why_r = "empty domain name", -1;
	if (len > WHITELIST_DOMAIN_MAX)
		return *why_r = "domain name longer than 253 characters", -1;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? domain[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63)
				return *why_r = "empty or over-long label in the domain name", -1;
			if (out[i - 1] == '-' || out[i - label] == '-')
				return *why_r =
				           "a label of the domain name starts or ends with '-'",
				       -1;
			label = 0;
		} else if (isalnum((unsigned char)c) && (unsigned char)c < 0x80) {
			label++;
		} else if (c == '-') {
			label++;
		} else {
			return *why_r = "invalid character in the domain name", -1;
		}
		out[i] = i < len ? (char)tolower((unsigned char)c) : '\0';
	}
	return 0;
}

/* ---------------------------------------------------------------- index */

static int wl_cmp_key_line(const void *a, const void *b)
{
	const struct whitelist_raw *x = *(struct whitelist_raw *const *)a;
	const struct whitelist_raw *y = *(struct whitelist_raw *const *)b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static int wl_cmp_domain_key_line(const void *a, const void *b)
{
	const struct whitelist_raw *x = *(struct whitelist_raw *const *)a;
	const struct whitelist_raw *y = *(struct whitelist_raw *const *)b;
	int c = strcmp(x->domain, y->domain);

	return c != 0 ? c : wl_cmp_key_line(a, b);
}

static int wl_cmp_op_key(const void *key, const void *op)
{
	return strcmp(key, ((const struct whitelist_operator *)op)->key);
}

static int wl_cmp_domain_name(const void *key, const void *d)
{
	return strcmp(key, ((const struct wl_domain *)d)->name);
}

/* One operator per distinct key; its DN as first written in the file. */
static void wl_index_ops(struct whitelist *wl, struct whitelist_raw **by)
{
	size_t n = wl->raws.n;

	qsort(by, n, sizeof(*by), wl_cmp_key_line);
	wl->ops = xcalloc(n, sizeof(*wl->ops));
	for (size_t i = 0; i < n; i++) {
		if (wl->n_ops > 0 && strcmp(wl->ops[wl->n_ops - 1].key, by[i]->key) == 0)
			continue;
		wl->ops[wl->n_ops].key = by[i]->key;
		wl->ops[wl->n_ops].dn = by[i]->dn;
		wl->n_ops++;
	}
}

/* One entry per distinct (domain, key), and the domain ranges. */
static void wl_index_entries(struct whitelist *wl, struct whitelist_raw **by)
{
	size_t n = wl->raws.n;

	qsort(by, n, sizeof(*by), wl_cmp_domain_key_line);
	wl->entries = xcalloc(n, sizeof(*wl->entries));
	wl->domains = xcalloc(n, sizeof(*wl->domains));
	for (size_t i = 0; i < n; i++) {
		struct whitelist_entry *last =
		    wl->n_entries ? &wl->entries[wl->n_entries - 1] : NULL;
		struct wl_domain *d = wl->n_domains ? &wl->domains[wl->n_domains - 1] : NULL;
		if (last != NULL && strcmp(last->domain, by[i]->domain) == 0 &&
		    strcmp(last->op->key, by[i]->key) == 0)
			continue; /* the same pair twice */
		if (d == NULL || strcmp(d->name, by[i]->domain) != 0) {
			d = &wl->domains[wl->n_domains++];
			d->name = by[i]->domain;
			d->first = wl->n_entries;
		}
		d->n++;
		wl->entries[wl->n_entries++] = (struct whitelist_entry){
		    by[i]->domain,
		    bsearch(by[i]->key, wl->ops, wl->n_ops, sizeof(*wl->ops), wl_cmp_op_key),
		    by[i]->description, by[i]->line};
	}
}

/* Each operator's domains, in domain order (entries are sorted so). */
static void wl_index_op_domains(struct whitelist *wl)
{
	size_t *start = xcalloc(wl->n_ops + 1, sizeof(*start));

	for (size_t i = 0; i < wl->n_entries; i++)
		start[wl->entries[i].op - wl->ops + 1]++;
	for (size_t k = 0; k < wl->n_ops; k++)
		start[k + 1] += start[k]; /* start[k]: first slot of operator k */
	wl->op_domains = xcalloc(wl->n_entries + 1, sizeof(*wl->op_domains));
	for (size_t k = 0; k < wl->n_ops; k++)
		wl->ops[k].domains = wl->op_domains + start[k];
	for (size_t i = 0; i < wl->n_entries; i++) {
		struct whitelist_operator *op = &wl->ops[wl->entries[i].op - wl->ops];
		wl->op_domains[start[op - wl->ops] + op->n_domains++] = wl->entries[i].domain;
	}
	free(start);
}

struct whitelist *whitelist_index(struct whitelist_raws *raws)
{
	struct whitelist *wl = xcalloc(1, sizeof(*wl));
	struct whitelist_raw **by;

	atomic_init(&wl->refs, 1);
	wl->raws = *raws;
	memset(raws, 0, sizeof(*raws));
	by = xcalloc(wl->raws.n + 1, sizeof(*by));
	for (size_t i = 0; i < wl->raws.n; i++)
		by[i] = &wl->raws.v[i];
	wl_index_ops(wl, by);
	wl_index_entries(wl, by);
	wl_index_op_domains(wl);
	free(by);
	return wl;
}

struct whitelist *whitelist_parse(const void *data, size_t len, const char *name, char *err,
                                  size_t errsz)
{
	struct whitelist_raws raws = {0};
	struct whitelist *wl = NULL;

	if (whitelist_xml_parse(data, len, name, &raws, err, errsz) == 0)
		wl = whitelist_index(&raws);
	whitelist_raws_free(&raws);
	return wl;
}

struct whitelist *whitelist_ref(struct whitelist *wl)
{
	atomic_fetch_add(&wl->refs, 1);
	return wl;
}

void whitelist_unref(struct whitelist **wlp)
{
	struct whitelist *wl = *wlp;

	*wlp = NULL;
	if (wl == NULL || atomic_fetch_sub(&wl->refs, 1) > 1)
		return;
	whitelist_raws_free(&wl->raws);
	free(wl->entries);
	free(wl->domains);
	free(wl->ops);
	free(wl->op_domains);
	free(wl);
}

/* ---------------------------------------------------------------- lookups */

size_t whitelist_entry_count(const struct whitelist *wl)
{
	return wl->raws.n;
}

size_t whitelist_domain_count(const struct whitelist *wl)
{
	return wl->n_domains;
}

size_t whitelist_operator_count(const struct whitelist *wl)
{
	return wl->n_ops;
}

const char *whitelist_generated(const struct whitelist *wl)
{
	return wl->raws.generated != NULL ? wl->raws.generated : "";
}

static const struct wl_domain *wl_domain_find(const struct whitelist *wl, const char *domain)
{
	char norm[WHITELIST_DOMAIN_MAX + 1];
	const char *why;

	if (wl == NULL || domain == NULL ||
	    whitelist_domain_normalize(domain, strlen(domain), norm, &why) < 0)
		return NULL;
	return bsearch(norm, wl->domains, wl->n_domains, sizeof(*wl->domains), wl_cmp_domain_name);
}

bool whitelist_domain_listed(const struct whitelist *wl, const char *domain)
{
	return wl_domain_find(wl, domain) != NULL;
}

size_t whitelist_domain_entries(const struct whitelist *wl, const char *domain,
                                const struct whitelist_entry **entries_r)
{
	const struct wl_domain *d = wl_domain_find(wl, domain);

	*entries_r = d != NULL ? &wl->entries[d->first] : NULL;
	return d != NULL ? d->n : 0;
}

const struct whitelist_operator *whitelist_operators(const struct whitelist *wl, size_t *n_r)
{
	*n_r = wl->n_ops;
	return wl->ops;
}

const struct whitelist_operator *whitelist_operator_find(const struct whitelist *wl,
                                                         const char *dn_key)
{
	if (wl == NULL || dn_key == NULL)
		return NULL;
	return bsearch(dn_key, wl->ops, wl->n_ops, sizeof(*wl->ops), wl_cmp_op_key);
}

bool whitelist_dn_allowed(const struct whitelist *wl, const char *dn_key, const char *domain)
{
	const struct whitelist_entry *e;
	size_t n = whitelist_domain_entries(wl, domain, &e);

	for (size_t i = 0; dn_key != NULL && i < n; i++)
		if (strcmp(e[i].op->key, dn_key) == 0)
			return true;
	return false;
}

bool whitelist_x509_allowed(const struct whitelist *wl, const X509_NAME *subject,
                            const char *domain)
{
	char key[DN_KEY_MAX];
	const char *why;

	if (subject == NULL || dn_from_x509_name(subject, key, sizeof(key), &why) < 0)
		return false;
	return whitelist_dn_allowed(wl, key, domain);
}

/* ---------------------------------------------------------------- files */

static void wl_file_id(const struct stat *st, struct whitelist_file_id *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	id->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static bool wl_file_id_eq(const struct whitelist_file_id *a, const struct whitelist_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->err == b->err;
}

/* Reads the whole file into b. */
static int wl_read(int fd, const char *path, struct buf *b, char *err, size_t errsz)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return snprintf(err, errsz, "%s: %s", path, strerror(errno)), -1;
	if (!S_ISREG(st.st_mode))
		return snprintf(err, errsz, "%s: not a regular file", path), -1;
	if (st.st_size > WHITELIST_FILE_MAX)
		return snprintf(err, errsz, "%s: %lld bytes, larger than the %d MiB limit", path,
		                (long long)st.st_size, WHITELIST_FILE_MAX >> 20),
		       -1;
	for (;;) {
		size_t room;
		ssize_t n;
		if (b->len >= b->max)
			return snprintf(err, errsz, "%s: grew past the %d MiB limit while read",
			                path, WHITELIST_FILE_MAX >> 20),
			       -1;
		room = b->max - b->len < 65536 ? b->max - b->len : 65536;
		if (buf_reserve(b, room) < 0)
			fatal("whitelist: buffer reservation within its limit failed");
		n = read(fd, b->data + b->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return snprintf(err, errsz, "%s: %s", path, strerror(errno)), -1;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
	}
}

struct whitelist *whitelist_load(const char *path, char *err, size_t errsz)
{
	struct whitelist *wl = NULL;
	struct buf b;
	int fd;

	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, WHITELIST_FILE_MAX + 1);
	if (wl_read(fd, path, &b, err, errsz) == 0)
		wl = whitelist_parse(b.data, b.len, path, err, errsz);
	close(fd);
	buf_free(&b);
	return wl;
}

/* ---------------------------------------------------------------- holder */

void whitelist_holder_init(struct whitelist_holder *h, const char *path)
{
	memset(h, 0, sizeof(*h));
	h->path = xstrdup(path);
}

static void wl_stat_id(const char *path, struct whitelist_file_id *id)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		memset(id, 0, sizeof(*id));
		id->err = errno;
		return;
	}
	wl_file_id(&st, id);
}

enum whitelist_refresh whitelist_holder_refresh(struct whitelist_holder *h, char *err, size_t errsz)
{
	struct whitelist_file_id now, after;
	struct whitelist *wl;

	wl_stat_id(h->path, &now);
	if (h->tried && wl_file_id_eq(&now, &h->seen))
		return WHITELIST_UNCHANGED;
	wl = whitelist_load(h->path, err, errsz);
	/* A file that changed while it was read is read again next time. */
	wl_stat_id(h->path, &after);
	h->tried = wl_file_id_eq(&now, &after);
	h->seen = now;
	if (wl == NULL)
		return WHITELIST_FAILED;
	whitelist_unref(&h->wl);
	h->wl = wl;
	return WHITELIST_RELOADED;
}

const struct whitelist *whitelist_holder_get(const struct whitelist_holder *h)
{
	return h->wl;
}

struct whitelist *whitelist_holder_ref(struct whitelist_holder *h)
{
	return h->wl != NULL ? whitelist_ref(h->wl) : NULL;
}

void whitelist_holder_free(struct whitelist_holder *h)
{
	whitelist_unref(&h->wl);
	free(h->path);
	memset(h, 0, sizeof(*h));
}
