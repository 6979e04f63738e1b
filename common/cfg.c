/* SPDX-License-Identifier: ISC */
/* Configuration table and parser (see cfg.h for the syntax). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "util.h"

#define OFF(f) offsetof(struct config, f)
#define CFG_LINE_MAX 4096
#define CFG_FILE_MAX (1024 * 1024)

static const struct cfg_key keys[] = {
	{"server", "hostname", CFG_STRING, OFF(hostname), "localhost", 1, 253,
	 "Host name announced in SMTP greetings and Received: headers."},
	{"server", "user", CFG_STRING, OFF(user), "", 0, 32,
	 "Unprivileged user balised switches to after binding its ports (empty: stay)."},
	{"server", "data_dir", CFG_PATH, OFF(data_dir), NULL, 1, PATH_MAX,
	 "Directory of the LMDB environment (created if missing)."},
	{"server", "postmaster", CFG_STRING, OFF(postmaster), "", 0, 254,
	 "Address that signs quota alerts, DSNs and NDRs (empty: postmaster@hostname)."},
	{"server", "log_level", CFG_LOGLEVEL, OFF(log_level), "info", 0, 0,
	 "Least severe level logged: debug, info, warn or error."},
	{"server", "log_syslog", CFG_BOOL, OFF(log_syslog), "no", 0, 0,
	 "Also send log lines to syslog (facility mail)."},

	{"storage", "map_size", CFG_SIZE, OFF(map_size), "256M", 1 << 20, UINT64_MAX,
	 "Initial LMDB map size; grows on demand up to map_size_max."},
	{"storage", "map_size_max", CFG_SIZE, OFF(map_size_max), "256G", 1 << 20, UINT64_MAX,
	 "Largest LMDB map; past it writes fail with \"storage full\"."},

	{"listen", "smtp", CFG_LISTEN, OFF(smtp), "", 0, 0,
	 "SMTP between trust-space operators (STARTTLS, client certificate)."},
	{"listen", "submission", CFG_LISTEN, OFF(submission), "", 0, 0,
	 "Message submission with STARTTLS (RFC 6409)."},
	{"listen", "submissions", CFG_LISTEN, OFF(submissions), "", 0, 0,
	 "Message submission over implicit TLS (RFC 8314)."},
	{"listen", "imap", CFG_LISTEN, OFF(imap), "", 0, 0, "IMAP with STARTTLS."},
	{"listen", "imaps", CFG_LISTEN, OFF(imaps), "", 0, 0, "IMAP over implicit TLS."},
	{"listen", "managesieve", CFG_LISTEN, OFF(managesieve), "", 0, 0,
	 "ManageSieve (RFC 5804) with STARTTLS."},
	{"listen", "http", CFG_LISTEN, OFF(http), "", 0, 0,
	 "Operator HTTP endpoint, plain HTTP: /metrics, /health, mail client autoconfig. "
	 "Loopback addresses only unless [http] allow_remote."},

	{"tls", "cert", CFG_PATH, OFF(tls_cert), "", 0, PATH_MAX,
	 "Server certificate chain (PEM), presented on every TLS port."},
	{"tls", "key", CFG_PATH, OFF(tls_key), "", 0, PATH_MAX, "Private key of cert (PEM)."},
	{"tls", "ca", CFG_PATH, OFF(tls_ca), "", 0, PATH_MAX,
	 "Trust-space CA bundle (IGC Sante; a lab CA in tests) for peer certificates."},
	{"tls", "crl", CFG_PATH, OFF(tls_crl), "", 0, PATH_MAX,
	 "Optional CRL file (PEM) checked against peer certificates."},
	{"tls", "crl_warn", CFG_DURATION, OFF(tls_crl_warn), "3d", 0, 365 * 86400,
	 "Warn (start-up, daily) when the CRL's nextUpdate is this close; 0: only once stale."},

	{"trust", "whitelist", CFG_PATH, OFF(whitelist), "", 0, PATH_MAX,
	 "ANS trust-space whitelist (XML), reloaded when it changes."},
	{"trust", "annuaire", CFG_PATH, OFF(annuaire), "", 0, PATH_MAX,
	 "Annuaire Sante extraction of MSSante BALs (pipe-separated)."},
	{"trust", "redirect_structures", CFG_BOOL, OFF(redirect_structures), "no", 0, 0,
	 "Let ORG, CAB and APP BALs redirect mail (Sieve) to trust-space domains; PER BALs "
	 "follow RE_GBM_4480 whatever this says."},

	{"auth", "argon2_t_cost", CFG_UINT, OFF(argon2_t_cost), "3", 1, 64,
	 "argon2id iterations for new password hashes."},
	{"auth", "argon2_m_cost", CFG_UINT, OFF(argon2_m_cost), "65536", 8, 4194304,
	 "argon2id memory in KiB for new password hashes."},
	{"auth", "argon2_parallelism", CFG_UINT, OFF(argon2_parallelism), "1", 1, 16,
	 "argon2id lanes for new password hashes."},
	{"auth", "cache_ttl", CFG_DURATION, OFF(auth_cache_ttl), "60s", 0, 86400,
	 "How long a successful password check is remembered (keyed hash, in memory)."},

	{"limits", "message_size_max", CFG_SIZE, OFF(message_size_max), "50M", 1024, 1ULL << 32,
	 "Largest message accepted by SMTP and APPEND."},
	{"limits", "connections_max", CFG_UINT, OFF(connections_max), "20000", 1, 1000000,
	 "Open client connections, all protocols together."},
	{"limits", "connections_per_ip", CFG_UINT, OFF(connections_per_ip), "100", 1, 1000000,
	 "Open client connections from one source address."},

	{"queue", "poll_interval", CFG_DURATION, OFF(queue_poll), "5s", 1, 3600,
	 "How often the queue runner looks for due entries (also after balisectl queue retry)."},
	{"queue", "retry_first", CFG_DURATION, OFF(retry_first), "5m", 1, 86400,
	 "Wait after the first failed attempt."},
	{"queue", "retry_factor", CFG_UINT, OFF(retry_factor), "2", 1, 10,
	 "Each further wait is the previous one times this factor..."},
	{"queue", "retry_max", CFG_DURATION, OFF(retry_max), "4h", 1, 7 * 86400,
	 "... up to this longest wait."},
	{"queue", "expire", CFG_DURATION, OFF(queue_expire), "5d", 1, 30 * 86400,
	 "Give-up time after arrival: then an NDR (4.4.7) for the recipients left."},
	{"queue", "delay_notice", CFG_DURATION, OFF(delay_notice), "4h", 0, 30 * 86400,
	 "Age after which a delay notice goes out once for NOTIFY=DELAY (0: never)."},
	{"queue", "connections_max", CFG_UINT, OFF(out_conn_max), "20", 1, 10000,
	 "Outbound SMTP connections open at once, all destinations together."},
	{"queue", "connections_per_destination", CFG_UINT, OFF(out_conn_per_dest), "2", 1, 100,
	 "Outbound SMTP connections open at once to one destination domain."},
	{"queue", "messages_per_connection", CFG_UINT, OFF(out_msgs_per_conn), "100", 1, 100000,
	 "Messages sent over one connection before it is closed (RSET between them)."},
	{"queue", "routes", CFG_ROUTES, OFF(routes), "", 0, 0,
	 "Static routes overriding DNS: \"domain=host:port, ...\"."},
	{"lifecycle", "interval", CFG_DURATION, OFF(lifecycle_interval), "1d", 60, 7 * 86400,
	 "Time between runs of balised's lifecycle jobs (Sent purge, inactivity); the first "
	 "runs at start."},
	{"inactivity", "warn_after", CFG_DURATION, OFF(inactivity_warn_after), "335d", 86400,
	 366 * 86400, "Time without login after which a BAL's users are warned (CNIL: the "
	 "action comes at most a year after the last login)."},
	{"inactivity", "notice", CFG_DURATION, OFF(inactivity_notice), "30d", 86400,
	 366 * 86400, "Time between the warning and the action; a login in between cancels it."},
	{"inactivity", "action", CFG_STRING, OFF(inactivity_action), "none", 4, 7,
	 "What follows the notice without login: none (warn only), suspend, or delete "
	 "(reported for an operator's decision, never done automatically)."},
	{"smtp", "recipients_max", CFG_UINT, OFF(smtp_recipients_max), "100", 1, 1000,
	 "Recipients of one SMTP message (RCPT beyond: 452 4.5.3)."},
	{"smtp", "commands_max", CFG_UINT, OFF(smtp_commands_max), "10000", 10, 10000000,
	 "Commands in one SMTP session before it is closed (421)."},
	{"smtp", "errors_max", CFG_UINT, OFF(smtp_errors_max), "20", 1, 1000,
	 "Refused SMTP commands (5xx) in one session before it is closed (421)."},
	{"smtp", "idle_timeout", CFG_DURATION, OFF(smtp_idle_timeout), "5m", 10, 3600,
	 "SMTP session closed (421) after this long without input."},
	{"smtp", "header_from_check", CFG_BOOL, OFF(smtp_header_from_check), "yes", 0, 0,
	 "Inbound: the header From: domain must be listed for the peer's certificate DN."},
	{"smtp", "header_from_exempt", CFG_STRING, OFF(smtp_header_from_exempt), "", 0, 4000,
	 "Inbound: comma-separated MAIL FROM domains exempt from header_from_check."},

	{"http", "allow_remote", CFG_BOOL, OFF(http_allow_remote), "no", 0, 0,
	 "Let [listen] http take a non-loopback address. The endpoint has no TLS and no "
	 "authentication: put a web server in front of it for remote clients."},

	{"sandbox", "seccomp", CFG_STRING, OFF(sandbox_seccomp), "on", 2, 16,
	 "System-call filter after start-up: on (others kill the process), log (others are "
	 "only logged by the kernel, for debugging) or off."},
	{"sandbox", "landlock", CFG_BOOL, OFF(sandbox_landlock), "yes", 0, 0,
	 "Landlock file rules after start-up (where the kernel has them): data_dir read-write, "
	 "configuration, certificate, whitelist and annuaire directories read-only."},
};

const struct cfg_key *cfg_keys(size_t *n_r)
{
	*n_r = ARRAY_LEN(keys);
	return keys;
}

struct cfg_unit {
	char suffix;
	uint64_t mult;
};

/* Digits followed by at most one unit suffix (matched case-insensitively
 * when fold is set) and, when trailer is given, one optional trailing char. */
