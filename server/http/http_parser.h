/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 and 1.0 request heads (RFC 9112), no I/O: the operator endpoint
 * (/metrics, /health, autoconfig) only needs GET and HEAD without a body.
 * The parser looks at the bytes received so far and says: more needed,
 * a complete head, or the error status to answer before closing. */
#ifndef BALISE_HTTP_PARSER_H
#define BALISE_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Limits. A request line longer than HTTP_LINE_MAX is answered 414; a
 * header line longer than HTTP_LINE_MAX, more than HTTP_HEADERS_MAX fields
 * or a head longer than HTTP_HEAD_MAX are answered 431. */
#define HTTP_LINE_MAX 4096
#define HTTP_HEADERS_MAX 64
#define HTTP_HEAD_MAX (16 * 1024)
#define HTTP_METHOD_MAX 16

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER, /* any other token: the server answers 405 */
};

struct http_request {
	enum http_method method;
	struct slice path;  /* origin-form target up to '?' (starts with '/') */
	struct slice query; /* after '?', without it; len 0 when none */
	unsigned minor;     /* HTTP/1.minor: 0 or 1 */
	bool keep_alive;    /* 1.1 unless "Connection: close"; 1.0 only with keep-alive */
	bool has_body;      /* Content-Length above 0, or Transfer-Encoding */
	struct slice host;  /* Host value (may be empty); len 0 when absent */
	unsigned n_headers;
};

enum http_parse_result {
	HTTP_PARSE_ERROR = -1,
	HTTP_PARSE_MORE = 0,
	HTTP_PARSE_DONE = 1,
};

/* Parses the request head at the start of p[0..n). DONE: *req is filled
 * (its slices point into p) and *used_r is the length of the head, empty
 * line included. ERROR: *status_r is 400, 414, 431 or 505 and *why_r a
 * short static text; the connection must be closed after the answer.
 * MORE: the head is incomplete and within the limits. */
int http_parse_request(const uint8_t *p, size_t n, struct http_request *req, size_t *used_r,
                       unsigned *status_r, const char **why_r);

/* The value of name in an application/x-www-form-urlencoded query
 * (RFC 3986 percent-decoding, '+' as space) into out (NUL-terminated).
 * 1 found, 0 absent, -1 malformed or longer than outsz - 1 (or a NUL). */
int http_query_get(struct slice query, const char *name, char *out, size_t outsz);

/* The reason phrase of a status code ("Not Found"). */
const char *http_status_text(unsigned status);

#endif
