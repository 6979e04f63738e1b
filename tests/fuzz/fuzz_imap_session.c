/* SPDX-License-Identifier: ISC */
/* A whole IMAP session fed arbitrary client bytes: a real listener, conn
 * and session on a loopback socket, against a temporary store with one
 * BAL (user "u@f.test", password "pw"), plain-text LOGIN allowed so that
 * the authenticated and selected states are reachable, and a second BAL
 * ("o@f.test") that delegated rights to it (ACL commands, authzid). */
#include "config.h"

#include <stdlib.h>

#include "auth.h"
#include "balstore.h"
#include "imap_session.h"
#include "session_harness.h"

#define FUZZ_USER "u@f.test"
#define FUZZ_PASSWORD "pw"
#define FUZZ_OWNER "o@f.test" /* delegates to FUZZ_USER */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct session_harness h = {.name = "fuzz_imap_session",
                                   .sessions_count = imap_sessions_count};
static struct imap_server srv;

/* A second BAL, FUZZ_OWNER, delegates to the user: lrsi on the whole BAL,
 * lrswte on its INBOX (AUTHENTICATE PLAIN with it as authorization
 * identity, or "Other Users/o@f.test/..." after LOGIN). */
static int setup_owner(struct store_txn *txn, uint64_t user_id)
{
	struct store_mailbox mb;
	struct store_deleg g = {.grantee_id = user_id};
	const char *why = NULL;
	int r;

	r = session_harness_add_bal(txn, FUZZ_OWNER, NULL, 256 * 1024, &g.bal_id);
	if (r == 0)
		r = store_rights_parse("lrsi", &g.rights, NULL);
	if (r == 0)
		r = store_deleg_set(txn, &g, &why);
	if (r == 0)
		r = store_mailbox_get(txn, g.bal_id, "INBOX", &mb) == 1 ? 0 : STORE_E_NOTFOUND;
	g.mailbox_id = mb.id;
	if (r == 0)
		r = store_rights_parse("lrswte", &g.rights, NULL);
	return r == 0 ? store_deleg_set(txn, &g, &why) : r;
}

static int setup_apply(struct store_txn *txn, void *arg)
{
	uint64_t user_id = 0;
	int r = session_harness_add_bal(txn, FUZZ_USER, FUZZ_PASSWORD, 256 * 1024, &user_id);

	(void)arg;
	if (r == STORE_E_EXISTS)
		return 0;
	return r < 0 ? r : setup_owner(txn, user_id);
}

static void on_accept(struct conn *c, void *arg)
{
	h.accepted++;
	imap_session_accept(c, arg);
}

static void cleanup(void)
{
	session_harness_close(&h);
	auth_free(&srv.auth);
}

static void env_init(void)
{
	/* FUZZ_IMAP_ECHO=1: show the replies */
	session_harness_open(&h, "FUZZ_IMAP_ECHO", "/tmp/fuzz-imap-session-XXXXXX", setup_apply);
	srv = (struct imap_server){.loop = h.loop,
	                           .store = h.store,
	                           .hostname = "fuzz.test",
	                           .append_max = 64 * 1024,
	                           .test_plaintext_auth = true};
	srv.auth = session_harness_auth(&h);
	imap_server_init(&srv);
	session_harness_listen(&h, "imap", on_accept, &srv);
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
