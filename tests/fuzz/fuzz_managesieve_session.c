/* SPDX-License-Identifier: ISC */
/* A whole ManageSieve session fed arbitrary client bytes: a real listener,
 * conn and session on a loopback socket, against a temporary store (domain
 * f.test, BAL "u@f.test" with password "pw"; AUTHENTICATE allowed without
 * TLS). Scripts really compile (on the thread pool) and commit. */
#include "config.h"

#include <stdlib.h>

#include "auth.h"
#include "balstore.h"
#include "ms_session.h"
#include "session_harness.h"

#define FUZZ_USER "u@f.test"
#define FUZZ_PASSWORD "pw"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct session_harness h = {.name = "fuzz_managesieve_session",
                                   .sessions_count = ms_sessions_count};
static struct ms_server srv;

static int setup_apply(struct store_txn *txn, void *arg)
{
	int r = session_harness_add_bal(txn, FUZZ_USER, FUZZ_PASSWORD, 64 * 1024, NULL);

	(void)arg;
	return r == STORE_E_EXISTS ? 0 : r;
}

static void on_accept(struct conn *c, void *arg)
{
	h.accepted++;
	ms_session_accept(c, arg);
}

static void cleanup(void)
{
	session_harness_close(&h);
	auth_free(&srv.auth);
}

static void env_init(void)
{
	/* FUZZ_MANAGESIEVE_ECHO=1: show the replies */
	session_harness_open(&h, "FUZZ_MANAGESIEVE_ECHO", "/tmp/fuzz-managesieve-XXXXXX",
	                     setup_apply);
	srv = (struct ms_server){.loop = h.loop, .store = h.store,
	                         .idle_ms = 60 * 1000, .test_plaintext = true};
	srv.auth = session_harness_auth(&h);
	session_harness_listen(&h, "managesieve", on_accept, &srv);
	session_harness_start(&h);
	atexit(cleanup);
}

/* One connection per input: everything is the client's bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!h.ready)
		env_init();
	session_harness_run(&h, 0, data, size);
	return 0;
}
