/* SPDX-License-Identifier: ISC */
/* balised: the daemon's entry point. Loads the configuration, binds the
 * listeners and loads TLS as root, drops root, opens the store, serves IMAP,
 * SMTP (inbound, submission) and ManageSieve on the libuv loop, and runs the
 * outbound queue, until SIGTERM or SIGINT. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "auth.h"
#include "balstore.h"
#include "cfg.h"
#include "conn.h"
#include "http_server.h"
#include "imap_notify.h"
#include "imap_session.h"
#include "audit.h"
#include "clock_check.h"
#include "crl_watch.h"
#include "lifecycle_job.h"
#include "listen.h"
#include "log.h"
#include "ms_session.h"
#include "queue_runner.h"
#include "quota_alert.h"
#include "sandbox.h"
#include "sieve_deliver.h"
#include "smtp_session.h"
#include "tls.h"
#include "util.h"
#include "whitelist.h"
#include "trust_snap.h"
#include "annuaire_reload.h"

#define EXIT_USAGE 2
#define WHITELIST_REFRESH_MS 5000 /* [trust] whitelist: a stat() this often */
/* Test hook (tests/e2e/test_http.py): the mail listeners start this many
 * milliseconds after the HTTP endpoint, so that /health is seen at 503. */
#define LISTEN_DELAY_ENV "BALISED_TEST_LISTEN_DELAY_MS"
#define LISTEN_DELAY_MAX_MS 60000

struct args {
	const char *config;
	bool debug;
};

/* Process-lifetime state shared with the signal callbacks. */
struct daemon {
	struct config cfg;
	struct store *store;
	uv_loop_t *loop;
	uv_signal_t sig_term, sig_int, sig_hup;
	struct tls_ctx *tls;
	struct tls_ctx *tls_client; /* outbound SMTP; NULL without [tls] ca */
	struct queue_runner *queue;
	struct tls_ctx *tls_peer; /* port 25: asks for the operator's certificate */
	struct listen_set *listeners;
	struct listen_set *http_listeners; /* [listen] http, started first */
	struct http_server http;
	uv_timer_t listen_delay;
	struct imap_server imap;
	struct lifecycle_job *lifecycle; /* Sent purge and inactivity jobs */
	struct smtp_server smtp;
	struct ms_server msieve;
	struct whitelist_holder whitelist;
	uv_timer_t wl_timer;
	struct crl_watch *crl_watch; /* [tls] crl nextUpdate, daily */
	/* Whitelist and Annuaire for other threads (Sieve forwarding rule). */
	struct trust_snap *trust;
	struct annuaire_reload *annuaire;
	char postmaster[STORE_ADDR_MAX + 16];
	bool stopping;
	bool notify_closed;
};

/* The Sieve step's share of local delivery since start (the SMTP
 * benchmark reads this line). */
static void log_sieve_stats(void)
{
	struct sieve_deliver_stats st;

	sieve_deliver_stats_get(&st);
	if (st.messages > 0)
		log_info("sieve stats messages=%llu scripts=%llu sieve_us=%llu apply_us=%llu",
		         (unsigned long long)st.messages, (unsigned long long)st.scripts,
		         (unsigned long long)(st.sieve_ns / 1000),
		         (unsigned long long)(st.apply_ns / 1000));
}

static void usage(FILE *out)
{
	fprintf(out, "usage: balised -c CONFIG [-d|--debug]\n"
		     "       balised --help | --version\n"
		     "\n"
		     "  -c, --config FILE  configuration file (see docs/configuration.md)\n"
		     "  -d, --debug        log at debug level, whatever log_level says\n"
		     "  -h, --help         show this help\n"
		     "  -V, --version      show the version\n"
		     "\n"
		     "balised stays in the foreground and logs to stderr (and syslog when\n"
		     "[server] log_syslog = yes). SIGTERM or SIGINT stops it; SIGHUP asks\n"
		     "for a reload.\n");
}

/* Returns -1 to go on, or the exit status to leave with. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:dhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 'd': a->debug = true; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("balised %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "balised: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (a->config == NULL) {
		fprintf(stderr, "balised: -c CONFIG is required\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* Appends " name=host:port,..." for one configured listener. */
