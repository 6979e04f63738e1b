/* SPDX-License-Identifier: ISC */
/* Fuzz target: what a client sends to the operator HTTP endpoint. The
 * input is parsed as the session does (request after request, pipelined);
 * each complete head's path, host and query go through the autoconfig
 * domain reading and the XML writer; every prefix of the first head must
 * answer "more" or the same outcome (the parser sees partial input). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parser.h"
#include "http_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_request(const struct http_request *req)
{
	char email[321], host[300];
	struct http_autoconfig ac = {.hostname = "mx.example", .imaps_port = 993};
	struct buf out;
	size_t n = req->host.len < sizeof(host) - 1 ? req->host.len : sizeof(host) - 1;

	if (req->path.len == 0 || req->path.p[0] != '/')
		abort();
	if (n > 0)
		memcpy(host, req->host.p, n);
	host[n] = '\0';
	buf_init(&out, 0);
	if (http_query_get(req->query, "emailaddress", email, sizeof(email)) == 1) {
		if (strlen(email) >= sizeof(email))
			abort();
		ac.domain = email;
	} else {
		ac.domain = host;
	}
	http_autoconfig_render(&out, &ac);
	buf_cstr(&out);
	if (strchr((const char *)out.data, '<') == NULL)
		abort();
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	size_t off = 0, used = 0, first = 0;
	unsigned status = 0, first_status = 0;
	const char *why = NULL;
	int r, first_r;

	first_r = http_parse_request(data, size, &req, &first, &first_status, &why);
	/* A prefix never says more than the whole: an error found early stays. */
	for (size_t i = 0; i < size && i < 512; i++) {
		r = http_parse_request(data, i, &req, &used, &status, &why);
		if (r == HTTP_PARSE_DONE && (first_r != HTTP_PARSE_DONE || used != first))
			abort();
	}
	while (off < size) {
		r = http_parse_request(data + off, size - off, &req, &used, &status, &why);
		if (r == HTTP_PARSE_ERROR) {
			if (why == NULL || (status != 400 && status != 414 && status != 431 &&
			                    status != 505))
				abort();
			break;
		}
		if (r == HTTP_PARSE_MORE)
			break;
		if (used == 0 || used > size - off)
			abort();
		use_request(&req);
		off += used;
	}
	return 0;
}