static int parse_scaled(const char *s, const struct cfg_unit *units, size_t n_units, bool fold,
			char trailer, uint64_t *out_r)
{
	uint64_t mult = 1, v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	for (size_t i = 0; *end != '\0' && i < n_units; i++) {
		char c = fold ? (char)toupper((unsigned char)*end) : *end;
		if (c == units[i].suffix) {
			mult = units[i].mult;
			end++;
			break;
		}
	}
	if (trailer != '\0' && toupper((unsigned char)*end) == trailer)
		end++;
	if (*end != '\0' || (v != 0 && mult > UINT64_MAX / v))
		return -1;
	*out_r = v * mult;
	return 0;
}

int cfg_parse_size(const char *s, uint64_t *out_r)
{
	static const struct cfg_unit units[] = {
		{'K', 1ULL << 10}, {'M', 1ULL << 20}, {'G', 1ULL << 30}, {'T', 1ULL << 40}};

	return parse_scaled(s, units, ARRAY_LEN(units), true, 'B', out_r);
}

int cfg_parse_duration(const char *s, uint64_t *out_r)
{
	static const struct cfg_unit units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};

	return parse_scaled(s, units, ARRAY_LEN(units), false, '\0', out_r);
}

static int parse_port(const char *s, uint16_t *port_r)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
		return -1;
	*port_r = (uint16_t)v;
	return 0;
}

