/* SPDX-License-Identifier: ISC */
/* Routing of outbound mail (see mx.h). */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "util.h"

#define MX_HOSTS_MAX 10
#define MX_ANSWER_MAX 4096

struct mx_host {
	unsigned pref;
	char name[MX_HOST_MAX];
};

/* error = "name: why" */
static void fail(struct mx_result *r, bool permanent, const char *enh, const char *why,
                 const char *name)
{
	r->n = 0;
	r->permanent = permanent;
	str_copy(r->enhanced, sizeof(r->enhanced), enh);
	snprintf(r->error, sizeof(r->error), "%.260s: %s", name, why);
}

/* Adds host's addresses (port) to r. 0, or an EAI_* code. */
static int add_addrs(struct mx_result *r, const char *host, uint16_t port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res, *ai;
	char serv[8];
	int e;

	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	e = getaddrinfo(host, serv, &hints, &res);
	if (e != 0)
		return e;
	for (ai = res; ai != NULL && r->n < MX_ADDRS_MAX; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(r->addr[0].sa))
			continue;
		memset(&r->addr[r->n], 0, sizeof(r->addr[r->n]));
		memcpy(&r->addr[r->n].sa, ai->ai_addr, ai->ai_addrlen);
		str_copy(r->addr[r->n].host, sizeof(r->addr[r->n].host), host);
		r->n++;
	}
	freeaddrinfo(res);
	return 0;
}

static int cmp_pref(const void *a, const void *b)
{
	const struct mx_host *x = a, *y = b;

	return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* MX records of domain into hosts: the count, 0 when the domain has no MX
 * record, -1 with r filled on failure. */
static int query_mx(const char *domain, struct mx_host *hosts, struct mx_result *r)
{
	unsigned char ans[MX_ANSWER_MAX];
	struct __res_state st;
	ns_msg msg;
	ns_rr rr;
	int len, n = 0;

	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) < 0)
		return fail(r, false, "4.4.3", "cannot initialise the resolver", domain), -1;
	len = res_nquery(&st, domain, ns_c_in, ns_t_mx, ans, sizeof(ans));
	if (len < 0) {
		int h = st.res_h_errno;
		res_nclose(&st);
		if (h == HOST_NOT_FOUND)
			return fail(r, true, "5.1.2", "no such domain", domain), -1;
		if (h == NO_DATA)
			return 0;
		return fail(r, false, "4.4.3", "DNS lookup of MX failed", domain), -1;
	}
	res_nclose(&st);
	if (ns_initparse(ans, len, &msg) < 0)
		return fail(r, false, "4.4.3", "malformed DNS answer", domain), -1;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && n < MX_HOSTS_MAX; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != ns_t_mx ||
		    ns_rr_rdlen(rr) < 3)
			continue;
		hosts[n].pref = ns_get16(ns_rr_rdata(rr));
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr) + 2, hosts[n].name,
		              sizeof(hosts[n].name)) < 0)
			continue;
		n++;
	}
	if (n == 1 && (hosts[0].name[0] == '\0' || strcmp(hosts[0].name, ".") == 0))
		return fail(r, true, "5.1.10", "the domain accepts no mail (null MX)", domain), -1;
	qsort(hosts, (size_t)n, sizeof(*hosts), cmp_pref);
	return n;
}

void mx_lookup(const struct cfg_routes *routes, const char *domain, struct mx_result *r)
{
	const struct cfg_route *rt = cfg_route_find(routes, domain);
	struct mx_host hosts[MX_HOSTS_MAX];
	int n, e = 0;

	memset(r, 0, sizeof(*r));
	if (rt != NULL) {
		e = add_addrs(r, rt->host, rt->port);
		if (e != 0 || r->n == 0)
			fail(r, false, "4.4.3", "cannot resolve", rt->host);
		return;
	}
	n = query_mx(domain, hosts, r);
	if (n < 0)
		return;
	if (n == 0) { /* RFC 5321 section 5.1: the domain itself */
		e = add_addrs(r, domain, 25);
		if (e == EAI_NONAME)
			fail(r, true, "5.1.2", "no MX and no address", domain);
		else if (e != 0 || r->n == 0)
			fail(r, false, "4.4.3", "cannot resolve", domain);
		return;
	}
	for (int i = 0; i < n; i++)
		add_addrs(r, hosts[i].name, 25);
	if (r->n == 0)
		fail(r, false, "4.4.3", "no MX host could be resolved", domain);
}

struct mx_job {
	uv_work_t work;
	const struct cfg_routes *routes;
	char domain[MX_HOST_MAX];
	struct mx_result res;
	mx_cb *cb;
	void *arg;
};

static void mx_work(uv_work_t *w)
{
	struct mx_job *j = w->data;

	mx_lookup(j->routes, j->domain, &j->res);
}

static void mx_after(uv_work_t *w, int status)
{
	struct mx_job *j = w->data;

	if (status < 0)
		fail(&j->res, false, "4.4.3", "lookup cancelled", j->domain);
	j->cb(j->arg, &j->res);
	free(j);
}

int mx_resolve(uv_loop_t *loop, const struct cfg_routes *routes, const char *domain, mx_cb *cb,
               void *arg)
{
	struct mx_job *j = xcalloc(1, sizeof(*j));
	int e;

	j->work.data = j;
	j->routes = routes;
	str_copy(j->domain, sizeof(j->domain), domain);
	j->cb = cb;
	j->arg = arg;
	e = uv_queue_work(loop, &j->work, mx_work, mx_after);
	if (e < 0)
		free(j);
	return e;
}
