/* SPDX-License-Identifier: ISC */
/* The Annuaire Santé public extraction of MSSanté BALs, published daily by
 * the ANS as Extraction_Correspondance_MSSante_AAAAMMJJhhmm.txt: UTF-8,
 * '|'-separated, no quoting (a '"' is an ordinary character), one header
 * line, then one line per BAL and activity with 31 columns:
 *
 *    1 Type de BAL (PER, ORG)        2 Adresse BAL
 *    3 Type Identifiant PP           4 Identifiant PP
 *    5 Identification nationale PP   6 Type identifiant structure
 *    7 Identification Structure      8 Service de rattachement
 *    9-11 civility, last and first name    12-17 category, profession
 *   and speciality codes and labels   18 Dématérialisation
 *   19-20 structure names   21-28 postal address lines   29 Code postal
 *   30 Département   31 Pays
 *
 * balise keeps only columns 1, 2, 5 (or 3 and 4 when 5 is empty) and 7: the
 * BAL's type, its address, its holder's idNat and its structure's id; the
 * names and the rest are read past and never stored. An address may appear
 * on several lines (one per activity): every line is kept.
 *
 * Tolerated: a UTF-8 BOM, CRLF line ends, a '|' after the last column,
 * blank lines, a last line without newline, BAL types other than PER, ORG,
 * CAB and APP (kept as "other": they never match a rule). Refused, with
 * "NAME:LINE: reason", and the whole file with them (a partial directory
 * would silently turn allowed forwards into refusals, or the reverse): a
 * missing or foreign header, a line with another column count, longer than
 * ANNUAIRE_LINE_MAX bytes, with invalid UTF-8 or a control character, an
 * empty type, a malformed address or identifier, more than
 * ANNUAIRE_LINES_MAX lines, a file over ANNUAIRE_FILE_MAX bytes, no BAL.
 *
 * The index is immutable once built and reference-counted (atomically: a
 * worker thread may hold one). Tests use small synthetic files: never
 * commit real extraction data, it names real people. */
#ifndef BALISE_ANNUAIRE_H
#define BALISE_ANNUAIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ANNUAIRE_COLUMNS 31
#define ANNUAIRE_LINE_MAX 8192                    /* bytes, line end excluded */
#define ANNUAIRE_LINES_MAX 5000000                /* the real file: ~540 000 */
#define ANNUAIRE_FILE_MAX (1024LL * 1024 * 1024)  /* the real file: ~90 MB */
#define ANNUAIRE_ADDR_MAX 254
#define ANNUAIRE_ID_MAX 32
#define ANNUAIRE_ERR_MAX 512

/* Same values as storage's enum store_bal_type; OTHER for unknown types. */
enum annuaire_type {
	ANNUAIRE_OTHER = 0,
	ANNUAIRE_PER = 1,
	ANNUAIRE_ORG = 2,
	ANNUAIRE_CAB = 3,
	ANNUAIRE_APP = 4,
};

struct annuaire_entry {
	const char *address;   /* lower-cased */
	const char *idnat;     /* holder's idNat ("8" + RPPS, "0" + ADELI), or "" */
	const char *structure; /* column 7 as written, or "" */
	enum annuaire_type type;
	unsigned line; /* in the file, from 1 (the header) */
};

struct annuaire;

/* Reads the file at path (streamed: memory holds the index, not the
 * file). NULL with "PATH: reason" or "PATH:LINE: reason" in err. */
struct annuaire *annuaire_load(const char *path, char *err, size_t errsz);
/* The same from memory; name stands for the path in messages. */
struct annuaire *annuaire_parse(const void *data, size_t len, const char *name, char *err,
                                size_t errsz);
struct annuaire *annuaire_ref(struct annuaire *a);
/* Drops a reference, frees with the last, sets *a to NULL. */
void annuaire_unref(struct annuaire **a);

/* Lines indexed, distinct addresses, lines of one type. */
size_t annuaire_entry_count(const struct annuaire *a);
size_t annuaire_address_count(const struct annuaire *a);
size_t annuaire_type_count(const struct annuaire *a, enum annuaire_type t);

/* The lines of address (any case), in file order: how many (0 when not
 * listed, or a NULL a) and *entries_r. */
size_t annuaire_lookup(const struct annuaire *a, const char *address,
                       const struct annuaire_entry **entries_r);
/* Every entry, sorted by address then line: *n_r of them. */
const struct annuaire_entry *annuaire_entries(const struct annuaire *a, size_t *n_r);
/* "PER", "ORG", "CAB", "APP", "other". */
const char *annuaire_type_name(enum annuaire_type t);

/* ---------------------------------------------------------------- holder */

/* Like whitelist_holder: reloads when the file changes (device, inode,
 * size, mtime, ctime, or it appeared or vanished), keeps the last good
 * index when the new file is refused, reports a failure once per version
 * of the file. Not locked: one thread refreshes and reads it (take a
 * reference with annuaire_holder_ref to hand the index elsewhere). A
 * reload of the real file reads ~90 MB: run it off the event loop. */
struct annuaire_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns, ctime_ns;
	int err;
};

struct annuaire_holder {
	char *path;
	struct annuaire *a; /* last good index; NULL until one loads */
	struct annuaire_file_id seen;
	bool tried;
};

enum annuaire_refresh {
	ANNUAIRE_UNCHANGED = 0,
	ANNUAIRE_RELOADED = 1,
	ANNUAIRE_FAILED = -1, /* err says why; the previous index stays */
};

void annuaire_holder_init(struct annuaire_holder *h, const char *path);
enum annuaire_refresh annuaire_holder_refresh(struct annuaire_holder *h, char *err,
                                              size_t errsz);
const struct annuaire *annuaire_holder_get(const struct annuaire_holder *h);
struct annuaire *annuaire_holder_ref(struct annuaire_holder *h);
void annuaire_holder_free(struct annuaire_holder *h);

#endif