static int parse_one_listen(char *item, struct cfg_listen *l, const char **why_r)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	char *host = item, *port;
	bool v6 = false;

	if (*host == '[') {
		char *close = strchr(host, ']');
		if (close == NULL || close[1] != ':') {
			*why_r = "IPv6 address must be written [ADDR]:PORT";
			return -1;
		}
		*close = '\0';
		host++;
		port = close + 2;
		v6 = true;
	} else {
		port = strrchr(host, ':');
		if (port == NULL) {
			*why_r = "missing :PORT";
			return -1;
		}
		*port++ = '\0';
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, tmp) != 1) {
		*why_r = v6 ? "not an IPv6 address" : "not an IPv4 address";
		return -1;
	}
	if (parse_port(port, &l->addr[l->n].port) < 0) {
		*why_r = "port must be 1-65535";
		return -1;
	}
	if (l->n >= CFG_LISTEN_MAX) {
		*why_r = "too many addresses (at most 4)";
		return -1;
	}
	str_copy(l->addr[l->n].host, sizeof(l->addr[l->n].host), host);
	l->addr[l->n].v6 = v6;
	l->n++;
	return 0;
}

int cfg_parse_listen(const char *s, struct cfg_listen *out_r, const char **why_r)
{
	char *copy = xstrdup(s), *save = NULL, *item;
	int r = 0;

	memset(out_r, 0, sizeof(*out_r));
	for (item = strtok_r(copy, ", \t", &save); item != NULL; item = strtok_r(NULL, ", \t", &save)) {
		if (out_r->n >= CFG_LISTEN_MAX) {
			*why_r = "too many addresses (at most 4)";
			r = -1;
			break;
		}
		if (parse_one_listen(item, out_r, why_r) < 0) {
			r = -1;
			break;
		}
	}
	free(copy);
	return r;
}

