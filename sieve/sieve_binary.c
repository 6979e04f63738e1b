/* SPDX-License-Identifier: ISC */
/* The compiled form on disk: "BSV1", the format version, the required
 * extensions and the resolved tree, then an FNV-1a 64 checksum. The loader
 * checks every length, count and id, and re-checks every node against the
 * command table, so a damaged form is refused, never run. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sieve_int.h"
#include "util.h"

#define SIEVE_BIN_MAGIC "BSV1"
#define SIEVE_BIN_VERSION SIEVE_COMPILED_VERSION
#define SIEVE_BIN_MAX_DEPTH (2 * SIEVE_MAX_NESTING + 4)

static uint64_t fnv64(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int put(struct buf *o, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return buf_append(o, b, bytes);
}

static int put_list(struct buf *o, const struct sieve_strlist *l)
{
	int rc = put(o, l->n, 4);

	for (unsigned i = 0; rc == 0 && i < l->n; i++)
		rc = (put(o, l->v[i].len, 4) < 0 || buf_append(o, l->v[i].p, l->v[i].len) < 0 ||
		      put(o, l->v[i].vars, 1) < 0) ? -1 : 0;
	return rc;
}

static int put_nodes(struct buf *o, const struct sieve_node *v, unsigned n);

static int put_node(struct buf *o, const struct sieve_node *n)
{
	int rc = 0;

	rc |= put(o, n->id, 2) | put(o, n->line, 4) | put(o, n->col, 4);
	rc |= put(o, n->cmp, 1) | put(o, n->match, 1) | put(o, n->relop, 1);
	rc |= put(o, n->addrpart, 1) | put(o, n->bodyt, 1) | put(o, n->flags, 4);
	rc |= put(o, n->nums_set, 4);
	for (unsigned i = 0; i < SIEVE_N_END; i++)
		rc |= put(o, n->num[i], 8);
	rc |= put(o, n->size, 8);
	for (unsigned i = 0; i < SIEVE_S_END; i++)
		rc |= put_list(o, &n->tag[i]);
	rc |= put(o, n->npos, 1);
	for (unsigned i = 0; i < SIEVE_MAX_POS; i++)
		rc |= put_list(o, &n->pos[i]);
	rc |= put(o, n->has_block, 1);
	if (rc != 0)
		return -1;
	if (put_nodes(o, n->tests, n->ntests) < 0)
		return -1;
	return put_nodes(o, n->block, n->nblock);
}

static int put_nodes(struct buf *o, const struct sieve_node *v, unsigned n)
{
	if (put(o, n, 4) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (put_node(o, &v[i]) < 0)
			return -1;
	return 0;
}

int sieve_save(const struct sieve_script *s, struct buf *out)
{
	size_t start = out->len;
	uint64_t h;

	if (buf_append(out, SIEVE_BIN_MAGIC, 4) < 0 || put(out, SIEVE_BIN_VERSION, 4) < 0 ||
	    put(out, s->exts, 4) < 0 || put_nodes(out, s->cmds, s->ncmds) < 0)
		goto fail;
	h = fnv64(out->data + start, out->len - start);
	if (put(out, h, 8) < 0)
		goto fail;
	return 0;
fail:
	out->len = start;
	return -1;
}

/* ------------------------------------------------------------ loading */

struct reader {
	const uint8_t *p;
	size_t len, pos;
	unsigned nodes;
	uint32_t exts;
	const char *why;
};

static int get(struct reader *rd, unsigned bytes, uint64_t *v)
{
	if (rd->len - rd->pos < bytes) {
		rd->why = "truncated compiled script";
		return -1;
	}
	*v = 0;
	for (unsigned i = 0; i < bytes; i++)
		*v |= (uint64_t)rd->p[rd->pos + i] << (8 * i);
	rd->pos += bytes;
	return 0;
}

static int get_list(struct reader *rd, struct sieve_strlist *l)
{
	uint64_t n, len, vars;

	if (get(rd, 4, &n) < 0)
		return -1;
	if (n > SIEVE_MAX_LIST || n > rd->len - rd->pos) {
		rd->why = "bad string list in compiled script";
		return -1;
	}
	l->v = n ? xcalloc((size_t)n, sizeof(*l->v)) : NULL;
	for (; l->n < n; l->n++) {
		if (get(rd, 4, &len) < 0)
			return -1;
		if (len > SIEVE_MAX_STRING || len > rd->len - rd->pos) {
			rd->why = "bad string in compiled script";
			return -1;
		}
		l->v[l->n].p = xmalloc((size_t)len + 1); /* strings may hold NUL */
		memcpy(l->v[l->n].p, rd->p + rd->pos, (size_t)len);
		l->v[l->n].p[len] = '\0';
		l->v[l->n].len = (size_t)len;
		rd->pos += (size_t)len;
		if (get(rd, 1, &vars) < 0 || vars > 1) {
			rd->why = "bad string in compiled script";
			l->n++;
			return -1;
		}
		l->v[l->n].vars = vars == 1;
	}
	return 0;
}

