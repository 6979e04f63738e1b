/* SPDX-License-Identifier: ISC */
/* The MSSanté trust-space whitelist published by the ANS (XML, namespace
 * https://listeblanche.mssante.fr/schema): which domains belong to the trust
 * space and the subject DN of the operator certificate allowed to speak for
 * each. Parsed with libxml2 (no network, no DTD, no entities, a size limit)
 * into an immutable index; a holder reloads it when the file changes and
 * keeps the last good copy when a new one is malformed.
 *
 *   <ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
 *     <DateDeGeneration>2025-03-13T14:54:10Z</DateDeGeneration>
 *     <ListeDomaines>
 *       <Domaine>
 *         <Nom>example.mssante.fr</Nom>
 *         <Description>...</Description>
 *         <DNCertificatOperateur>CN=mss.example.fr,OU=...,C=FR</DNCertificatOperateur>
 *         <ResponsableContact/> <SupportContact/> <DateMAJ/>
 *       </Domaine> ...
 *
 * A domain may have several Domaine entries (one per operator DN). Nom and
 * DNCertificatOperateur are required once in each entry; other elements of
 * an entry are ignored, so new ANS fields do not break the load. Any error
 * refuses the whole file: a partial list would silently drop domains.
 *
 * Domains compare in ASCII lower case without a trailing dot. DNs compare
 * by their dn.h key, so a peer certificate's subject (dn_from_x509_name)
 * matches the DN as ANS writes it. The index is immutable and its
 * reference count atomic, so a reference may be handed to another thread;
 * the holder is not locked (one thread refreshes and reads it). */
#ifndef BALISE_WHITELIST_H
#define BALISE_WHITELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/types.h>

#define WHITELIST_NS "https://listeblanche.mssante.fr/schema"
/* Larger files are refused before being read (the real list is a few MB). */
#define WHITELIST_FILE_MAX (32 * 1024 * 1024)
/* A buffer that always holds an error message. */
#define WHITELIST_ERR_MAX 512
#define WHITELIST_DOMAIN_MAX 253

struct whitelist; /* opaque, immutable once built, reference-counted */

/* One certificate DN and every domain it may speak for (sorted). */
struct whitelist_operator {
	const char *dn;  /* as written in the file (first occurrence) */
	const char *key; /* its dn.h normal form */
	const char *const *domains;
	size_t n_domains;
};

/* One (domain, operator) pair. */
struct whitelist_entry {
	const char *domain; /* normalised: lower case, no trailing dot */
	const struct whitelist_operator *op;
	const char *description; /* as written, may be "" */
	unsigned line;           /* of its Domaine element */
};

/* Reads and indexes a file. Returns NULL and writes "PATH: reason" or
 * "PATH:LINE: reason" into err on any problem: unreadable, not a regular
 * file, empty, larger than WHITELIST_FILE_MAX, not well-formed XML, a DTD
 * (so no entity can be declared or loaded), wrong root element or
 * namespace, an entry without Nom or DNCertificatOperateur, an invalid
 * domain name or DN, no entry at all. */
struct whitelist *whitelist_load(const char *path, char *err, size_t errsz);
/* The same from memory; name stands for the path in messages. */
struct whitelist *whitelist_parse(const void *data, size_t len, const char *name, char *err,
                                  size_t errsz);
/* Takes one more reference (for a session that keeps the index across
 * reloads); each reference is dropped with whitelist_unref(), which frees
 * the index with the last one and sets *wl to NULL. */
struct whitelist *whitelist_ref(struct whitelist *wl);
void whitelist_unref(struct whitelist **wl);

/* Counts: Domaine elements in the file, distinct domains, distinct
 * operator DNs (by key). */
size_t whitelist_entry_count(const struct whitelist *wl);
size_t whitelist_domain_count(const struct whitelist *wl);
size_t whitelist_operator_count(const struct whitelist *wl);
/* DateDeGeneration as written, or "" when absent. */
const char *whitelist_generated(const struct whitelist *wl);

/* The lookups below accept wl == NULL (no list loaded yet): nothing is
 * listed then. */

/* Whether domain ("Example.MSSante.fr." allowed) is in the trust space. */
bool whitelist_domain_listed(const struct whitelist *wl, const char *domain);
/* The entries of domain, sorted by operator key: their number (0 when the
 * domain is not listed) and *entries_r. */
size_t whitelist_domain_entries(const struct whitelist *wl, const char *domain,
                                const struct whitelist_entry **entries_r);
/* Every operator, sorted by key: *n_r of them. */
const struct whitelist_operator *whitelist_operators(const struct whitelist *wl, size_t *n_r);
/* The operator with this DN key (dn_normalize or dn_from_x509_name), or
 * NULL when the DN is listed for no domain. */
const struct whitelist_operator *whitelist_operator_find(const struct whitelist *wl,
                                                         const char *dn_key);
/* Whether the operator with this DN key may speak for domain. */
bool whitelist_dn_allowed(const struct whitelist *wl, const char *dn_key, const char *domain);
/* The same for a certificate subject (false when it cannot be rendered). */
bool whitelist_x509_allowed(const struct whitelist *wl, const X509_NAME *subject,
                            const char *domain);

/* ---------------------------------------------------------------- holder */

/* The identity of the file last read: a change in any field means reload. */
struct whitelist_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns, ctime_ns;
	int err; /* errno when stat() failed, else 0 */
};

struct whitelist_holder {
	char *path;
	struct whitelist *wl; /* last good index; NULL until one loads */
	struct whitelist_file_id seen;
	bool tried; /* seen is valid */
};

enum whitelist_refresh {
	WHITELIST_UNCHANGED = 0, /* nothing to do (also: same bad file as before) */
	WHITELIST_RELOADED = 1,  /* a new index is in use */
	WHITELIST_FAILED = -1,   /* err says why; the previous index stays */
};

void whitelist_holder_init(struct whitelist_holder *h, const char *path);
/* One stat() when nothing changed. When the file differs from the last
 * attempt (device, inode, size, mtime, ctime, or it appeared or vanished),
 * reloads it. A failure is reported once per version of the file, not at
 * every call. Call it from the event loop (a timer) and log the outcome. */
enum whitelist_refresh whitelist_holder_refresh(struct whitelist_holder *h, char *err,
                                                size_t errsz);
/* The index in use (borrowed until the next refresh; whitelist_ref() to
 * keep it longer), or NULL when no version ever loaded. */
const struct whitelist *whitelist_holder_get(const struct whitelist_holder *h);
struct whitelist *whitelist_holder_ref(struct whitelist_holder *h);
void whitelist_holder_free(struct whitelist_holder *h);

/* Domain normal form: lower case, one trailing dot dropped, labels of
 * letters, digits and inner hyphens. 0, or -1 with *why_r. out holds
 * WHITELIST_DOMAIN_MAX + 1 bytes. */
int whitelist_domain_normalize(const char *domain, size_t len, char *out, const char **why_r);

#endif