static void describe_listen(char *out, size_t outsz, const char *name, const struct cfg_listen *l)
{
	size_t len = strlen(out);

	if (l->n == 0 || len + 1 >= outsz)
		return;
	len += (size_t)snprintf(out + len, outsz - len, " %s=", name);
	for (unsigned i = 0; i < l->n && len < outsz; i++) {
		bool v6 = l->addr[i].v6;
		len += (size_t)snprintf(out + len, outsz - len, "%s%s%s%s:%u", i ? "," : "",
					v6 ? "[" : "", l->addr[i].host, v6 ? "]" : "",
					(unsigned)l->addr[i].port);
	}
}

/* Says which listeners are configured. */
static void log_listeners(const struct config *cfg)
{
	char line[1024] = "";

	describe_listen(line, sizeof(line), "smtp", &cfg->smtp);
	describe_listen(line, sizeof(line), "submission", &cfg->submission);
	describe_listen(line, sizeof(line), "submissions", &cfg->submissions);
	describe_listen(line, sizeof(line), "imap", &cfg->imap);
	describe_listen(line, sizeof(line), "imaps", &cfg->imaps);
	describe_listen(line, sizeof(line), "managesieve", &cfg->managesieve);
	describe_listen(line, sizeof(line), "http", &cfg->http);
	log_info("listeners configured:%s", line[0] ? line : " none");
}

/* Many IDLE sessions need many descriptors: take all the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur != rl.rlim_max) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn("cannot raise RLIMIT_NOFILE to %llu: %s",
				 (unsigned long long)rl.rlim_max, strerror(errno));
			return;
		}
		log_info("RLIMIT_NOFILE raised from %llu to %llu", (unsigned long long)old,
			 (unsigned long long)rl.rlim_max);
	}
}

/* The context that asks peer operators for their certificate (port 25):
 * verified against [tls] ca (and [tls] crl); the SMTP layer refuses MAIL
 * from a peer whose certificate is missing or did not verify. */
static int load_peer_tls(struct daemon *d)
{
	const struct config *cfg = &d->cfg;
	struct tls_ctx_opts to = {.cert_file = cfg->tls_cert,
	                          .key_file = cfg->tls_key,
	                          .ca_file = cfg->tls_ca,
	                          .crl_file = cfg->tls_crl[0] ? cfg->tls_crl : NULL,
	                          .request_client_cert = true};
	char err[TLS_ERR_MAX + 256];

	if (cfg->smtp.n == 0)
		return 0;
	if (cfg->tls_ca == NULL || cfg->tls_ca[0] == '\0') {
		log_error("[tls] ca: required by the smtp listener (peer certificates)");
		return -1;
	}
	d->tls_peer = tls_ctx_new_server(&to, err, sizeof(err));
	if (d->tls_peer == NULL) {
		log_error("[tls] cert/key/ca/crl: %s", err);
		return -1;
	}
	return 0;
}

