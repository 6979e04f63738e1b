/* SPDX-License-Identifier: ISC */
/* The configuration file: one declarative table of keys (section, name,
 * type, default, bounds, help), parsed and validated once. balised and
 * balisectl ("config check") use the same code.
 *
 * Syntax: "[section]" lines, "key = value" lines, whole-line comments
 * starting with '#' or ';'. A value may be wrapped in double quotes. Unknown
 * sections and keys, duplicates and out-of-range values are errors that name
 * the file, the line and the key. Relative paths are taken relative to the
 * directory of the configuration file. */
#ifndef BALISE_CFG_H
#define BALISE_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_type {
	CFG_STRING,   /* free text */
	CFG_PATH,     /* file or directory; made absolute */
	CFG_UINT,     /* decimal integer within [min, max] */
	CFG_SIZE,     /* bytes, with optional K, M, G, T suffix (powers of 1024) */
	CFG_DURATION, /* seconds, with optional s, m, h, d suffix */
	CFG_BOOL,     /* yes/no, true/false, on/off, 1/0 */
	CFG_LISTEN,   /* comma-separated "IPv4:port" or "[IPv6]:port"; empty = off */
	CFG_LOGLEVEL, /* debug, info, warn, error */
	CFG_ROUTES,   /* comma-separated "domain=host:port"; empty = none */
};

#define CFG_LISTEN_MAX 4
#define CFG_HOST_MAX 46 /* INET6_ADDRSTRLEN */

struct cfg_listen {
	unsigned n;
	struct {
		char host[CFG_HOST_MAX];
		uint16_t port;
		bool v6;
	} addr[CFG_LISTEN_MAX];
};

/* Static routes of the outbound queue: mail for domain goes to host:port
 * (a DNS name, an IPv4 address or [IPv6]) instead of the domain's MX. */
#define CFG_ROUTES_MAX 64
#define CFG_DOMAIN_MAX 253
struct cfg_route {
	char domain[CFG_DOMAIN_MAX + 1]; /* lower case */
	char host[CFG_DOMAIN_MAX + 1];   /* without brackets */
	uint16_t port;
};

struct cfg_routes {
	unsigned n;
	struct cfg_route *route; /* n entries, allocated */
};

struct config {
	char *path; /* the file that was read, absolute */
	char *dir;  /* its directory */

	/* [server] */
	char *hostname;
	char *user;
	char *data_dir;
	char *postmaster;
	int log_level;
	bool log_syslog;

	/* [storage] */
	uint64_t map_size;
	uint64_t map_size_max;

	/* [listen] */
	struct cfg_listen smtp, submission, submissions, imap, imaps, managesieve;
	struct cfg_listen http; /* the operator's HTTP endpoint (server/http/) */

	/* [tls] */
	char *tls_cert;
	char *tls_key;
	char *tls_ca;
	char *tls_crl;
	uint64_t tls_crl_warn; /* seconds before nextUpdate to warn */

	/* [trust] */
	char *whitelist;
	char *annuaire;
	bool redirect_structures; /* ORG, CAB, APP may redirect to trust-space domains */

	/* [auth] */
	uint64_t argon2_t_cost;
	uint64_t argon2_m_cost; /* KiB */
	uint64_t argon2_parallelism;
	uint64_t auth_cache_ttl; /* seconds */

	/* [limits] */
	uint64_t message_size_max;
	uint64_t connections_max;
	uint64_t connections_per_ip;

	/* [queue] */
	uint64_t queue_poll;        /* seconds */
	uint64_t retry_first;       /* seconds */
	uint64_t retry_factor;
	uint64_t retry_max;         /* seconds */
	uint64_t queue_expire;      /* seconds */
	uint64_t delay_notice;      /* seconds, 0 = never */
	uint64_t out_conn_max;
	uint64_t out_conn_per_dest;
	uint64_t out_msgs_per_conn;
	struct cfg_routes routes;
	/* [lifecycle], [inactivity] */
	uint64_t lifecycle_interval; /* seconds between runs of the daily jobs */
	uint64_t inactivity_warn_after;
	uint64_t inactivity_notice;
	char *inactivity_action; /* none, suspend, delete */
	/* [smtp] */
	uint64_t smtp_recipients_max;
	uint64_t smtp_commands_max;
	uint64_t smtp_errors_max;
	uint64_t smtp_idle_timeout; /* seconds */
	bool smtp_header_from_check;
	char *smtp_header_from_exempt; /* comma-separated domains */

	/* [http] */
	bool http_allow_remote; /* [listen] http may be a non-loopback address */

	/* [sandbox] */
	char *sandbox_seccomp; /* on, log, off */
	bool sandbox_landlock;
};

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	size_t offset;   /* into struct config */
	const char *def; /* default as it would be written in the file; NULL = required */
	uint64_t min, max;
	const char *help;
};

/* The key table, for documentation and its check. */
const struct cfg_key *cfg_keys(size_t *n_r);

/* Reads and validates path. On error returns -1 and writes
 * "FILE:LINE: [section] key: reason" into err. cfg must be released with
 * cfg_free() in both cases. */
int cfg_load(const char *path, struct config *cfg, char *err, size_t errsz);
/* Same, from memory (tests, fuzzing); name is used in messages and to resolve
 * relative paths (its directory). */
int cfg_parse(const char *text, size_t len, const char *name, struct config *cfg, char *err,
	      size_t errsz);
void cfg_free(struct config *cfg);

/* Shared value parsers (also used by balisectl's --quota). 0 or -1. */
int cfg_parse_size(const char *s, uint64_t *out_r);
int cfg_parse_duration(const char *s, uint64_t *out_r);
int cfg_parse_listen(const char *s, struct cfg_listen *out_r, const char **why_r);
/* Replaces *out_r (freeing what it held); on error *out_r is left empty. */
int cfg_parse_routes(const char *s, struct cfg_routes *out_r, const char **why_r);
void cfg_routes_free(struct cfg_routes *r);
/* The route for domain (case-insensitive), or NULL. */
const struct cfg_route *cfg_route_find(const struct cfg_routes *r, const char *domain);

#endif
