/* SPDX-License-Identifier: ISC */
/* A whole SMTP session fed arbitrary client bytes: a real listener, conn
 * and session on a loopback socket, against a temporary store (domain
 * f.test, BAL "u@f.test" with password "pw" and a small quota, BAL
 * "small@f.test" with a 2 KiB quota) and a
 * whitelist file. The first input byte picks the service: even = inbound
 * (port 25; the peer counts as the listed operator "CN=peer.test,C=FR"
 * without TLS), odd = submission (AUTH allowed without TLS). Everything
 * else is the client's bytes. Deliveries really commit. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "balstore.h"
#include "quota_alert.h"
#include "session_harness.h"
#include "smtp_session.h"
#include "util.h"
#include "whitelist.h"

#define FUZZ_USER "u@f.test"
#define FUZZ_PASSWORD "pw"
#define FUZZ_SMALL "small@f.test"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char whitelist_xml[] =
    "<?xml version=\"1.0\"?><ListeBlancheMSSante "
    "xmlns=\"https://listeblanche.mssante.fr/schema\"><ListeDomaines>"
    "<Domaine><Nom>op.test</Nom><DNCertificatOperateur>CN=peer.test,C=FR"
    "</DNCertificatOperateur></Domaine>"
    "<Domaine><Nom>remote.test</Nom><DNCertificatOperateur>CN=other.test,C=FR"
    "</DNCertificatOperateur></Domaine></ListeDomaines></ListeBlancheMSSante>\n";

static struct session_harness h = {.name = "fuzz_smtp_session",
                                   .sessions_count = smtp_sessions_count};
static struct {
	char wl_path[128];
	struct smtp_server srv;
	struct whitelist_holder wl;
} env;

static int setup_apply(struct store_txn *txn, void *arg)
{
	int r = session_harness_add_bal(txn, FUZZ_USER, FUZZ_PASSWORD, 64 * 1024, NULL);

	(void)arg;
	if (r < 0 && r != STORE_E_EXISTS)
		return r;
	/* A second BAL with a 2 KiB quota: partial deliveries and reports. */
	r = session_harness_add_bal(txn, FUZZ_SMALL, NULL, 2048, NULL);
	return r == STORE_E_EXISTS ? 0 : r;
}

static void on_accept_in(struct conn *c, void *arg)
{
	h.accepted++;
	smtp_session_accept_inbound(c, arg);
}

static void on_accept_sub(struct conn *c, void *arg)
{
	h.accepted++;
	smtp_session_accept_submission(c, arg);
}

static void cleanup(void)
{
	whitelist_holder_free(&env.wl);
	unlink(env.wl_path);
	session_harness_close(&h);
	auth_free(&env.srv.auth);
}

static void write_whitelist(void)
{
	FILE *f;
	char err[WHITELIST_ERR_MAX];

	snprintf(env.wl_path, sizeof(env.wl_path), "%s/whitelist.xml", h.dir);
	f = fopen(env.wl_path, "w");
	if (f == NULL || fputs(whitelist_xml, f) < 0 || fclose(f) != 0)
		fatal("whitelist: %s", strerror(errno));
	whitelist_holder_init(&env.wl, env.wl_path);
	if (whitelist_holder_refresh(&env.wl, err, sizeof(err)) != WHITELIST_RELOADED)
		fatal("whitelist: %s", err);
}

static void env_init(void)
{
	/* FUZZ_SMTP_ECHO=1: show the replies */
	session_harness_open(&h, "FUZZ_SMTP_ECHO", "/tmp/fuzz-smtp-session-XXXXXX", setup_apply);
	write_whitelist();
	quota_alert_set_host("fuzz.test"); /* the 100 % alerts of refused deliveries */
	env.srv = (struct smtp_server){.loop = h.loop,
	                               .store = h.store,
	                               .whitelist = &env.wl,
	                               .hostname = "fuzz.test",
	                               .postmaster = "postmaster@f.test",
	                               .size_max = 64 * 1024,
	                               .rcpt_max = 5,
	                               .cmd_max = 200,
	                               .err_max = 20,
	                               .idle_ms = 60 * 1000,
	                               .from_check = true,
	                               .test_plaintext = true,
	                               .test_peer_dn = "CN=peer.test,C=FR"};
	env.srv.auth = session_harness_auth(&h);
	session_harness_listen(&h, "smtp", on_accept_in, &env.srv);
	session_harness_listen(&h, "submission", on_accept_sub, &env.srv);
	session_harness_start(&h);
	atexit(cleanup);
}

/* The first byte picks the listener (even: inbound, odd: submission); the
 * rest is the client's bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (!h.ready)
		env_init();
	session_harness_run(&h, data[0] & 1, data + 1, size - 1);
	return 0;
}
