/* SPDX-License-Identifier: ISC */
/* Listening sockets and the per-address / total connection limits. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define LISTEN_KEY_LEN 16

struct listener {
	uv_tcp_t tcp;
	struct listen_set *set;
	struct listener *next;
	struct listen_service svc;
	char *name;
	char addr[CFG_HOST_MAX + 8];
	int port;
	int proto; /* metrics_proto_of(name), -1 when not counted */
};

/* What a counted connection gives back when it goes. */
struct ticket {
	struct ip_count *e;
	int proto;
};

/* Connections from one source address (IPv4, or an IPv6 /64). */
struct ip_count {
	struct ip_count *next;
	struct listen_set *set;
	uint8_t key[LISTEN_KEY_LEN];
	unsigned n;
};

struct listen_set {
	uv_loop_t *loop;
	struct listener *listeners;
	size_t n_listeners;
	unsigned max_total, max_per_ip, total;
	unsigned refs; /* 1 for the owner + open listeners + counted connections */
	bool freed;
	uint32_t seed;
	struct ip_count *buckets[LISTEN_IP_BUCKETS];
};

struct listen_set *listen_set_new(uv_loop_t *loop, unsigned max_total, unsigned max_per_ip)
{
	struct listen_set *s = xcalloc(1, sizeof(*s));

	s->loop = loop;
	s->max_total = max_total;
	s->max_per_ip = max_per_ip;
	s->refs = 1;
	/* Not a secret, just not the same chains on every run. */
	s->seed = (uint32_t)time_now_ms() ^ (uint32_t)(uintptr_t)s;
	return s;
}

static void set_unref(struct listen_set *s)
{
	if (--s->refs > 0)
		return;
	for (size_t i = 0; i < LISTEN_IP_BUCKETS; i++) {
		struct ip_count *e = s->buckets[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(s);
}

/* ------------------------------------------------------------------ per-address counters */

static void addr_key(const struct sockaddr *sa, uint8_t key[LISTEN_KEY_LEN])
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(key, 0, LISTEN_KEY_LEN);
	if (sa->sa_family == AF_INET) {
		memcpy(key, v4mapped, sizeof(v4mapped));
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0)
			memcpy(key, a, LISTEN_KEY_LEN); /* same key as the plain IPv4 form */
		else
			memcpy(key, a, LISTEN_V6_PREFIX_BYTES);
	}
}