/* As root: the TLS contexts and the listening sockets. 0 or -1 (logged). */
static int bind_listeners(struct daemon *d)
{
	const struct config *cfg = &d->cfg;
	struct tls_ctx_opts to = {.cert_file = cfg->tls_cert, .key_file = cfg->tls_key};
	struct listen_service imap = {
		.name = "imap",
		.refuse_msg = "* BYE Too many connections\r\n",
		.on_accept = imap_session_accept,
		.arg = &d->imap,
	};
	struct listen_service imaps = imap;
	struct listen_service smtp = {
		.name = "smtp",
		.refuse_msg = "421 4.7.0 Trop de connexions\r\n",
		.on_accept = smtp_session_accept_inbound,
		.arg = &d->smtp,
	};
	struct listen_service submission = smtp, submissions = smtp;
	struct listen_service managesieve = {
		.name = "managesieve",
		.refuse_msg = "BYE \"Too many connections\"\r\n",
		.on_accept = ms_session_accept,
		.arg = &d->msieve,
	};
	char err[TLS_ERR_MAX + 256];

	if (cfg->imap.n == 0 && cfg->imaps.n == 0 && cfg->smtp.n == 0 &&
	    cfg->submission.n == 0 && cfg->submissions.n == 0 && cfg->managesieve.n == 0)
		return 0;
	/* No authentication and no mail before TLS: every service needs a certificate. */
	if (cfg->tls_cert == NULL || cfg->tls_cert[0] == '\0') {
		log_error("[tls] cert: required by the imap, imaps, smtp, submission, "
		          "submissions and managesieve listeners");
		return -1;
	}
	d->tls = tls_ctx_new_server(&to, err, sizeof(err));
	if (d->tls == NULL) {
		log_error("[tls] cert/key: %s", err);
		return -1;
	}
	if (load_peer_tls(d) < 0)
		return -1;
	d->imap.tls = d->tls;
	d->smtp.tls_inbound = d->tls_peer;
	d->smtp.tls_submission = d->tls;
	d->msieve.tls = d->tls;
	imaps.name = "imaps";
	imaps.tls = d->tls;
	submission.name = "submission";
	submission.on_accept = smtp_session_accept_submission;
	submissions = submission;
	submissions.name = "submissions";
	submissions.tls = d->tls;
	d->listeners = listen_set_new(d->loop, (unsigned)cfg->connections_max,
				      (unsigned)cfg->connections_per_ip);
	if (listen_bind(d->listeners, &cfg->imap, &imap, err, sizeof(err)) < 0 ||
	    listen_bind(d->listeners, &cfg->imaps, &imaps, err, sizeof(err)) < 0 ||
	    listen_bind(d->listeners, &cfg->smtp, &smtp, err, sizeof(err)) < 0 ||
	    listen_bind(d->listeners, &cfg->submission, &submission, err, sizeof(err)) < 0 ||
	    listen_bind(d->listeners, &cfg->submissions, &submissions, err, sizeof(err)) < 0 ||
	    listen_bind(d->listeners, &cfg->managesieve, &managesieve, err, sizeof(err)) < 0) {
		log_error("cannot listen: %s", err);
		return -1;
	}
	return 0;
}

/* As root: the operator endpoint's socket, in a set of its own so that
 * mail clients cannot take its connections. */
static int bind_http(struct daemon *d)
{
	struct listen_service http = {
		.name = "http", .plain = true, .on_accept = http_session_accept, .arg = &d->http,
	};
	char err[256];

	http_server_init(&d->http, d->loop, &d->cfg);
	d->http.clock_state = clock_check_read;
	if (d->cfg.http.n == 0)
		return 0;
	d->http_listeners = listen_set_new(d->loop, HTTP_CONN_MAX, HTTP_CONN_MAX);
	if (listen_bind(d->http_listeners, &d->cfg.http, &http, err, sizeof(err)) < 0) {
		log_error("cannot listen: %s", err);
		return -1;
	}
	return 0;
}

/* As root: the client context of the outbound queue (our certificate, the
 * trust-space CA). Without [tls] ca the queue runs but cannot deliver. */
static int load_client_tls(struct daemon *d)
{
	const struct config *cfg = &d->cfg;
	struct tls_ctx_opts to = {.cert_file = cfg->tls_cert,
				  .key_file = cfg->tls_key,
				  .ca_file = cfg->tls_ca,
				  .crl_file = cfg->tls_crl};
	char err[TLS_ERR_MAX + 256];

	if (cfg->tls_ca[0] == '\0' || cfg->tls_cert[0] == '\0') {
		log_warn("[tls] ca or cert not set: the outbound queue cannot deliver");
		return 0;
	}
	if (cfg->tls_crl[0] == '\0')
		to.crl_file = NULL;
	d->tls_client = tls_ctx_new_client(&to, err, sizeof(err));
	if (d->tls_client == NULL) {
		log_error("[tls] client context for outbound SMTP: %s", err);
		return -1;
	}
	return 0;
}

