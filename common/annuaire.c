/* SPDX-License-Identifier: ISC */
/* The Annuaire Santé extraction of MSSanté BALs (see annuaire.h): a line
 * parser fed from memory or from a streamed file, the index (entries sorted
 * by address, strings in one arena) and the reloading holder. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "annuaire.h"
#include "util.h"

/* Columns kept, counted from 0. */
#define COL_TYPE 0
#define COL_ADDRESS 1
#define COL_PP_TYPE 2
#define COL_PP_ID 3
#define COL_PP_IDNAT 4
#define COL_STRUCTURE 6
#define READ_CHUNK (1024 * 1024)

struct entry_off {
	uint32_t address, idnat, structure, line;
	uint8_t type;
};

struct annuaire {
	atomic_uint refs;
	char *arena;
	size_t arena_len, arena_cap;
	struct annuaire_entry *entries; /* by address, then line */
	size_t n;
	size_t n_addresses;
	size_t by_type[5];
};

/* The parser's state between lines. */
struct builder {
	const char *name;
	struct annuaire *a;
	struct entry_off *offs;
	size_t n, cap;
	unsigned line;
	char *err;
	size_t errsz;
};

static int fail(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct builder *b, const char *fmt, ...)
{
	int n = snprintf(b->err, b->errsz, "%s:%u: ", b->name, b->line);
	va_list ap;

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < b->errsz)
		vsnprintf(b->err + n, b->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t arena_add(struct annuaire *a, const char *s, size_t n, bool lower)
{
	uint32_t off;

	if (a->arena_len + n + 1 > a->arena_cap) {
		a->arena_cap = a->arena_cap ? a->arena_cap * 2 : 65536;
		while (a->arena_len + n + 1 > a->arena_cap)
			a->arena_cap *= 2;
		a->arena = xrealloc(a->arena, a->arena_cap);
	}
	off = (uint32_t)a->arena_len;
	for (size_t i = 0; i < n; i++)
		a->arena[off + i] = lower && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
	a->arena[off + n] = '\0';
	a->arena_len += n + 1;
	return off;
}

/* ---------------------------------------------------------------- checks */

/* Valid UTF-8 without control characters (tab allowed). */
static const char *check_text(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
		             : (c & 0xf8) == 0xf0                ? 4
		                                                 : 0;
		uint32_t cp;

		if (len == 0 || len > n - i)
			return "invalid UTF-8";
		cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return "invalid UTF-8";
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "invalid UTF-8";
		if ((cp < 0x20 && cp != '\t') || cp == 0x7f)
			return "a control character";
		i += len;
	}
	return NULL;
}

/* local@domain in ASCII: an atom-ish local part, dot-separated labels of
 * letters, digits and inner hyphens. */
static const char *check_address(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t local, label = 0;

	if (n == 0)
		return "the address (column 2) is empty";
	if (n > ANNUAIRE_ADDR_MAX)
		return "the address is longer than 254 bytes";
	if (at == NULL || (local = (size_t)(at - s)) == 0 || local > 64 || memchr(at + 1, '@', n - local - 1))
		return "the address is not local@domain";
	for (size_t i = 0; i < local; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || strchr("()<>,;:\\\"[]", s[i]) != NULL)
			return "the address has a character not allowed in its local part";
	for (size_t i = local + 1; i <= n; i++) {
		char c = i < n ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
				return "the address has a malformed domain";
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		           c == '-') {
			label++;
		} else {
			return "the address has a malformed domain";
		}
	}
	return NULL;
}

/* An identifier: letters and digits, at most ANNUAIRE_ID_MAX. */
static bool id_ok(const char *s, size_t n)
{
	if (n > ANNUAIRE_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

static enum annuaire_type parse_type(const char *s, size_t n)
{
	static const char *const names[] = {"PER", "ORG", "CAB", "APP"};

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (n == 3 && strncasecmp(s, names[i], 3) == 0)
			return (enum annuaire_type)(i + 1);
	return ANNUAIRE_OTHER;
}

/* ---------------------------------------------------------------- lines */

struct field {
	const char *p;
	size_t n;
};

/* Splits at '|' into f (ANNUAIRE_COLUMNS + 1 slots); -1 on a wrong count. */
static int split(const char *p, size_t n, struct field *f)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '|')
			continue;
		if (k == ANNUAIRE_COLUMNS + 1)
			return -1;
		f[k++] = (struct field){p + start, i - start};
		start = i + 1;
	}
	/* a '|' after the last column leaves one empty field */
	if (k == ANNUAIRE_COLUMNS + 1 && f[ANNUAIRE_COLUMNS].n == 0)
		k--;
	return k == ANNUAIRE_COLUMNS ? 0 : (int)k;
}