/* 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z). */
static bool listen_is_loopback(const struct cfg_listen *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct in6_addr a6;
		struct in_addr a4;

		if (!l->addr[i].v6) {
			if (inet_pton(AF_INET, l->addr[i].host, &a4) != 1 ||
			    (ntohl(a4.s_addr) >> 24) != 127)
				return false;
			continue;
		}
		if (inet_pton(AF_INET6, l->addr[i].host, &a6) != 1)
			return false;
		if (!IN6_IS_ADDR_LOOPBACK(&a6) &&
		    !(IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127))
			return false;
	}
	return true;
}

void cfg_routes_free(struct cfg_routes *r)
{
	free(r->route);
	r->route = NULL;
	r->n = 0;
}

/* A host name (letters, digits, '-', '.'), or an IP address. */
static bool route_host_ok(const char *h, bool v6)
{
	unsigned char tmp[sizeof(struct in6_addr)];

	if (v6)
		return inet_pton(AF_INET6, h, tmp) == 1;
	if (*h == '\0' || *h == '.' || *h == '-')
		return false;
	for (; *h != '\0'; h++)
		if (!isalnum((unsigned char)*h) && *h != '-' && *h != '.')
			return false;
	return true;
}

/* "domain=host:port" or "domain=[v6]:port" into rt. */
static int parse_one_route(char *item, struct cfg_route *rt, const char **why_r)
{
	char *eq = strchr(item, '='), *host, *port;
	bool v6 = false;

	if (eq == NULL || eq == item)
		return *why_r = "expected domain=host:port", -1;
	*eq = '\0';
	host = eq + 1;
	if (*host == '[') {
		char *close = strchr(host, ']');
		if (close == NULL || close[1] != ':')
			return *why_r = "IPv6 address must be written [ADDR]:PORT", -1;
		*close = '\0';
		host++;
		port = close + 2;
		v6 = true;
	} else {
		port = strrchr(host, ':');
		if (port == NULL)
			return *why_r = "missing :PORT", -1;
		*port++ = '\0';
	}
	if (!route_host_ok(item, false) || str_copy(rt->domain, sizeof(rt->domain), item) < 0)
		return *why_r = "not a domain name", -1;
	if (!route_host_ok(host, v6) || str_copy(rt->host, sizeof(rt->host), host) < 0)
		return *why_r = "not a host name or address", -1;
	if (parse_port(port, &rt->port) < 0)
		return *why_r = "port must be 1-65535", -1;
	for (char *p = rt->domain; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

int cfg_parse_routes(const char *s, struct cfg_routes *out_r, const char **why_r)
{
	char *copy = xstrdup(s), *save = NULL, *item;
	int r = 0;

	cfg_routes_free(out_r);
	out_r->route = xcalloc(CFG_ROUTES_MAX, sizeof(*out_r->route));
	for (item = strtok_r(copy, ", \t", &save); item != NULL; item = strtok_r(NULL, ", \t", &save)) {
		if (out_r->n >= CFG_ROUTES_MAX) {
			*why_r = "too many routes (at most 64)";
			r = -1;
			break;
		}
		if (parse_one_route(item, &out_r->route[out_r->n], why_r) < 0) {
			r = -1;
			break;
		}
		if (cfg_route_find(out_r, out_r->route[out_r->n].domain) != NULL) {
			*why_r = "domain routed twice";
			r = -1;
			break;
		}
		out_r->n++;
	}
	free(copy);
	if (r < 0)
		cfg_routes_free(out_r);
	return r;
}

const struct cfg_route *cfg_route_find(const struct cfg_routes *r, const char *domain)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcasecmp(r->route[i].domain, domain) == 0)
			return &r->route[i];
	return NULL;
}

static int parse_bool(const char *s, bool *out_r)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out_r = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out_r = false;
			return 0;
		}
	}
	return -1;
}

static char *make_path(const struct config *cfg, const char *v)
{
	char *p;
	size_t n;

	if (*v == '\0' || *v == '/')
		return xstrdup(v);
	n = strlen(cfg->dir) + 1 + strlen(v) + 1;
	p = xmalloc(n);
	snprintf(p, n, "%s/%s", cfg->dir, v);
	return p;
}

