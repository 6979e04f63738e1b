/* SPDX-License-Identifier: ISC */
/* The shared part of the session fuzz targets (see session_harness.h). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "imap_notify.h"
#include "log.h"
#include "pwhash.h"
#include "session_harness.h"
#include "util.h"

#define HARNESS_SPINS_MAX 20000 /* loop turns per input before giving up */

void session_harness_open(struct session_harness *h, const char *echo_env, const char *dir_template,
                          int (*setup)(struct store_txn *, void *))
{
	struct store_opts so = {.map_size = 8 << 20, .on_commit = imap_notify_on_commit};
	const char *why = NULL;

	h->echo = getenv(echo_env) != NULL;
	log_init(h->name, h->echo ? LOG_LVL_DEBUG : LOG_LVL_ERROR, false);
	str_copy(h->dir, sizeof(h->dir), dir_template);
	if (mkdtemp(h->dir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	h->loop = uv_default_loop();
	imap_notify_init(h->loop);
	so.path = h->dir;
	if (store_open(&so, &h->store, &why) < 0)
		fatal("store_open: %s", why);
	if (store_write(h->store, setup, NULL) < 0)
		fatal("store set-up failed");
	h->ls = listen_set_new(h->loop, 0, 0);
}

int session_harness_add_bal(struct store_txn *txn, const char *address, const char *password,
                            uint64_t quota_bytes, uint64_t *id_r)
{
	struct store_bal bal = {.type = BAL_PER, .holder_type = 8, .quota_bytes = quota_bytes};
	struct pwhash_params pp = {.t_cost = 1, .m_cost = 8, .parallelism = 1};
	const char *at = strchr(address, '@');
	const char *why = NULL;
	int r;

	r = store_domain_add(txn, at != NULL ? at + 1 : address);
	if (r < 0 && r != STORE_E_EXISTS)
		return r;
	str_copy(bal.address, sizeof(bal.address), address);
	str_copy(bal.holder, sizeof(bal.holder), "810001234565");
	if (password != NULL && pwhash_hash(password, strlen(password), &pp, bal.password_hash,
	                                    sizeof(bal.password_hash), &why) < 0)
		fatal("pwhash: %s", why);
	r = store_bal_create(txn, &bal, &why);
	if (r == 0 && id_r != NULL)
		*id_r = bal.id;
	return r;
}

struct auth *session_harness_auth(struct session_harness *h)
{
	struct pwhash_params pp = {.t_cost = 1, .m_cost = 8, .parallelism = 1};
	struct auth *a = auth_new(h->loop, h->store, 3600, &pp);

	auth_set_fail_delay(a, 0, 0);
	return a;
}

void session_harness_listen(struct session_harness *h, const char *name,
                            void (*on_accept)(struct conn *, void *), void *arg)
{
	struct cfg_listen addr = {.n = 1};
	struct listen_service svc = {.name = name, .on_accept = on_accept, .arg = arg};
	char err[256];

	str_copy(addr.addr[0].host, sizeof(addr.addr[0].host), "127.0.0.1");
	if (listen_bind(h->ls, &addr, &svc, err, sizeof(err)) < 0)
		fatal("listen: %s", err);
}

void session_harness_start(struct session_harness *h)
{
	char err[256];

	if (listen_start(h->ls, err, sizeof(err)) < 0)
		fatal("listen: %s", err);
	h->ready = true;
}

void session_harness_close(struct session_harness *h)
{
	char path[128];

	listen_set_free(&h->ls);
	store_close(&h->store);
	snprintf(path, sizeof(path), "%s/data.mdb", h->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", h->dir);
	unlink(path);
	rmdir(h->dir);
}

static int client_connect(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 ||
	    (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS))
		fatal("connect: %s", strerror(errno));
	return fd;
}

/* Sends what is left (then EOF once all is sent); true if anything moved. */
static bool client_send(int fd, const uint8_t *data, size_t size, size_t *sent, bool *shut)
{
	ssize_t n;

	if (*sent < size) {
		n = send(fd, data + *sent, size - *sent, MSG_NOSIGNAL);
		if (n > 0) {
			*sent += (size_t)n;
			return true;
		}
	} else if (!*shut) {
		shutdown(fd, SHUT_WR);
		*shut = true;
	}
	return false;
}

/* Reads the replies that are there; true if there were any. */
static bool client_drain(const struct session_harness *h, int fd)
{
	uint8_t sink[65536];
	bool progress = false;
	ssize_t n;

	while ((n = recv(fd, sink, sizeof(sink), 0)) > 0) {
		progress = true;
		if (h->echo)
			fwrite(sink, 1, (size_t)n, stderr);
	}
	return progress;
}

void session_harness_run(struct session_harness *h, size_t i, const uint8_t *data, size_t size)
{
	unsigned want = h->accepted + 1;
	bool shut = false;
	size_t sent = 0;
	int fd = client_connect(listen_port(h->ls, i));

	for (unsigned spin = 0; spin < HARNESS_SPINS_MAX; spin++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		bool progress = client_send(fd, data, size, &sent, &shut);

		if (client_drain(h, fd))
			progress = true;
		uv_run(h->loop, UV_RUN_NOWAIT);
		if (h->accepted >= want && h->sessions_count() == 0)
			break;
		if (!progress)
			poll(&pfd, 1, 1);
	}
	close(fd);
	if (h->sessions_count() != 0)
		fatal("%s: the session did not end", h->name);
}
