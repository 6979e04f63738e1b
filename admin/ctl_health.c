/* SPDX-License-Identifier: ISC */
/* balisectl health: is the balised of this configuration answering?
 * With [listen] http, GET /health on it: 200 is healthy, 503 carries the
 * reason (docs/monitoring.md). Without it, the greeting of the first
 * plain-text listener ([listen] imap, else smtp, else submission): "* OK"
 * for IMAP, "220" for SMTP. Exit 0 healthy, 1 not (the reason on stderr).
 * The container image's HEALTHCHECK (docker/Dockerfile) and monitoring
 * scripts use it; nothing is logged in. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "util.h"

#define HEALTH_TIMEOUT_MS 5000
#define HEALTH_GREETING_MAX 512
#define HEALTH_HTTP_MAX 4096 /* an answer of /health is a few lines */

struct health_probe {
	const char *service;
	const struct cfg_listen *listen;
	const char *expect; /* the greeting starts with it */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The address to connect to for a listen address: the wildcard addresses
 * (0.0.0.0, ::) are reached on loopback. 0, or -1 when host is not an
 * address. */
static int health_sockaddr(const char *host, uint16_t port, bool v6, struct sockaddr_storage *ss,
                           socklen_t *len_r)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			s6->sin6_addr = in6addr_loopback;
		*len_r = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return -1;
	if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len_r = sizeof(*s4);
	return 0;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready, 0
 * timed out, -1 error. */
static int health_wait(int fd, short events, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	do {
		long long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* Connects without blocking past the deadline; the socket, or -1 with why. */
static int health_connect(const struct sockaddr_storage *ss, socklen_t len, long long deadline,
                          const char **why_r)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;
	socklen_t errlen = sizeof(err);

	if (fd < 0) {
		*why_r = strerror(errno);
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*why_r = strerror(errno);
	} else if (health_wait(fd, POLLOUT, deadline) <= 0) {
		*why_r = "connection timed out";
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 || err != 0) {
		*why_r = strerror(err != 0 ? err : errno);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* Reads the first line the server sends (up to the deadline) into buf. */
static int health_read_line(int fd, char *buf, size_t bufsz, long long deadline,
                            const char **why_r)
{
	size_t n = 0;

	while (n + 1 < bufsz && memchr(buf, '\n', n) == NULL) {
		int w = health_wait(fd, POLLIN, deadline);
		if (w <= 0) {
			*why_r = w == 0 ? "no greeting before the time-out" : strerror(errno);
			return -1;
		}
		ssize_t r = read(fd, buf + n, bufsz - 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			*why_r = r == 0 ? "connection closed before the greeting" : strerror(errno);
			return -1;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* "balisectl health: " on stderr, for a message with server text in it
 * (printed with ctl_print_text). */
static void health_fail_prefix(struct ctl *ctl)
{
	fprintf(stderr, "%s: %s%s%s: ", CTL_PROG, ctl->cmd->noun, ctl->cmd->verb[0] ? " " : "",
	        ctl->cmd->verb);
}

/* Connects to the first address of listen; the socket, or -1 (printed). */
static int health_open(struct ctl *ctl, const char *service, const struct cfg_listen *listen,
                       long long deadline)
{
	const char *host = listen->addr[0].host, *why = NULL;
	uint16_t port = listen->addr[0].port;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (health_sockaddr(host, port, listen->addr[0].v6, &ss, &len) != 0) {
		ctl_fail(ctl, "[listen] %s: \"%s\" is not an address", service, host);
		return -1;
	}
	fd = health_connect(&ss, len, deadline, &why);
	if (fd < 0)
		ctl_fail(ctl, "%s on %s port %u: %s", service, host, port, why);
	return fd;
}

/* Writes all of s before the deadline; 0, or -1 with why. */
static int health_write(int fd, const char *s, long long deadline, const char **why_r)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		if (health_wait(fd, POLLOUT, deadline) <= 0) {
			*why_r = "request not sent before the time-out";
			return -1;
		}
		ssize_t w = write(fd, s + off, len - off);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0) {
			*why_r = strerror(errno);
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* Reads until the server closes (or buf is full) before the deadline. */
static int health_read_all(int fd, char *buf, size_t bufsz, long long deadline,
                           const char **why_r)
{
	size_t n = 0;

	for (;;) {
		int w = health_wait(fd, POLLIN, deadline);
		if (w <= 0) {
			*why_r = w == 0 ? "no complete answer before the time-out" : strerror(errno);
			return -1;
		}
		ssize_t r = read(fd, buf + n, bufsz - 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			*why_r = strerror(errno);
			return -1;
		}
		n += (size_t)r;
		if (r == 0 || n + 1 == bufsz)
			break;
	}
	buf[n] = '\0';
	return 0;
}

/* GET /health on [listen] http: 0 on "200", else the status and the body's
 * first line (balised's reason) printed. */
static int health_http(struct ctl *ctl)
{
	const struct cfg_listen *l = &ctl->cfg.http;
	char answer[HEALTH_HTTP_MAX], *body;
	const char *why = NULL;
	long long deadline = now_ms() + HEALTH_TIMEOUT_MS;
	int fd = health_open(ctl, "http", l, deadline), r;

	if (fd < 0)
		return CTL_EXIT_REFUSED;
	r = health_write(fd, "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n", deadline, &why);
	if (r == 0)
		r = health_read_all(fd, answer, sizeof(answer), deadline, &why);
	close(fd);
	if (r != 0)
		return ctl_fail(ctl, "http on %s port %u: %s", l->addr[0].host, l->addr[0].port, why);
	body = strstr(answer, "\r\n\r\n");
	body = body != NULL ? body + 4 : (char *)"";
	body[strcspn(body, "\r\n")] = '\0';
	answer[strcspn(answer, "\r\n")] = '\0';
	if (strlen(answer) >= 12 && strncmp(answer, "HTTP/1.", 7) == 0 &&
	    strncmp(answer + 8, " 200", 4) == 0 &&
	    (answer[12] == ' ' || answer[12] == '\0')) {
		printf("ok http %s:%u %s\n", l->addr[0].host, l->addr[0].port, body);
		return CTL_EXIT_OK;
	}
	health_fail_prefix(ctl);
	fprintf(stderr, "http on %s port %u: /health: ", l->addr[0].host, l->addr[0].port);
	ctl_print_text(stderr, answer, 0);
	if (body[0] != '\0') {
		fputs(": ", stderr);
		ctl_print_text(stderr, body, 0);
	}
	fputc('\n', stderr);
	return CTL_EXIT_REFUSED;
}

/* 0 when the listener's first address greets as expected; else prints why. */
static int health_probe_run(struct ctl *ctl, const struct health_probe *p)
{
	const char *host = p->listen->addr[0].host, *why = NULL;
	uint16_t port = p->listen->addr[0].port;
	char line[HEALTH_GREETING_MAX];
	long long deadline = now_ms() + HEALTH_TIMEOUT_MS;
	int fd = health_open(ctl, p->service, p->listen, deadline), r;

	if (fd < 0)
		return CTL_EXIT_REFUSED;
	r = health_read_line(fd, line, sizeof(line), deadline, &why);
	close(fd);
	if (r != 0)
		return ctl_fail(ctl, "%s on %s port %u: %s", p->service, host, port, why);
	if (strncmp(line, p->expect, strlen(p->expect)) != 0) {
		health_fail_prefix(ctl);
		fprintf(stderr, "%s on %s port %u: unexpected greeting: ", p->service, host, port);
		ctl_print_text(stderr, line, 0);
		fputc('\n', stderr);
		return CTL_EXIT_REFUSED;
	}
	printf("ok %s %s:%u\n", p->service, host, port);
	return CTL_EXIT_OK;
}

int ctl_health(struct ctl *ctl, const struct ctl_args *args)
{
	const struct health_probe probes[] = {
	    {"imap", &ctl->cfg.imap, "* OK"},
	    {"smtp", &ctl->cfg.smtp, "220"},
	    {"submission", &ctl->cfg.submission, "220"},
	};

	if (ctl->cfg.http.n > 0)
		return health_http(ctl);
	for (size_t i = 0; i < ARRAY_LEN(probes); i++) {
		if (probes[i].listen->n > 0)
			return health_probe_run(ctl, &probes[i]);
	}
	return ctl_fail(ctl, "none of [listen] imap, smtp, submission is set: nothing to probe");
}