/* Switches to user for good. Only called as root. 0 or -1 (logged). */
static int become_user(const char *user)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		log_error("[server] user \"%s\": %s", user, errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_error("[server] user \"%s\" is root; name an unprivileged user", user);
		return -1;
	}
	/* pw points into libc's static storage: keep what we need first. */
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (initgroups(user, gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		log_error("cannot switch to user %s: %s", user, strerror(errno));
		return -1;
	}
	/* setuid() as root sets all three uids; make sure nothing is left over. */
	if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0) {
		log_error("still able to regain root after switching to %s", user);
		return -1;
	}
	log_info("running as user=%s uid=%u gid=%u", user, (unsigned)uid, (unsigned)gid);
	return 0;
}

/* Root is needed only to bind ports below 1024 (and, later, to read the TLS
 * key); that happens before this call. 0 or -1. */
static int drop_privileges(const struct config *cfg)
{
	if (geteuid() != 0) {
		if (cfg->user[0] != '\0')
			log_info("not started as root: [server] user=%s ignored, staying uid=%u",
				 cfg->user, (unsigned)geteuid());
		return 0;
	}
	if (cfg->user[0] == '\0') {
		log_warn("running as root: set [server] user to an unprivileged account");
		return 0;
	}
	return become_user(cfg->user);
}

static int open_store(struct daemon *d)
{
	struct store_opts opts = {
		.path = d->cfg.data_dir,
		.map_size = d->cfg.map_size,
		.map_size_max = d->cfg.map_size_max,
		/* Commits wake the IMAP sessions that have the mailbox selected. */
		.on_commit = imap_notify_on_commit,
	};
	uint64_t size, max, used;
	const char *why = "";
	int r;

	r = store_open(&opts, &d->store, &why);
	if (r < 0) {
		log_error("cannot open the store in %s: %s (%s)", d->cfg.data_dir, store_strerror(r),
			  why ? why : "");
		return -1;
	}
	store_map_info(d->store, &size, &max, &used);
	log_info("store opened data_dir=%s map_size=%llu map_size_max=%llu used=%llu",
		 d->cfg.data_dir, (unsigned long long)size, (unsigned long long)max,
		 (unsigned long long)used);
	return 0;
}

/* The sessions' shared context, once the store is open. */
static void start_imap(struct daemon *d)
{
	struct pwhash_params pp = {
		.t_cost = (uint32_t)d->cfg.argon2_t_cost,
		.m_cost = (uint32_t)d->cfg.argon2_m_cost,
		.parallelism = (uint32_t)d->cfg.argon2_parallelism,
	};

	d->imap.loop = d->loop;
	d->imap.store = d->store;
	d->imap.hostname = d->cfg.hostname;
	d->imap.append_max = d->cfg.message_size_max;
	d->imap.auth = auth_new(d->loop, d->store, d->cfg.auth_cache_ttl, &pp);
	/* Quota alerts (EX_GBM_4470): the French builder of common/notice.c. */
	quota_alert_set_host(d->cfg.hostname);
	imap_server_init(&d->imap);
}

static void publish_whitelist(struct daemon *d)
{
	struct whitelist *wl = whitelist_holder_ref(&d->whitelist);

	trust_snap_set_whitelist(d->trust, wl);
	whitelist_unref(&wl);
}

/* [trust] whitelist: reloaded when the file changes; a bad file keeps the
 * last good list and is logged once (whitelist_holder_refresh). */
static void refresh_whitelist(struct daemon *d)
{
	char err[WHITELIST_ERR_MAX];
	const struct whitelist *wl;

	switch (whitelist_holder_refresh(&d->whitelist, err, sizeof(err))) {
	case WHITELIST_RELOADED:
		wl = whitelist_holder_get(&d->whitelist);
		log_info("whitelist loaded file=%s domains=%zu operators=%zu generated=%s",
		         d->cfg.whitelist, whitelist_domain_count(wl), whitelist_operator_count(wl),
		         whitelist_generated(wl));
		publish_whitelist(d);
		break;
	case WHITELIST_FAILED:
		log_error("whitelist not loaded, keeping the previous one: %s", err);
		break;
	case WHITELIST_UNCHANGED: break;
	}
}

