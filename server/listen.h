/* SPDX-License-Identifier: ISC */
/* Listeners: TCP sockets from the [listen] configuration (IPv4 and IPv6),
 * bound while still root and accepting after the privilege drop, with
 * limits on connections in total and per source address. */
#ifndef BALISE_LISTEN_H
#define BALISE_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "cfg.h"

struct conn;
struct tls_ctx;

#define LISTEN_BACKLOG 511
#define LISTEN_IP_BUCKETS 1024 /* per-address counters hash table */
/* IPv6 clients are counted per /64: one host usually owns the whole prefix. */
#define LISTEN_V6_PREFIX_BYTES 8

/* One service (imap, imaps, smtp...) on one or more addresses. */
struct listen_service {
	const char *name;    /* for log lines; copied */
	struct tls_ctx *tls; /* implicit TLS (RFC 8314) when set; referenced, not copied */
	/* Sent in clear to a connection refused by a limit, then closed:
	 * the protocol's greeting-time error ("* BYE ...\r\n", "421 ...\r\n").
	 * NULL, or ignored on implicit-TLS services: the connection is just closed. */
	const char *refuse_msg;
	bool plain; /* no TLS at all (the operator's HTTP endpoint): for the log */
	/* A connection was accepted and counted: create the session and call
	 * conn_set_handler(). Reading (and implicit TLS) has started. */
	void (*on_accept)(struct conn *c, void *arg);
	void *arg;
};

/* A set of listeners sharing the connection limits ([limits]
 * connections_max and connections_per_ip; 0 = no limit). */
struct listen_set *listen_set_new(uv_loop_t *loop, unsigned max_total, unsigned max_per_ip);

/* Creates and binds one socket per address of addrs (SO_REUSEADDR, IPv6
 * sockets IPv6-only so that 0.0.0.0 and [::] can share a port). Call as
 * root. Nothing is accepted before listen_start(). 0, or -1 with
 * "service host:port: reason" in err (earlier sockets stay bound). */
int listen_bind(struct listen_set *s, const struct cfg_listen *addrs,
                const struct listen_service *svc, char *err, size_t errsz);
/* listen(2) on every bound socket: connections are accepted from now on
 * (after the privilege drop; listen(2) needs no privilege). 0 or -1. */
int listen_start(struct listen_set *s, char *err, size_t errsz);
/* Closes the listening sockets (SIGTERM); open connections stay. */
void listen_stop(struct listen_set *s);
/* Stops and releases the set; the memory goes when the last connection
 * accepted through it has closed. Sets *s to NULL. */
void listen_set_free(struct listen_set **s);

/* Number of bound sockets, and the local port of the i-th (in bind
 * order): tests bind port 0 and read the port here. -1 if out of range. */
size_t listen_count(const struct listen_set *s);
int listen_port(const struct listen_set *s, size_t i);
/* Connections counted now, in total and for one source address. */
unsigned listen_active(const struct listen_set *s);
unsigned listen_active_from(const struct listen_set *s, const struct sockaddr *sa);

#endif
