/* SPDX-License-Identifier: ISC */
/* Reading the ANS whitelist XML with libxml2: a real parser with
 * namespaces, run with no network access, no DTD (a DOCTYPE stops the
 * parse, so no entity is ever declared, expanded or fetched) and libxml2's
 * default size limits; then a walk of the tree that checks the structure
 * and yields one raw entry per Domaine element. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "buf.h"
#include "dn.h"
#include "util.h"
#include "whitelist_int.h"

/* Longest text of one element we keep (Description is the longest). */
#define WL_TEXT_MAX 4096

struct wl_xml {
	const char *name; /* for messages */
	char *err;
	size_t errsz;
	bool failed; /* err holds the first problem */
	bool dtd;    /* a DOCTYPE was seen */
};

static void wl_fail(struct wl_xml *x, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void wl_fail(struct wl_xml *x, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->failed)
		return; /* the first problem is the one to fix */
	x->failed = true;
	n = line > 0 ? snprintf(x->err, x->errsz, "%s:%u: ", x->name, line)
	             : snprintf(x->err, x->errsz, "%s: ", x->name);
	if (n < 0 || (size_t)n >= x->errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errsz - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- parser hooks */

/* SAX hook called at "<!DOCTYPE name ...", before any internal subset is
 * read or external one fetched: a whitelist has no DTD, and refusing it here
 * rules out entity expansion (billion laughs) and external entities. */
static void wl_xml_refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                              const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct wl_xml *x = ctxt->_private;

	x->dtd = true;
	wl_fail(x, (unsigned)xmlSAX2GetLineNumber(ctxt),
	        "a DOCTYPE is not allowed (no DTD, no entities in a whitelist)");
	xmlStopParser(ctxt);
}

/* libxml2's structured error hook: keeps the first error. */
static void wl_xml_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct wl_xml *x = ctxt->_private;
	size_t n;
	char msg[256];

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	str_copy(msg, sizeof(msg), e->message != NULL ? e->message : "unknown error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	wl_fail(x, e->line > 0 ? (unsigned)e->line : 0, "not well-formed XML: %s", msg);
}

/* libxml2 reports some problems (input not in its declared encoding)
 * through its generic handler, which would print to stderr whatever the
 * parser options say, in pieces. The parse fails too; this names why. */
static void wl_xml_generic(void *ctx, const char *msg, ...) __attribute__((format(printf, 2, 3)));

static void wl_xml_generic(void *ctx, const char *msg, ...)
{
	struct wl_xml *x = ctx;
	char piece[128];
	va_list ap;

	va_start(ap, msg);
	vsnprintf(piece, sizeof(piece), msg, ap);
	va_end(ap);
	if (strstr(piece, "conversion failed") != NULL)
		wl_fail(x, 0, "not well-formed XML: bytes not valid in the declared encoding");
}

static xmlDocPtr wl_xml_read(struct wl_xml *x, const void *data, size_t len)
{
	xmlGenericErrorFunc saved = xmlGenericError;
	void *saved_ctx = xmlGenericErrorContext;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	bool ok;

	xmlInitParser();
	xmlSetGenericErrorFunc(x, wl_xml_generic);
	ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
	if (ctxt == NULL)
		fatal("whitelist: cannot allocate an XML parser");
	/* No XML_PARSE_NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE: nothing is
	 * substituted or loaded and libxml2's depth and size limits hold. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                            XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
	ctxt->_private = x;
	ctxt->sax->internalSubset = wl_xml_refuse_dtd;
	ctxt->sax->serror = wl_xml_error;
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	ok = ctxt->wellFormed && !x->dtd && doc != NULL;
	if (!ok && !x->failed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		wl_fail(x, e != NULL ? (unsigned)e->line : 0, "not well-formed XML");
	}
	xmlFreeParserCtxt(ctxt);
	xmlSetGenericErrorFunc(saved_ctx, saved);
	if (!ok) {
		xmlFreeDoc(doc);
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) { /* belt and braces */
		wl_fail(x, 0, "a DOCTYPE is not allowed (no DTD, no entities in a whitelist)");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* ---------------------------------------------------------------- tree walk */

static unsigned wl_line(const xmlNode *n)
{
	long l = xmlGetLineNo(n);

	return l > 0 && l < (long)1 << 30 ? (unsigned)l : 0;
}

static bool wl_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL && n->ns->href != NULL &&
	       strcmp((const char *)n->ns->href, WHITELIST_NS) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static bool wl_xml_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether the byte at i follows an odd run of backslashes: "CN=x\\ " keeps
 * its escaped space for the DN parser. */
static bool wl_escaped(const struct buf *b, size_t i)
{
	size_t n = 0;

	while (i > n && b->data[i - n - 1] == '\\')
		n++;
	return n % 2 == 1;
}

/* The text of an element (text and CDATA children; comments skipped),
 * without surrounding XML white space, as a new string. */
static char *wl_text(struct wl_xml *x, const xmlNode *el)
{
	struct buf b;
	size_t start = 0;

	buf_init(&b, WL_TEXT_MAX);
	for (const xmlNode *c = el->children; c != NULL; c = c->next) {
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) ||
		    c->content == NULL) {
			wl_fail(x, wl_line(c), "<%s> must contain text only", el->name);
			break;
		}
		if (buf_append_str(&b, (const char *)c->content) < 0) {
			wl_fail(x, wl_line(el), "<%s> longer than %d bytes", el->name, WL_TEXT_MAX);
			break;
		}
	}
	if (x->failed) {
		buf_free(&b);
		return NULL;
	}
	while (b.len > 0 && wl_xml_space(b.data[b.len - 1]) && !wl_escaped(&b, b.len - 1))
		b.len--;
	while (start < b.len && wl_xml_space(b.data[start]))
		start++;
	char *s =
	    b.len > start ? xstrndup((const char *)b.data + start, b.len - start) : xstrdup("");
	buf_free(&b);
	return s;
}

