/* SPDX-License-Identifier: ISC */
/* Where mail for a domain goes: the static route of the configuration when
 * there is one, else the domain's MX records in preference order (RFC 5321
 * section 5.1: no MX means the domain's own A/AAAA; a null MX, RFC 7505,
 * means the domain takes no mail), each host resolved to its addresses. The
 * DNS work runs on the libuv thread pool, never on the loop. */
#ifndef BALISE_MX_H
#define BALISE_MX_H

#include <stdbool.h>
#include <sys/socket.h>
#include <uv.h>

#include "cfg.h"

#define MX_ADDRS_MAX 16
#define MX_HOST_MAX 254
#define MX_ERR_MAX 384

struct mx_addr {
	struct sockaddr_storage sa;
	char host[MX_HOST_MAX]; /* the MX (or route) host name the address belongs to */
};

struct mx_result {
	unsigned n; /* addresses to try in order; 0 on failure */
	struct mx_addr addr[MX_ADDRS_MAX];
	bool permanent;    /* the failure is final (no such domain, null MX) */
	char enhanced[16]; /* RFC 3463 code of the failure */
	char error[MX_ERR_MAX];
};

typedef void mx_cb(void *arg, const struct mx_result *r);

/* Resolves domain (the route table, then DNS) on the thread pool and calls
 * cb on the loop. routes must stay valid until then. 0, or a libuv error
 * without calling cb. */
int mx_resolve(uv_loop_t *loop, const struct cfg_routes *routes, const char *domain, mx_cb *cb,
               void *arg);

/* The blocking part (tests call it directly). */
void mx_lookup(const struct cfg_routes *routes, const char *domain, struct mx_result *r);

#endif
