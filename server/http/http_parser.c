/* SPDX-License-Identifier: ISC */
/* HTTP request heads (RFC 9112 sections 2-3, 5-6, 9.3) and query values. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "http_parser.h"

/* RFC 9110 section 5.6.2: tchar. */
static bool is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field values: VCHAR, obs-text, SP, HTAB (RFC 9110 section 5.5). */
static bool is_field_char(uint8_t c)
{
	return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

struct head_state {
	const uint8_t *p;
	size_t n, off;
	unsigned *status_r;
	const char **why_r;
};

static int fail(struct head_state *h, unsigned status, const char *why)
{
	*h->status_r = status;
	*h->why_r = why;
	return HTTP_PARSE_ERROR;
}

/* The next line at h->off: 1 and its bounds (CR LF or bare LF removed), 0
 * when it is not complete, -1 (status set) for a bare CR or a line over
 * the limit (too_long is the status to answer). */
static int next_line(struct head_state *h, unsigned too_long, struct slice *line)
{
	const uint8_t *start = h->p + h->off;
	size_t avail = h->n - h->off;
	const uint8_t *lf = memchr(start, '\n', avail < HTTP_LINE_MAX + 2 ? avail : HTTP_LINE_MAX + 2);
	size_t len;

	if (lf == NULL) {
		if (avail > HTTP_LINE_MAX + 1)
			return fail(h, too_long, too_long == 414 ? "request line too long"
			                                         : "header line too long");
		if (h->n > HTTP_HEAD_MAX)
			return fail(h, 431, "request head too large");
		return 0;
	}
	len = (size_t)(lf - start);
	h->off += len + 1;
	if (len > 0 && start[len - 1] == '\r')
		len--;
	if (memchr(start, '\r', len) != NULL)
		return fail(h, 400, "bare CR in the request head");
	if (len > HTTP_LINE_MAX)
		return fail(h, too_long, too_long == 414 ? "request line too long"
		                                         : "header line too long");
	if (h->off > HTTP_HEAD_MAX)
		return fail(h, 431, "request head too large");
	*line = (struct slice){start, len};
	return 1;
}

/* "HTTP/1.1" (RFC 9112 section 2.3). */
static int parse_version(struct head_state *h, struct slice v, struct http_request *req)
{
	const uint8_t *s = v.p;

	if (v.len != 8 || memcmp(s, "HTTP/", 5) != 0 || s[6] != '.' || s[5] < '0' || s[5] > '9' ||
	    s[7] < '0' || s[7] > '9')
		return fail(h, 400, "malformed HTTP version");
	if (s[5] != '1')
		return fail(h, 505, "only HTTP/1.0 and HTTP/1.1 are served");
	req->minor = s[7] == '0' ? 0 : 1;
	req->keep_alive = req->minor >= 1;
	return 0;
}

static int parse_target(struct head_state *h, struct slice t, struct http_request *req)
{
	const uint8_t *q;

	if (t.len == 0 || t.p[0] != '/')
		return fail(h, 400, "the target must be a path (origin-form)");
	for (size_t i = 0; i < t.len; i++)
		if (t.p[i] < 0x21 || t.p[i] > 0x7e)
			return fail(h, 400, "bad character in the target");
	q = memchr(t.p, '?', t.len);
	if (q != NULL) {
		req->path = (struct slice){t.p, (size_t)(q - t.p)};
		req->query = (struct slice){q + 1, t.len - (size_t)(q - t.p) - 1};
		if (memchr(req->query.p, '#', req->query.len) != NULL)
			return fail(h, 400, "fragment in the target");
	} else {
		req->path = t;
	}
	if (memchr(req->path.p, '#', req->path.len) != NULL)
		return fail(h, 400, "fragment in the target");
	return 0;
}

/* method SP request-target SP HTTP-version (RFC 9112 section 3). */
static int parse_request_line(struct head_state *h, struct slice line, struct http_request *req)
{
	const uint8_t *sp1 = memchr(line.p, ' ', line.len), *sp2;
	struct slice method, target, version;

	if (sp1 == NULL)
		return fail(h, 400, "malformed request line");
	sp2 = memchr(sp1 + 1, ' ', line.len - (size_t)(sp1 + 1 - line.p));
	if (sp2 == NULL)
		return fail(h, 400, "malformed request line");
	method = (struct slice){line.p, (size_t)(sp1 - line.p)};
	target = (struct slice){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
	version = (struct slice){sp2 + 1, line.len - (size_t)(sp2 + 1 - line.p)};
	if (method.len == 0 || method.len > HTTP_METHOD_MAX)
		return fail(h, 400, "malformed method");
	for (size_t i = 0; i < method.len; i++)
		if (!is_tchar(method.p[i]))
			return fail(h, 400, "malformed method");
	if (parse_version(h, version, req) < 0 || parse_target(h, target, req) < 0)
		return HTTP_PARSE_ERROR;
	if (slice_eq_cstr(method, "GET"))
		req->method = HTTP_GET;
	else if (slice_eq_cstr(method, "HEAD"))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;
	return 0;
}

static struct slice trim_ows(struct slice s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* Connection: a comma-separated list of options (RFC 9110 section 7.6.1). */
static void parse_connection(struct slice v, struct http_request *req)
{
	while (v.len > 0) {
		const uint8_t *comma = memchr(v.p, ',', v.len);
		size_t len = comma != NULL ? (size_t)(comma - v.p) : v.len;
		struct slice opt = trim_ows((struct slice){v.p, len});

		if (slice_casecmp_cstr(opt, "close") == 0)
			req->keep_alive = false;
		else if (slice_casecmp_cstr(opt, "keep-alive") == 0 && req->minor == 0)
			req->keep_alive = true;
		v.p += len;
		v.len -= len;
		if (v.len > 0) {
			v.p++;
			v.len--;
		}
	}
}

/* Content-Length: digits; a list of equal values is tolerated by RFC 9110
 * section 8.6, but nothing here needs a body: any non-zero value (or a
 * malformed one) is enough to know. */
static int parse_content_length(struct head_state *h, struct slice v, struct http_request *req)
{
	bool nonzero = false;

	if (v.len == 0)
		return fail(h, 400, "malformed Content-Length");
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return fail(h, 400, "malformed Content-Length");
		nonzero |= v.p[i] != '0';
	}
	req->has_body |= nonzero;
	return 0;
}

static int parse_field(struct head_state *h, struct slice line, struct http_request *req,
                       bool *host_seen)
{
	const uint8_t *colon;
	struct slice name, value;

	if (line.p[0] == ' ' || line.p[0] == '\t')
		return fail(h, 400, "obsolete line folding");
	colon = memchr(line.p, ':', line.len);
	if (colon == NULL || colon == line.p)
		return fail(h, 400, "malformed header field");
	name = (struct slice){line.p, (size_t)(colon - line.p)};
	for (size_t i = 0; i < name.len; i++) /* whitespace before ':' too (section 5.1) */
		if (!is_tchar(name.p[i]))
			return fail(h, 400, "malformed header field name");
	value = (struct slice){colon + 1, line.len - name.len - 1};
	for (size_t i = 0; i < value.len; i++)
		if (!is_field_char(value.p[i]))
			return fail(h, 400, "bad character in a header field");
	value = trim_ows(value);
	if (++req->n_headers > HTTP_HEADERS_MAX)
		return fail(h, 431, "too many header fields");
	if (slice_casecmp_cstr(name, "Host") == 0) {
		if (*host_seen) /* RFC 9112 section 3.2 */
			return fail(h, 400, "more than one Host field");
		*host_seen = true;
		req->host = value;
	} else if (slice_casecmp_cstr(name, "Connection") == 0) {
		parse_connection(value, req);
	} else if (slice_casecmp_cstr(name, "Content-Length") == 0) {
		return parse_content_length(h, value, req);
	} else if (slice_casecmp_cstr(name, "Transfer-Encoding") == 0) {
		req->has_body = true;
	}
	return 0;
}

int http_parse_request(const uint8_t *p, size_t n, struct http_request *req, size_t *used_r,
                       unsigned *status_r, const char **why_r)
{
	struct head_state h = {.p = p, .n = n, .status_r = status_r, .why_r = why_r};
	struct slice line;
	bool host_seen = false;
	int r;

	memset(req, 0, sizeof(*req));
	if (n == 0)
		return HTTP_PARSE_MORE;
	/* RFC 9112 section 2.2: empty lines before the request line are ignored. */
	while (h.off < n && (p[h.off] == '\n' || (p[h.off] == '\r' && h.off + 1 < n &&
	                                           p[h.off + 1] == '\n')))
		h.off += p[h.off] == '\r' ? 2 : 1;
	r = next_line(&h, 414, &line);
	if (r <= 0)
		return r;
	if (parse_request_line(&h, line, req) < 0)
		return HTTP_PARSE_ERROR;
	for (;;) {
		r = next_line(&h, 431, &line);
		if (r <= 0)
			return r;
		if (line.len == 0)
			break;
		if (parse_field(&h, line, req, &host_seen) < 0)
			return HTTP_PARSE_ERROR;
	}
	if (req->minor >= 1 && !host_seen)
		return fail(&h, 400, "Host field missing");
	*used_r = h.off;
	return HTTP_PARSE_DONE;
}

/* ------------------------------------------------------------------ queries */

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s into out. 0 or -1. */
static int decode_component(struct slice s, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < s.len; i++) {
		int c = s.p[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < s.len ? hexval(s.p[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(s.p[i + 2]) : -1;
			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int http_query_get(struct slice query, const char *name, char *out, size_t outsz)
{
	size_t name_len = strlen(name);

	while (query.len > 0) {
		const uint8_t *amp = memchr(query.p, '&', query.len);
		size_t len = amp != NULL ? (size_t)(amp - query.p) : query.len;
		struct slice pair = {query.p, len};

		if (len > name_len && memcmp(pair.p, name, name_len) == 0 && pair.p[name_len] == '=')
			return decode_component((struct slice){pair.p + name_len + 1,
			                                       len - name_len - 1},
			                        out, outsz) < 0
			           ? -1
			           : 1;
		if (len == name_len && memcmp(pair.p, name, name_len) == 0)
			return decode_component((struct slice){pair.p, 0}, out, outsz) < 0 ? -1 : 1;
		query.p += len;
		query.len -= len;
		if (query.len > 0) {
			query.p++;
			query.len--;
		}
	}
	return 0;
}

const char *http_status_text(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}