static int get_nodes(struct reader *rd, struct sieve_node **v, unsigned *nv, bool tests,
                     unsigned depth);

static int get_fields(struct reader *rd, struct sieve_node *n)
{
	uint64_t x[12];
	static const unsigned w[12] = {2, 4, 4, 1, 1, 1, 1, 1, 4, 4, 8, 8};

	for (unsigned i = 0; i < 12; i++)
		if (get(rd, w[i], &x[i]) < 0)
			return -1;
	n->id = (uint16_t)x[0];
	n->line = (unsigned)x[1];
	n->col = (unsigned)x[2];
	n->cmp = (uint8_t)x[3];
	n->match = (uint8_t)x[4];
	n->relop = (uint8_t)x[5];
	n->addrpart = (uint8_t)x[6];
	n->bodyt = (uint8_t)x[7];
	n->flags = (uint32_t)x[8];
	n->nums_set = (uint32_t)x[9];
	n->num[0] = x[10];
	n->num[1] = x[11];
	return get(rd, 8, &n->size);
}

static int get_node(struct reader *rd, struct sieve_node *n, bool test, unsigned depth)
{
	uint64_t npos, has_block;

	if (get_fields(rd, n) < 0)
		return -1;
	for (unsigned i = 0; i < SIEVE_S_END; i++)
		if (get_list(rd, &n->tag[i]) < 0)
			return -1;
	if (get(rd, 1, &npos) < 0)
		return -1;
	n->npos = (unsigned)npos;
	for (unsigned i = 0; i < SIEVE_MAX_POS; i++)
		if (get_list(rd, &n->pos[i]) < 0)
			return -1;
	if (get(rd, 1, &has_block) < 0 || has_block > 1) {
		rd->why = rd->why ? rd->why : "bad block flag in compiled script";
		return -1;
	}
	n->has_block = has_block == 1;
	if (get_nodes(rd, &n->tests, &n->ntests, true, depth + 1) < 0 ||
	    get_nodes(rd, &n->block, &n->nblock, false, depth + 1) < 0)
		return -1;
	if ((rd->why = sieve_node_check(n, test, rd->exts)) != NULL)
		return -1;
	return 0;
}

static int get_nodes(struct reader *rd, struct sieve_node **v, unsigned *nv, bool tests,
                     unsigned depth)
{
	uint64_t n;

	if (get(rd, 4, &n) < 0)
		return -1;
	if (depth > SIEVE_BIN_MAX_DEPTH || n > SIEVE_MAX_NODES - rd->nodes ||
	    n > (rd->len - rd->pos) / 16) {
		rd->why = "bad node count in compiled script";
		return -1;
	}
	rd->nodes += (unsigned)n;
	*v = n ? xcalloc((size_t)n, sizeof(**v)) : NULL;
	for (*nv = 0; *nv < n;) {
		(*nv)++;
		if (get_node(rd, &(*v)[*nv - 1], tests, depth) < 0)
			return -1;
	}
	return 0;
}

int sieve_load(const void *data, size_t len, struct sieve_script **s_r, const char **error_r)
{
	struct reader rd = {data, len, 0, 0, 0, NULL};
	struct sieve_script *s;
	uint64_t version, exts, h;

	*s_r = NULL;
	if (len < 20 || len > SIEVE_MAX_COMPILED || memcmp(data, SIEVE_BIN_MAGIC, 4) != 0) {
		*error_r = "not a compiled Sieve script";
		return -1;
	}
	rd.len = len - 8;
	rd.pos = 4;
	get(&rd, 4, &version);
	get(&rd, 4, &exts);
	memcpy(&h, (const uint8_t *)data + len - 8, 8);
	{
		struct reader hr = {data, len, len - 8, 0, 0, NULL};
		get(&hr, 8, &h);
	}
	if (version != SIEVE_BIN_VERSION || h != fnv64(data, len - 8) ||
	    (exts >> SIEVE_EXT_END) != 0) {
		*error_r = version != SIEVE_BIN_VERSION ? "compiled script of another version"
		                                        : "damaged compiled script (checksum)";
		return -1;
	}
	s = xcalloc(1, sizeof(*s));
	rd.exts = s->exts = (uint32_t)exts;
	if (get_nodes(&rd, &s->cmds, &s->ncmds, false, 0) < 0 || rd.pos != rd.len) {
		*error_r = rd.why != NULL ? rd.why : "trailing bytes in compiled script";
		sieve_script_free(&s);
		return -1;
	}
	*s_r = s;
	return 0;
}