static bool field_is(const struct field *f, const char *s)
{
	return f->n == strlen(s) && strncasecmp(f->p, s, f->n) == 0;
}

static int header_line(struct builder *b, const char *p, size_t n)
{
	struct field f[ANNUAIRE_COLUMNS + 1];

	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	if (split(p, n, f) != 0 || !field_is(&f[COL_TYPE], "Type de BAL") ||
	    !field_is(&f[COL_ADDRESS], "Adresse BAL"))
		return fail(b, "not the header of an Extraction_Correspondance_MSSante file "
		               "(31 columns starting \"Type de BAL|Adresse BAL|\")");
	return 0;
}

/* The holder's idNat: column 5, else columns 3 and 4 joined. */
static int line_idnat(struct builder *b, const struct field *f, uint32_t *off_r)
{
	char id[2 * ANNUAIRE_ID_MAX + 1];
	size_t n;

	if (f[COL_PP_IDNAT].n > 0) {
		if (!id_ok(f[COL_PP_IDNAT].p, f[COL_PP_IDNAT].n))
			return fail(b, "column 5 (Identification nationale PP) is not an identifier");
		*off_r = arena_add(b->a, f[COL_PP_IDNAT].p, f[COL_PP_IDNAT].n, false);
		return 0;
	}
	if (f[COL_PP_ID].n == 0) {
		*off_r = arena_add(b->a, "", 0, false);
		return 0;
	}
	if (!id_ok(f[COL_PP_TYPE].p, f[COL_PP_TYPE].n) || !id_ok(f[COL_PP_ID].p, f[COL_PP_ID].n) ||
	    f[COL_PP_TYPE].n + f[COL_PP_ID].n > ANNUAIRE_ID_MAX)
		return fail(b, "columns 3 and 4 (PP identifier type and identifier) are not an "
		               "identifier");
	n = (size_t)snprintf(id, sizeof(id), "%.*s%.*s", (int)f[COL_PP_TYPE].n, f[COL_PP_TYPE].p,
	                     (int)f[COL_PP_ID].n, f[COL_PP_ID].p);
	*off_r = arena_add(b->a, id, n, false);
	return 0;
}

static int data_line(struct builder *b, const char *p, size_t n)
{
	struct field f[ANNUAIRE_COLUMNS + 1];
	struct entry_off e = {.line = b->line};
	const char *why;
	int k = split(p, n, f);

	if (k < 0)
		return fail(b, "more than %d columns", ANNUAIRE_COLUMNS + 1);
	if (k != 0)
		return fail(b, "%d columns, expected %d", k, ANNUAIRE_COLUMNS);
	if (f[COL_TYPE].n == 0)
		return fail(b, "the BAL type (column 1) is empty");
	e.type = (uint8_t)parse_type(f[COL_TYPE].p, f[COL_TYPE].n);
	why = check_address(f[COL_ADDRESS].p, f[COL_ADDRESS].n);
	if (why != NULL)
		return fail(b, "%s", why);
	if (f[COL_STRUCTURE].n > 0 && !id_ok(f[COL_STRUCTURE].p, f[COL_STRUCTURE].n))
		return fail(b, "column 7 (Identification Structure) is not an identifier");
	if (line_idnat(b, f, &e.idnat) < 0)
		return -1;
	e.address = arena_add(b->a, f[COL_ADDRESS].p, f[COL_ADDRESS].n, true);
	e.structure = arena_add(b->a, f[COL_STRUCTURE].p, f[COL_STRUCTURE].n, false);
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->offs = xrealloc(b->offs, b->cap * sizeof(*b->offs));
	}
	b->offs[b->n++] = e;
	return 0;
}