/* Stores value v for key k; returns NULL or a reason. */
static const char *set_value(struct config *cfg, const struct cfg_key *k, const char *v)
{
	void *field = (char *)cfg + k->offset;
	uint64_t n;
	const char *why = NULL;
	int lvl;

	switch (k->type) {
	case CFG_STRING:
	case CFG_PATH:
		if (strlen(v) < k->min)
			return "value must not be empty";
		if (strlen(v) > k->max)
			return "value too long";
		if (memchr(v, '\0', strlen(v)) != NULL)
			return "value contains NUL";
		free(*(char **)field);
		*(char **)field = k->type == CFG_PATH ? make_path(cfg, v) : xstrdup(v);
		return NULL;
	case CFG_UINT:
	case CFG_SIZE:
	case CFG_DURATION: {
		int r;
		if (k->type == CFG_UINT) {
			char *end;
			errno = 0;
			n = strtoull(v, &end, 10);
			r = (!isdigit((unsigned char)*v) || errno || *end) ? -1 : 0;
		} else if (k->type == CFG_SIZE) {
			r = cfg_parse_size(v, &n);
		} else {
			r = cfg_parse_duration(v, &n);
		}
		if (r < 0)
			return k->type == CFG_SIZE       ? "not a size (digits with optional K, M, G, T)"
			       : k->type == CFG_DURATION ? "not a duration (digits with optional s, m, h, d)"
							 : "not a number";
		if (n < k->min || n > k->max)
			return "value out of range";
		*(uint64_t *)field = n;
		return NULL;
	}
	case CFG_BOOL:
		if (parse_bool(v, (bool *)field) < 0)
			return "expected yes or no";
		return NULL;
	case CFG_LISTEN:
		if (cfg_parse_listen(v, (struct cfg_listen *)field, &why) < 0)
			return why;
		return NULL;
	case CFG_ROUTES:
		if (cfg_parse_routes(v, (struct cfg_routes *)field, &why) < 0)
			return why;
		return NULL;
	case CFG_LOGLEVEL:
		lvl = log_level_parse(v);
		if (lvl < 0)
			return "expected debug, info, warn or error";
		*(int *)field = lvl;
		return NULL;
	}
	return "internal: unknown key type";
}

