/* SPDX-License-Identifier: ISC */
/* A whole ManageSieve session fed arbitrary client bytes: a real listener,
 * conn and session on a loopback socket, against a temporary store (domain
 * f.test, BAL "u@f.test" with password "pw"; AUTHENTICATE allowed without
 * TLS). Scripts really compile (on the thread pool) and commit. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "auth.h"
#include "balstore.h"
#include "imap_notify.h"
#include "listen.h"
#include "log.h"
#include "ms_session.h"
#include "pwhash.h"
#include "util.h"

#define FUZZ_USER "u@f.test"
#define FUZZ_PASSWORD "pw"
#define FUZZ_SPINS_MAX 20000 /* loop turns per input before giving up */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	bool ready;
	char dir[64];
	uv_loop_t *loop;
	struct store *store;
	struct listen_set *ls;
	struct ms_server srv;
	int port;
	unsigned accepted;
	bool echo;
} env;

static int setup_apply(struct store_txn *txn, void *arg)
{
	struct store_bal bal = {.type = BAL_PER, .holder_type = 8, .quota_bytes = 64 * 1024};
	struct pwhash_params pp = {.t_cost = 1, .m_cost = 8, .parallelism = 1};
	const char *why = NULL;
	int r;

	(void)arg;
	r = store_domain_add(txn, "f.test");
	if (r < 0 && r != STORE_E_EXISTS)
		return r;
	str_copy(bal.address, sizeof(bal.address), FUZZ_USER);
	str_copy(bal.holder, sizeof(bal.holder), "810001234565");
	if (pwhash_hash(FUZZ_PASSWORD, strlen(FUZZ_PASSWORD), &pp, bal.password_hash,
	                sizeof(bal.password_hash), &why) < 0)
		fatal("pwhash: %s", why);
	r = store_bal_create(txn, &bal, &why);
	return r == STORE_E_EXISTS ? 0 : r;
}

static void on_accept(struct conn *c, void *arg)
{
	env.accepted++;
	ms_session_accept(c, arg);
}

static void cleanup(void)
{
	char path[160];

	listen_set_free(&env.ls);
	store_close(&env.store);
	auth_free(&env.srv.auth);
	snprintf(path, sizeof(path), "%s/data.mdb", env.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", env.dir);
	unlink(path);
	rmdir(env.dir);
}

static void env_init(void)
{
	struct store_opts so = {.map_size = 8 << 20, .on_commit = imap_notify_on_commit};
	struct pwhash_params pp = {.t_cost = 1, .m_cost = 8, .parallelism = 1};
	struct cfg_listen addr = {.n = 1};
	struct listen_service svc = {.name = "managesieve", .on_accept = on_accept,
	                             .arg = &env.srv};
	const char *why = NULL;
	char err[256];

	env.echo = getenv("FUZZ_MANAGESIEVE_ECHO") != NULL;
	log_init("fuzz_managesieve_session", env.echo ? LOG_LVL_DEBUG : LOG_LVL_ERROR, false);
	str_copy(env.dir, sizeof(env.dir), "/tmp/fuzz-managesieve-XXXXXX");
	if (mkdtemp(env.dir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	env.loop = uv_default_loop();
	imap_notify_init(env.loop);
	so.path = env.dir;
	if (store_open(&so, &env.store, &why) < 0)
		fatal("store_open: %s", why);
	if (store_write(env.store, setup_apply, NULL) < 0)
		fatal("store set-up failed");
	env.srv = (struct ms_server){.loop = env.loop, .store = env.store,
	                             .idle_ms = 60 * 1000, .test_plaintext = true};
	env.srv.auth = auth_new(env.loop, env.store, 3600, &pp);
	auth_set_fail_delay(env.srv.auth, 0, 0);
	env.ls = listen_set_new(env.loop, 0, 0);
	str_copy(addr.addr[0].host, sizeof(addr.addr[0].host), "127.0.0.1");
	if (listen_bind(env.ls, &addr, &svc, err, sizeof(err)) < 0 ||
	    listen_start(env.ls, err, sizeof(err)) < 0)
		fatal("listen: %s", err);
	env.port = listen_port(env.ls, 0);
	atexit(cleanup);
	env.ready = true;
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

/* Sends everything (then EOF), drains the replies, and turns the loop
 * until the session is gone. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned want = env.accepted + 1;
	bool shut = false;
	size_t sent = 0;
	uint8_t sink[65536];
	int fd;

	if (!env.ready)
		env_init();
	fd = client_connect(env.port);
	for (unsigned spin = 0; spin < FUZZ_SPINS_MAX; spin++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		bool progress = false;
		ssize_t n;

		if (sent < size) {
			n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
			if (n > 0) {
				sent += (size_t)n;
				progress = true;
			}
		} else if (!shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		while ((n = recv(fd, sink, sizeof(sink), 0)) > 0) {
			progress = true;
			if (env.echo) /* FUZZ_MANAGESIEVE_ECHO=1: show the replies */
				fwrite(sink, 1, (size_t)n, stderr);
		}
		uv_run(env.loop, UV_RUN_NOWAIT);
		if (env.accepted >= want && ms_sessions_count() == 0)
			break;
		if (!progress)
			poll(&pfd, 1, 1);
	}
	close(fd);
	if (ms_sessions_count() != 0)
		fatal("fuzz_managesieve_session: the session did not end");
	return 0;
}