static void on_wl_timer(uv_timer_t *t)
{
	refresh_whitelist(t->data);
}

static void start_smtp(struct daemon *d)
{
	const struct config *cfg = &d->cfg;

	whitelist_holder_init(&d->whitelist, cfg->whitelist);
	d->trust = trust_snap_new(cfg->redirect_structures);
	d->annuaire = annuaire_reload_start(d->loop, cfg->annuaire, d->trust);
	if (cfg->whitelist != NULL && cfg->whitelist[0] != '\0') {
		refresh_whitelist(d);
		uv_timer_init(d->loop, &d->wl_timer);
		d->wl_timer.data = d;
		uv_timer_start(&d->wl_timer, on_wl_timer, WHITELIST_REFRESH_MS, WHITELIST_REFRESH_MS);
	} else if (cfg->smtp.n > 0 || cfg->submission.n > 0 || cfg->submissions.n > 0) {
		log_warn("[trust] whitelist not set: no operator and no remote domain is trusted");
	}
	if (cfg->postmaster[0] != '\0')
		str_copy(d->postmaster, sizeof(d->postmaster), cfg->postmaster);
	else
		snprintf(d->postmaster, sizeof(d->postmaster), "postmaster@%s", cfg->hostname);
	d->smtp.loop = d->loop;
	d->smtp.store = d->store;
	d->smtp.auth = d->imap.auth;
	d->smtp.whitelist = &d->whitelist;
	d->smtp.hostname = cfg->hostname;
	d->smtp.postmaster = d->postmaster;
	d->smtp.postmaster_set = cfg->postmaster[0] != '\0';
	d->smtp.size_max = cfg->message_size_max;
	d->smtp.rcpt_max = (unsigned)cfg->smtp_recipients_max;
	d->smtp.cmd_max = (unsigned)cfg->smtp_commands_max;
	d->smtp.err_max = (unsigned)cfg->smtp_errors_max;
	d->smtp.idle_ms = cfg->smtp_idle_timeout * 1000;
	d->smtp.from_check = cfg->smtp_header_from_check;
	d->smtp.from_exempt = cfg->smtp_header_from_exempt;
	d->smtp.trust = d->trust; /* Sieve redirects at delivery (the writer thread) */
}

/* ManageSieve uploads: the forwarding rule's data, taken on a thread of
 * the pool for one compile. */
static void ms_policy_get(void *arg, struct sieve_policy *p)
{
	trust_snap_policy_get(arg, p);
}

static void ms_policy_put(void *arg, struct sieve_policy *p)
{
	(void)arg;
	trust_snap_policy_put(p);
}

/* ManageSieve shares the password checks; scripts compile under the
 * forwarding rule with the current whitelist and Annuaire (trust_snap). */
static void start_managesieve(struct daemon *d)
{
	d->msieve.loop = d->loop;
	d->msieve.store = d->store;
	d->msieve.auth = d->imap.auth;
	d->msieve.redirect_structures = d->cfg.redirect_structures;
	d->msieve.policy_get = ms_policy_get;
	d->msieve.policy_put = ms_policy_put;
	d->msieve.policy_arg = d->trust;
}

static void on_signal_closed(uv_handle_t *h)
{
	(void)h;
}

static void on_queue_stopped(void *arg)
{
	struct daemon *d = arg;

	d->queue = NULL;
}

/* The last session (IMAP and SMTP) is gone: the cross-thread handles may
 * close. */
static void on_sessions_empty(void *arg)
{
	struct daemon *d = arg;

	if (imap_sessions_count() == 0 && smtp_sessions_count() == 0 && ms_sessions_count() == 0 &&
	    !d->notify_closed) {
		d->notify_closed = true;
		audit_stop(); /* the last sessions' traces are written */
		imap_notify_close();
	}
}

/* Closing every handle lets uv_run() return once nothing is left: the
 * listeners first, then "* BYE" to every session (each closes after its
 * output is flushed), then the notification handles once all are freed. */