/* Stores the text of el into *slot, refusing a second occurrence. */
static int wl_field(struct wl_xml *x, const xmlNode *el, char **slot)
{
	if (*slot != NULL) {
		wl_fail(x, wl_line(el), "<%s> appears twice in one <Domaine>", el->name);
		return -1;
	}
	*slot = wl_text(x, el);
	return *slot != NULL ? 0 : -1;
}

static struct whitelist_raw *wl_raw_new(struct whitelist_raws *raws)
{
	if (raws->n == raws->cap) {
		raws->cap = raws->cap ? raws->cap * 2 : 64;
		raws->v = xrealloc(raws->v, raws->cap * sizeof(*raws->v));
	}
	memset(&raws->v[raws->n], 0, sizeof(raws->v[0]));
	return &raws->v[raws->n++];
}

/* Normalises the Nom and the DN of a complete entry. */
static int wl_entry_check(struct wl_xml *x, struct whitelist_raw *r)
{
	char domain[WHITELIST_DOMAIN_MAX + 1], key[DN_KEY_MAX];
	const char *why;

	if (whitelist_domain_normalize(r->domain, strlen(r->domain), domain, &why) < 0) {
		wl_fail(x, r->line, "<Nom> \"%.80s\": %s", r->domain, why);
		return -1;
	}
	if (dn_normalize(r->dn, strlen(r->dn), key, sizeof(key), &why) < 0) {
		wl_fail(x, r->line, "<DNCertificatOperateur> \"%.200s\": %s", r->dn, why);
		return -1;
	}
	free(r->domain);
	r->domain = xstrdup(domain);
	r->key = xstrdup(key);
	return 0;
}

static int wl_domaine(struct wl_xml *x, const xmlNode *el, struct whitelist_raws *raws)
{
	struct whitelist_raw *r = wl_raw_new(raws);
	int rc = 0;

	r->line = wl_line(el);
	for (const xmlNode *c = el->children; rc == 0 && c != NULL; c = c->next) {
		if (wl_is(c, "Nom"))
			rc = wl_field(x, c, &r->domain);
		else if (wl_is(c, "DNCertificatOperateur"))
			rc = wl_field(x, c, &r->dn);
		else if (wl_is(c, "Description"))
			rc = wl_field(x, c, &r->description);
	}
	if (rc < 0)
		return -1;
	if (r->domain == NULL || r->dn == NULL) {
		wl_fail(x, r->line, "<Domaine> without <%s>",
		        r->domain == NULL ? "Nom" : "DNCertificatOperateur");
		return -1;
	}
	if (r->description == NULL)
		r->description = xstrdup("");
	return wl_entry_check(x, r);
}

static int wl_liste(struct wl_xml *x, const xmlNode *el, struct whitelist_raws *raws)
{
	for (const xmlNode *c = el->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!wl_is(c, "Domaine")) {
			wl_fail(x, wl_line(c), "unexpected element <%s> in <ListeDomaines>",
			        c->name);
			return -1;
		}
		if (wl_domaine(x, c, raws) < 0)
			return -1;
	}
	return 0;
}

static int wl_root(struct wl_xml *x, const xmlNode *root, struct whitelist_raws *raws)
{
	bool liste = false;

	if (!wl_is(root, "ListeBlancheMSSante")) {
		wl_fail(x, wl_line(root),
		        "root element <%s> in namespace \"%s\": expected <ListeBlancheMSSante> in "
		        "namespace \"%s\"",
		        root->name, root->ns != NULL ? (const char *)root->ns->href : "",
		        WHITELIST_NS);
		return -1;
	}
	for (const xmlNode *c = root->children; c != NULL; c = c->next) {
		if (wl_is(c, "DateDeGeneration") && raws->generated == NULL) {
			if ((raws->generated = wl_text(x, c)) == NULL)
				return -1;
		} else if (wl_is(c, "ListeDomaines")) {
			if (liste) {
				wl_fail(x, wl_line(c), "a second <ListeDomaines>");
				return -1;
			}
			liste = true;
			if (wl_liste(x, c, raws) < 0)
				return -1;
		}
	}
	if (raws->n == 0) {
		wl_fail(x, 0, "no <Domaine> entry (an empty trust space is refused)");
		return -1;
	}
	return 0;
}

int whitelist_xml_parse(const void *data, size_t len, const char *name, struct whitelist_raws *raws,
                        char *err, size_t errsz)
{
	struct wl_xml x = {name, err, errsz, false, false};
	xmlDocPtr doc;
	int r;

	if (errsz > 0)
		err[0] = '\0';
	if (len == 0) {
		wl_fail(&x, 0, "empty file");
		return -1;
	}
	if (len > WHITELIST_FILE_MAX) {
		wl_fail(&x, 0, "%zu bytes, larger than the %d MiB limit", len,
		        WHITELIST_FILE_MAX >> 20);
		return -1;
	}
	doc = wl_xml_read(&x, data, len);
	if (doc == NULL)
		return -1;
	r = wl_root(&x, xmlDocGetRootElement(doc), raws);
	xmlFreeDoc(doc);
	return r;
}

void whitelist_raws_free(struct whitelist_raws *raws)
{
	for (size_t i = 0; i < raws->n; i++) {
		free(raws->v[i].domain);
		free(raws->v[i].dn);
		free(raws->v[i].key);
		free(raws->v[i].description);
	}
	free(raws->v);
	free(raws->generated);
	memset(raws, 0, sizeof(*raws));
}