/* One line without its '\n' (a '\r' before it is dropped). */
static int feed_line(struct builder *b, const char *p, size_t n)
{
	const char *why;

	if (b->line == ANNUAIRE_LINES_MAX)
		return b->line++, fail(b, "more than %d lines", ANNUAIRE_LINES_MAX);
	b->line++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > ANNUAIRE_LINE_MAX)
		return fail(b, "line longer than %d bytes", ANNUAIRE_LINE_MAX);
	why = check_text((const unsigned char *)p, n);
	if (why != NULL)
		return fail(b, "%s", why);
	if (b->line == 1)
		return header_line(b, p, n);
	if (n == 0)
		return 0;
	return data_line(b, p, n);
}

/* Feeds every complete line of data; *used_r is how much was consumed.
 * At the end (last), the rest is the last line. */
static int feed(struct builder *b, const char *data, size_t len, bool last, size_t *used_r)
{
	size_t pos = 0;

	for (;;) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		if (nl == NULL)
			break;
		if (feed_line(b, data + pos, (size_t)(nl - (data + pos))) < 0)
			return -1;
		pos = (size_t)(nl - data) + 1;
	}
	if (last && pos < len) {
		if (feed_line(b, data + pos, len - pos) < 0)
			return -1;
		pos = len;
	}
	*used_r = pos;
	return 0;
}

/* ---------------------------------------------------------------- index */

static int cmp_entry(const void *x, const void *y)
{
	const struct annuaire_entry *a = x, *b = y;
	int c = strcmp(a->address, b->address);

	return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

static struct annuaire *finish(struct builder *b)
{
	struct annuaire *a = b->a;

	if (b->line == 0) {
		b->line = 1;
		fail(b, "empty file");
		return NULL;
	}
	if (b->n == 0) {
		fail(b, "no BAL listed after the header");
		return NULL;
	}
	a->entries = xcalloc(b->n, sizeof(*a->entries));
	for (size_t i = 0; i < b->n; i++) {
		const struct entry_off *o = &b->offs[i];
		a->entries[i] = (struct annuaire_entry){a->arena + o->address, a->arena + o->idnat,
		                                        a->arena + o->structure,
		                                        (enum annuaire_type)o->type, o->line};
		a->by_type[o->type]++;
	}
	a->n = b->n;
	qsort(a->entries, a->n, sizeof(*a->entries), cmp_entry);
	for (size_t i = 0; i < a->n; i++)
		a->n_addresses += i == 0 || strcmp(a->entries[i].address, a->entries[i - 1].address);
	free(b->offs);
	b->offs = NULL;
	b->a = NULL;
	return a;
}

static void builder_init(struct builder *b, const char *name, char *err, size_t errsz)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
	b->err = err;
	b->errsz = errsz;
	b->a = xcalloc(1, sizeof(*b->a));
	atomic_init(&b->a->refs, 1);
}

static void builder_free(struct builder *b)
{
	if (b->a != NULL)
		annuaire_unref(&b->a);
	free(b->offs);
}

struct annuaire *annuaire_parse(const void *data, size_t len, const char *name, char *err,
                                size_t errsz)
{
	struct builder b;
	struct annuaire *a = NULL;
	size_t used;

	builder_init(&b, name, err, errsz);
	if ((long long)len > ANNUAIRE_FILE_MAX)
		snprintf(err, errsz, "%s: larger than %lld bytes", name, ANNUAIRE_FILE_MAX);
	else if (feed(&b, data, len, true, &used) == 0)
		a = finish(&b);
	builder_free(&b);
	return a;
}

/* Streams fd through the builder, READ_CHUNK at a time. */
static int load_fd(struct builder *b, int fd, const char *path)
{
	size_t cap = READ_CHUNK + ANNUAIRE_LINE_MAX + 2, have = 0, used;
	char *buf = xmalloc(cap);
	long long total = 0;
	int rc = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(b->err, b->errsz, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		total += n;
		if (total > ANNUAIRE_FILE_MAX) {
			snprintf(b->err, b->errsz, "%s: grew past %lld bytes while read", path,
			         ANNUAIRE_FILE_MAX);
			rc = -1;
			break;
		}
		have += (size_t)n;
		rc = feed(b, buf, have, n == 0, &used);
		if (rc < 0 || n == 0)
			break;
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have > ANNUAIRE_LINE_MAX + 1) { /* no line end in sight */
			b->line++;
			rc = fail(b, "line longer than %d bytes", ANNUAIRE_LINE_MAX);
			break;
		}
	}
	free(buf);
	return rc;
}