static size_t key_hash(const struct listen_set *s, const uint8_t *key)
{
	uint32_t h = 2166136261u ^ s->seed; /* FNV-1a */

	for (size_t i = 0; i < LISTEN_KEY_LEN; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % LISTEN_IP_BUCKETS;
}

static struct ip_count **ip_find(struct listen_set *s, const uint8_t *key)
{
	struct ip_count **pp = &s->buckets[key_hash(s, key)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if (memcmp((*pp)->key, key, LISTEN_KEY_LEN) == 0)
			break;
	return pp;
}

unsigned listen_active(const struct listen_set *s)
{
	return s->total;
}

unsigned listen_active_from(const struct listen_set *s, const struct sockaddr *sa)
{
	uint8_t key[LISTEN_KEY_LEN];
	struct ip_count **pp;

	addr_key(sa, key);
	pp = ip_find((struct listen_set *)s, key);
	return *pp != NULL ? (*pp)->n : 0;
}

/* Called by the connection when it is gone. */
static void ip_release(void *arg)
{
	struct ip_count *e = arg;
	struct listen_set *s = e->set;

	s->total--;
	if (--e->n == 0) {
		struct ip_count **pp = ip_find(s, e->key);
		*pp = e->next;
		free(e);
	}
	set_unref(s);
}

static void ticket_release(void *arg)
{
	struct ticket *t = arg;

	metrics_conn_close(t->proto);
	ip_release(t->e);
	free(t);
}

/* Counts the connection, or returns NULL and why when a limit says no. */
static struct ip_count *ip_take(struct listen_set *s, const struct sockaddr *sa, const char **why_r)
{
	uint8_t key[LISTEN_KEY_LEN];
	struct ip_count **pp, *e;

	if (s->max_total > 0 && s->total >= s->max_total) {
		*why_r = "connections_max";
		return NULL;
	}
	addr_key(sa, key);
	pp = ip_find(s, key);
	e = *pp;
	if (e != NULL && s->max_per_ip > 0 && e->n >= s->max_per_ip) {
		*why_r = "connections_per_ip";
		return NULL;
	}
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->set = s;
		memcpy(e->key, key, LISTEN_KEY_LEN);
		*pp = e;
	}
	e->n++;
	s->total++;
	s->refs++;
	return e;
}

/* ------------------------------------------------------------------ accepting */

static void on_connection(uv_stream_t *server, int status)
{
	struct listener *l = server->data;
	struct conn *c;
	struct ip_count *e;
	struct ticket *t;
	const char *why = NULL;

	if (status < 0) {
		log_warn("listen service=%s addr=%s accept-error=%s", l->name, l->addr,
		         uv_strerror(status));
		return;
	}
	c = conn_accept(server);
	if (c == NULL)
		return;
	e = ip_take(l->set, (const struct sockaddr *)conn_peer_addr(c), &why);
	if (e == NULL) {
		/* RFC 3501 section 7.1.5 / RFC 5321 section 3.8: the protocol's
		 * greeting-time refusal, then close. */
		log_info("%s listen refused service=%s peer=%s limit=%s", conn_id(c), l->name,
		         conn_peer(c), why);
		conn_start(c, NULL);
		if (l->svc.tls == NULL && l->svc.refuse_msg != NULL)
			conn_write_str(c, l->svc.refuse_msg);
		conn_close(c);
		return;
	}
	t = xcalloc(1, sizeof(*t));
	t->e = e;
	t->proto = l->proto;
	metrics_conn_open(t->proto);
	conn_set_release(c, ticket_release, t);
	log_debug("%s listen accept service=%s peer=%s", conn_id(c), l->name, conn_peer(c));
	conn_start(c, l->svc.tls);
	l->svc.on_accept(c, l->svc.arg);
}

/* ------------------------------------------------------------------ binding */

static void listener_close_cb(uv_handle_t *h)
{
	struct listener *l = h->data;
	struct listen_set *s = l->set;

	free(l->name);
	free(l);
	set_unref(s);
}

static int bind_one(struct listen_set *s, const char *host, unsigned port, bool v6,
                    const struct listen_service *svc, char *err, size_t errsz)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	struct sockaddr_storage ss;
	int r, on = 1, namelen = sizeof(ss);
	uv_os_fd_t fd;

	l->set = s;
	l->svc = *svc;
	l->name = xstrdup(svc->name);
	l->proto = metrics_proto_of(svc->name);
	snprintf(l->addr, sizeof(l->addr), v6 ? "[%s]:%u" : "%s:%u", host, port);
	r = v6 ? uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)&ss)
	       : uv_ip4_addr(host, (int)port, (struct sockaddr_in *)&ss);
	if (r < 0) {
		snprintf(err, errsz, "%s %s: bad address: %s", l->name, l->addr, uv_strerror(r));
		free(l->name);
		free(l);
		return -1;
	}
	uv_tcp_init_ex(s->loop, &l->tcp, v6 ? AF_INET6 : AF_INET);
	l->tcp.data = l;
	s->refs++;
	/* Restart without waiting for TIME_WAIT sockets of the previous run. */
	if (uv_fileno((uv_handle_t *)&l->tcp, &fd) == 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	r = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, v6 ? UV_TCP_IPV6ONLY : 0);
	if (r == 0)
		r = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &namelen);
	if (r == 0) {
		l->port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
		                   : ((struct sockaddr_in *)&ss)->sin_port);
		/* libuv reports EADDRINUSE only at listen time; an unbound
		 * socket still has port 0: say it now, while root. */
		if (port != 0 && l->port == 0)
			r = UV_EADDRINUSE;
	}
	if (r < 0) {
		snprintf(err, errsz, "%s %s: cannot bind: %s", l->name, l->addr, uv_strerror(r));
		uv_close((uv_handle_t *)&l->tcp, listener_close_cb);
		return -1;
	}
	l->next = s->listeners;
	s->listeners = l;
	s->n_listeners++;
	return 0;
}

int listen_bind(struct listen_set *s, const struct cfg_listen *addrs,
                const struct listen_service *svc, char *err, size_t errsz)
{
	for (unsigned i = 0; i < addrs->n; i++)
		if (bind_one(s, addrs->addr[i].host, addrs->addr[i].port, addrs->addr[i].v6, svc,
		             err, errsz) < 0)
			return -1;
	return 0;
}

int listen_start(struct listen_set *s, char *err, size_t errsz)
{
	for (struct listener *l = s->listeners; l != NULL; l = l->next) {
		int r = uv_listen((uv_stream_t *)&l->tcp, LISTEN_BACKLOG, on_connection);
		if (r < 0) {
			snprintf(err, errsz, "%s %s: cannot listen: %s", l->name, l->addr,
			         uv_strerror(r));
			return -1;
		}
		log_info("listen service=%s addr=%s tls=%s", l->name, l->addr,
		         l->svc.tls != NULL ? "implicit" : l->svc.plain ? "none" : "starttls");
	}
	return 0;
}

void listen_stop(struct listen_set *s)
{
	struct listener *l = s->listeners, *next;

	for (; l != NULL; l = next) {
		next = l->next;
		uv_close((uv_handle_t *)&l->tcp, listener_close_cb);
	}
	s->listeners = NULL;
	s->n_listeners = 0;
}

void listen_set_free(struct listen_set **sp)
{
	struct listen_set *s = *sp;

	if (s == NULL)
		return;
	listen_stop(s);
	*sp = NULL;
	set_unref(s);
}

size_t listen_count(const struct listen_set *s)
{
	return s->n_listeners;
}

int listen_port(const struct listen_set *s, size_t i)
{
	/* The list is in reverse bind order. */
	const struct listener *l = s->listeners;
	size_t k;

	if (i >= s->n_listeners)
		return -1;
	for (k = s->n_listeners - 1 - i; k > 0; k--)
		l = l->next;
	return l->port;
}
