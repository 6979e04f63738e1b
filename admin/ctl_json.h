/* SPDX-License-Identifier: ISC */
/* A tiny JSON writer for balisectl --json: builds one document in a buffer
 * (indented, commas handled), with RFC 8259 string escaping. */
#ifndef BALISE_CTL_JSON_H
#define BALISE_CTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

#define CTL_JSON_DEPTH_MAX 16

struct ctl_json {
	struct buf out;
	unsigned depth;
	bool has_items[CTL_JSON_DEPTH_MAX]; /* something written at this depth */
	bool after_key;                     /* the next value follows a key */
};

void ctl_json_init(struct ctl_json *j);
void ctl_json_free(struct ctl_json *j);

/* Nesting deeper than CTL_JSON_DEPTH_MAX is a programming error (fatal). */
void ctl_json_object_begin(struct ctl_json *j);
void ctl_json_object_end(struct ctl_json *j);
void ctl_json_array_begin(struct ctl_json *j);
void ctl_json_array_end(struct ctl_json *j);

/* Inside an object: the key of the next value. */
void ctl_json_key(struct ctl_json *j, const char *key);
/* A string value: escaped; invalid UTF-8 becomes U+FFFD. */
void ctl_json_str(struct ctl_json *j, const char *s);
void ctl_json_strn(struct ctl_json *j, const char *s, size_t len);
void ctl_json_u64(struct ctl_json *j, uint64_t v);
void ctl_json_i64(struct ctl_json *j, int64_t v);
void ctl_json_bool(struct ctl_json *j, bool v);
void ctl_json_null(struct ctl_json *j);

/* key + value shorthands. */
void ctl_json_kstr(struct ctl_json *j, const char *key, const char *s);
void ctl_json_ku64(struct ctl_json *j, const char *key, uint64_t v);
void ctl_json_kbool(struct ctl_json *j, const char *key, bool v);

/* Writes the document and a newline; -1 on a write error. */
int ctl_json_print(struct ctl_json *j, FILE *f);

#endif