struct annuaire *annuaire_load(const char *path, char *err, size_t errsz)
{
	struct builder b;
	struct annuaire *a = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
	} else if (st.st_size > ANNUAIRE_FILE_MAX) {
		snprintf(err, errsz, "%s: %lld bytes, larger than %lld", path, (long long)st.st_size,
		         ANNUAIRE_FILE_MAX);
	} else {
		builder_init(&b, path, err, errsz);
		if (load_fd(&b, fd, path) == 0)
			a = finish(&b);
		builder_free(&b);
	}
	close(fd);
	return a;
}

struct annuaire *annuaire_ref(struct annuaire *a)
{
	atomic_fetch_add(&a->refs, 1);
	return a;
}

void annuaire_unref(struct annuaire **ap)
{
	struct annuaire *a = *ap;

	*ap = NULL;
	if (a == NULL || atomic_fetch_sub(&a->refs, 1) > 1)
		return;
	free(a->arena);
	free(a->entries);
	free(a);
}

/* ---------------------------------------------------------------- lookups */

size_t annuaire_entry_count(const struct annuaire *a)
{
	return a->n;
}

size_t annuaire_address_count(const struct annuaire *a)
{
	return a->n_addresses;
}

size_t annuaire_type_count(const struct annuaire *a, enum annuaire_type t)
{
	return (unsigned)t < ARRAY_LEN(a->by_type) ? a->by_type[t] : 0;
}

const struct annuaire_entry *annuaire_entries(const struct annuaire *a, size_t *n_r)
{
	*n_r = a->n;
	return a->entries;
}

const char *annuaire_type_name(enum annuaire_type t)
{
	static const char *const names[] = {"other", "PER", "ORG", "CAB", "APP"};

	return (unsigned)t < ARRAY_LEN(names) ? names[t] : "other";
}

size_t annuaire_lookup(const struct annuaire *a, const char *address,
                       const struct annuaire_entry **entries_r)
{
	char key[ANNUAIRE_ADDR_MAX + 1];
	size_t n = address != NULL ? strlen(address) : 0, lo = 0, hi, first;

	*entries_r = NULL;
	if (a == NULL || n == 0 || n > ANNUAIRE_ADDR_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++)
		key[i] = address[i] >= 'A' && address[i] <= 'Z' ? (char)(address[i] + 32) : address[i];
	hi = a->n;
	while (lo < hi) { /* first entry >= key */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(a->entries[mid].address, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < a->n && strcmp(a->entries[lo].address, key) == 0)
		lo++;
	if (lo > first)
		*entries_r = &a->entries[first];
	return lo - first;
}

/* ---------------------------------------------------------------- holder */

static void file_id(const char *path, struct annuaire_file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) < 0) {
		id->err = errno;
		return;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	id->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
}

static bool file_id_eq(const struct annuaire_file_id *a, const struct annuaire_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->err == b->err;
}

void annuaire_holder_init(struct annuaire_holder *h, const char *path)
{
	memset(h, 0, sizeof(*h));
	h->path = xstrdup(path);
}

enum annuaire_refresh annuaire_holder_refresh(struct annuaire_holder *h, char *err, size_t errsz)
{
	struct annuaire_file_id now, after;
	struct annuaire *a;

	file_id(h->path, &now);
	if (h->tried && file_id_eq(&now, &h->seen))
		return ANNUAIRE_UNCHANGED;
	a = annuaire_load(h->path, err, errsz);
	/* A file that changed while it was read is read again next time. */
	file_id(h->path, &after);
	h->tried = file_id_eq(&now, &after);
	h->seen = now;
	if (a == NULL)
		return ANNUAIRE_FAILED;
	annuaire_unref(&h->a);
	h->a = a;
	return ANNUAIRE_RELOADED;
}

const struct annuaire *annuaire_holder_get(const struct annuaire_holder *h)
{
	return h->a;
}

struct annuaire *annuaire_holder_ref(struct annuaire_holder *h)
{
	return h->a != NULL ? annuaire_ref(h->a) : NULL;
}

void annuaire_holder_free(struct annuaire_holder *h)
{
	annuaire_unref(&h->a);
	free(h->path);
	memset(h, 0, sizeof(*h));
}