static void stop_loop(struct daemon *d)
{
	uv_signal_t *sigs[] = {&d->sig_term, &d->sig_int, &d->sig_hup};

	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		if (uv_is_active((uv_handle_t *)sigs[i]) && !uv_is_closing((uv_handle_t *)sigs[i]))
			uv_close((uv_handle_t *)sigs[i], on_signal_closed);
	if (d->stopping)
		return;
	d->stopping = true;
	lifecycle_job_stop(&d->lifecycle);
	clock_check_stop();
	listen_set_free(&d->listeners);
	listen_set_free(&d->http_listeners);
	if (uv_is_active((uv_handle_t *)&d->listen_delay))
		uv_close((uv_handle_t *)&d->listen_delay, NULL);
	d->http.listeners_up = false;
	http_sessions_shutdown();
	if (d->queue != NULL)
		queue_runner_stop(d->queue, on_queue_stopped, d);
	if (uv_is_active((uv_handle_t *)&d->wl_timer))
		uv_close((uv_handle_t *)&d->wl_timer, NULL);
	annuaire_reload_stop(&d->annuaire);
	crl_watch_stop(&d->crl_watch);
	imap_notify_stop_poll();
	imap_sessions_on_empty(on_sessions_empty, d);
	smtp_sessions_on_empty(on_sessions_empty, d);
	ms_sessions_on_empty(on_sessions_empty, d);
	imap_sessions_shutdown("Server shutting down");
	smtp_sessions_shutdown();
	ms_sessions_shutdown();
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;

	log_info("signal=%s stopping sessions=%zu smtp_sessions=%zu managesieve_sessions=%zu",
		 signum == SIGTERM ? "TERM" : "INT", imap_sessions_count(), smtp_sessions_count(),
		 ms_sessions_count());
	stop_loop(d);
}

/* SIGHUP: new TLS certificate and key for new connections. */
static void on_hup(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	char err[TLS_ERR_MAX];

	(void)signum;
	if (d->tls_client != NULL && tls_ctx_reload(d->tls_client, err, sizeof(err)) < 0)
		log_error("signal=HUP outbound TLS reload failed, keeping the old context: %s", err);
	if (d->tls == NULL) {
		log_info("signal=HUP reload requested (nothing to reload)");
		return;
	}
	if (tls_ctx_reload(d->tls, err, sizeof(err)) == 0 &&
	    (d->tls_peer == NULL || tls_ctx_reload(d->tls_peer, err, sizeof(err)) == 0))
		log_info("signal=HUP reload requested: TLS certificate reloaded");
	else
		log_error("signal=HUP reload requested: TLS reload failed, keeping the old "
			  "certificate: %s",
			  err);
}

static int watch_signal(struct daemon *d, uv_signal_t *h, uv_signal_cb cb, int signum)
{
	int r;

	uv_signal_init(d->loop, h);
	h->data = d;
	r = uv_signal_start(h, cb, signum);
	if (r < 0)
		log_error("cannot watch signal %d: %s", signum, uv_strerror(r));
	return r;
}

/* The mail listeners accept from now on; /health can say ready. */
static int start_listeners(struct daemon *d)
{
	char err[256];

	if (d->listeners != NULL && listen_start(d->listeners, err, sizeof(err)) < 0) {
		log_error("cannot listen: %s", err);
		return -1;
	}
	d->http.listeners_up = true;
	return 0;
}

static void on_listen_delay(uv_timer_t *t)
{
	struct daemon *d = t->data;

	uv_close((uv_handle_t *)t, NULL);
	if (start_listeners(d) < 0)
		stop_loop(d);
}

/* 0 unless the test hook asks for a delay. */
static uint64_t listen_delay_ms(void)
{
	const char *v = getenv(LISTEN_DELAY_ENV);
	char *end;
	unsigned long ms;

	if (v == NULL || *v == '\0')
		return 0;
	ms = strtoul(v, &end, 10);
	if (*end != '\0' || ms > LISTEN_DELAY_MAX_MS)
		return 0;
	return ms;
}

/* The HTTP endpoint first, then the mail listeners (at once, or after the
 * test hook's delay). 0 or -1 (logged). */