static const struct cfg_key *find_key(const char *section, const char *name, bool *section_ok_r)
{
	*section_ok_r = false;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		*section_ok_r = true;
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

struct parse_state {
	struct config *cfg;
	const char *name;
	char section[64];
	bool seen[ARRAY_LEN(keys)];
	char *err;
	size_t errsz;
	unsigned lineno;
};

static int perr(struct parse_state *ps, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parse_state *ps, const char *key, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (key != NULL)
		snprintf(ps->err, ps->errsz, "%s:%u: [%s] %s: %s", ps->name, ps->lineno, ps->section,
			 key, why);
	else
		snprintf(ps->err, ps->errsz, "%s:%u: %s", ps->name, ps->lineno, why);
	return -1;
}

static int parse_line(struct parse_state *ps, char *line)
{
	const struct cfg_key *k;
	bool section_ok;
	char *eq, *key, *val, *why;
	const char *reason;

	line = trim(line);
	if (*line == '\0' || *line == '#' || *line == ';')
		return 0;
	if (*line == '[') {
		char *close = strchr(line, ']');
		if (close == NULL || close[1] != '\0')
			return perr(ps, NULL, "malformed section header (expected [name])");
		*close = '\0';
		why = trim(line + 1);
		if (str_copy(ps->section, sizeof(ps->section), why) < 0 ||
		    (find_key(ps->section, "", &section_ok), !section_ok))
			return perr(ps, NULL, "unknown section [%.60s]", why);
		return 0;
	}
	eq = strchr(line, '=');
	if (eq == NULL)
		return perr(ps, NULL, "expected \"key = value\"");
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (ps->section[0] == '\0')
		return perr(ps, NULL, "key %.60s outside any [section]", key);
	k = find_key(ps->section, key, &section_ok);
	if (k == NULL)
		return perr(ps, NULL, "unknown key \"%.60s\" in [%s]", key, ps->section);
	if (ps->seen[k - keys])
		return perr(ps, k->name, "given twice");
	ps->seen[k - keys] = true;
	if (*val == '"') {
		size_t n = strlen(val);
		if (n < 2 || val[n - 1] != '"')
			return perr(ps, k->name, "unterminated quoted value");
		val[n - 1] = '\0';
		val++;
	}
	reason = set_value(ps->cfg, k, val);
	if (reason != NULL)
		return perr(ps, k->name, "%s (got \"%.80s\")", reason, val);
	return 0;
}

static void set_dir(struct config *cfg, const char *name)
{
	char *copy = xstrdup(name), *abs = NULL, *d;

	if (name[0] != '/') {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			fatal("getcwd: %s", strerror(errno));
		size_t n = strlen(cwd) + strlen(name) + 2;
		abs = xmalloc(n);
		snprintf(abs, n, "%s/%s", cwd, name);
	} else {
		abs = xstrdup(name);
	}
	free(copy);
	cfg->path = abs;
	copy = xstrdup(abs);
	d = dirname(copy);
	cfg->dir = xstrdup(d);
	free(copy);
}

int cfg_parse(const char *text, size_t len, const char *name, struct config *cfg, char *err,
	      size_t errsz)
{
	struct parse_state ps = {.cfg = cfg, .name = name, .err = err, .errsz = errsz};
	char line[CFG_LINE_MAX];
	size_t i = 0;

	memset(cfg, 0, sizeof(*cfg));
	set_dir(cfg, name);
	err[0] = '\0';
	while (i < len) {
		size_t start = i, n;
		while (i < len && text[i] != '\n')
			i++;
		n = i - start;
		ps.lineno++;
		if (i < len)
			i++;
		if (n >= sizeof(line))
			return perr(&ps, NULL, "line longer than %d bytes", CFG_LINE_MAX - 1);
		if (memchr(text + start, '\0', n) != NULL)
			return perr(&ps, NULL, "NUL byte in line");
		memcpy(line, text + start, n);
		line[n] = '\0';
		if (parse_line(&ps, line) < 0)
			return -1;
	}
	ps.lineno = 0;
	for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
		const char *why;
		if (ps.seen[k])
			continue;
		if (keys[k].def == NULL) {
			snprintf(err, errsz, "%s: [%s] %s: required key missing", name, keys[k].section,
				 keys[k].name);
			return -1;
		}
		why = set_value(cfg, &keys[k], keys[k].def);
		if (why != NULL)
			fatal("default of [%s] %s: %s", keys[k].section, keys[k].name, why);
	}
	if (cfg->map_size > cfg->map_size_max) {
		snprintf(err, errsz, "%s: [storage] map_size: larger than map_size_max", name);
		return -1;
	}
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0')) {
		snprintf(err, errsz, "%s: [tls] cert and key must be given together", name);
		return -1;
	}
	if (!cfg->http_allow_remote && !listen_is_loopback(&cfg->http)) {
		snprintf(err, errsz,
		         "%s: [listen] http: not a loopback address (set [http] allow_remote = yes "
		         "to serve it elsewhere)",
		         name);
		return -1;
	}
	if (strcmp(cfg->inactivity_action, "none") != 0 &&
	    strcmp(cfg->inactivity_action, "suspend") != 0 &&
	    strcmp(cfg->inactivity_action, "delete") != 0) {
		snprintf(err, errsz, "%s: [inactivity] action: expected none, suspend or delete", name);
		return -1;
	}
	if (strcmp(cfg->sandbox_seccomp, "on") != 0 && strcmp(cfg->sandbox_seccomp, "log") != 0 &&
	    strcmp(cfg->sandbox_seccomp, "off") != 0) {
		snprintf(err, errsz, "%s: [sandbox] seccomp: expected on, log or off", name);
		return -1;
	}
	return 0;
}

int cfg_load(const char *path, struct config *cfg, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (f == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	text = xmalloc(CFG_FILE_MAX + 1);
	n = fread(text, 1, CFG_FILE_MAX + 1, f);
	if (ferror(f) || n > CFG_FILE_MAX) {
		snprintf(err, errsz, "%s: %s", path, ferror(f) ? "read error" : "file larger than 1 MiB");
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	r = cfg_parse(text, n, path, cfg, err, errsz);
	free(text);
	return r;
}

void cfg_free(struct config *cfg)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].type == CFG_STRING || keys[i].type == CFG_PATH) {
			char **p = (char **)((char *)cfg + keys[i].offset);
			free(*p);
			*p = NULL;
		}
	}
	cfg_routes_free(&cfg->routes);
	free(cfg->path);
	free(cfg->dir);
	cfg->path = cfg->dir = NULL;
}