static int start_all_listeners(struct daemon *d)
{
	uint64_t delay = listen_delay_ms();
	char err[256];

	if (d->http_listeners != NULL &&
	    listen_start(d->http_listeners, err, sizeof(err)) < 0) {
		log_error("cannot listen: %s", err);
		return -1;
	}
	if (delay == 0)
		return start_listeners(d);
	log_warn("test hook %s: mail listeners start in %llu ms", LISTEN_DELAY_ENV,
	         (unsigned long long)delay);
	uv_timer_init(d->loop, &d->listen_delay);
	d->listen_delay.data = d;
	uv_timer_start(&d->listen_delay, on_listen_delay, delay, 0);
	return 0;
}

static int run_loop(struct daemon *d)
{
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (watch_signal(d, &d->sig_term, on_stop_signal, SIGTERM) < 0 ||
	    watch_signal(d, &d->sig_int, on_stop_signal, SIGINT) < 0 ||
	    watch_signal(d, &d->sig_hup, on_hup, SIGHUP) < 0) {
		stop_loop(d);
		uv_run(d->loop, UV_RUN_DEFAULT);
		return -1;
	}
	if (start_all_listeners(d) < 0) {
		stop_loop(d);
		uv_run(d->loop, UV_RUN_DEFAULT);
		return -1;
	}
	audit_init(d->loop, d->store, d->cfg.audit_syslog);
	clock_check_start(d->loop);
	d->lifecycle = lifecycle_job_start(d->loop, d->store, &d->cfg);
	d->crl_watch = crl_watch_start(d->loop, d->cfg.tls_crl, d->cfg.tls_crl_warn);
	log_info("ready pid=%ld", (long)getpid());
	uv_run(d->loop, UV_RUN_DEFAULT);
	r = uv_loop_close(d->loop);
	if (r < 0)
		log_warn("event loop closed with handles left: %s", uv_strerror(r));
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = {0};
	struct args a = {0};
	char err[1024];
	int status = EXIT_FAILURE;

	status = parse_args(argc, argv, &a);
	if (status >= 0)
		return status;
	status = EXIT_FAILURE;
	if (cfg_load(a.config, &d.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "balised: %s\n", err);
		cfg_free(&d.cfg);
		return EXIT_FAILURE;
	}
	log_init("balised", a.debug ? LOG_LVL_DEBUG : (enum log_level)d.cfg.log_level,
		 d.cfg.log_syslog);
	log_info("starting version=%s config=%s hostname=%s", PACKAGE_VERSION, d.cfg.path,
		 d.cfg.hostname);
	log_listeners(&d.cfg);
	raise_nofile();
	tls_global_init();
	d.loop = uv_default_loop();
	imap_notify_init(d.loop);
	/* Landlock binds the calling thread and those it starts: before the store's
	 * writer thread. seccomp goes on every thread once all is open. */
	if (bind_http(&d) == 0 && bind_listeners(&d) == 0 && load_client_tls(&d) == 0 && drop_privileges(&d.cfg) == 0 &&
	    sandbox_landlock(&d.cfg) == 0 && open_store(&d) == 0) {
		d.http.store = d.store;
		start_imap(&d);
		d.queue = queue_runner_start(d.loop, d.store, d.tls_client, &d.cfg);
		start_smtp(&d);
		start_managesieve(&d);
		if (sandbox_seccomp(&d.cfg) == 0 && run_loop(&d) == 0)
			status = EXIT_SUCCESS;
		store_close(&d.store);
		auth_free(&d.imap.auth);
		whitelist_holder_free(&d.whitelist);
		trust_snap_free(&d.trust);
		log_sieve_stats();
		sieve_deliver_cache_free();
		log_info("stopped");
	} else {
		listen_set_free(&d.listeners);
		listen_set_free(&d.http_listeners);
		imap_notify_close();
		uv_run(d.loop, UV_RUN_DEFAULT);
	}
	tls_ctx_free(&d.tls);
	tls_ctx_free(&d.tls_client);
	tls_ctx_free(&d.tls_peer);
	tls_global_free();
	cfg_free(&d.cfg);
	return status;
}
