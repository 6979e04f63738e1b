/* SPDX-License-Identifier: ISC */
/* balised: the daemon's entry point. Loads the configuration, drops root,
 * opens the store and runs the libuv loop until SIGTERM or SIGINT. The
 * protocol listeners and TLS are added here by later work. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "balstore.h"
#include "cfg.h"
#include "log.h"
#include "util.h"

#define EXIT_USAGE 2

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
};

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

/* Says which listeners are configured, and that none is served yet. */
static void log_listeners(const struct config *cfg)
{
	char line[1024] = "";

	describe_listen(line, sizeof(line), "smtp", &cfg->smtp);
	describe_listen(line, sizeof(line), "submission", &cfg->submission);
	describe_listen(line, sizeof(line), "submissions", &cfg->submissions);
	describe_listen(line, sizeof(line), "imap", &cfg->imap);
	describe_listen(line, sizeof(line), "imaps", &cfg->imaps);
	describe_listen(line, sizeof(line), "managesieve", &cfg->managesieve);
	log_info("listeners configured:%s; protocol services are not built yet, so no port is "
		 "opened",
		 line[0] ? line : " none");
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

static void on_signal_closed(uv_handle_t *h)
{
	(void)h;
}

/* Closing every handle lets uv_run() return once nothing is left. */
static void stop_loop(struct daemon *d)
{
	uv_signal_t *sigs[] = {&d->sig_term, &d->sig_int, &d->sig_hup};

	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		if (!uv_is_closing((uv_handle_t *)sigs[i]))
			uv_close((uv_handle_t *)sigs[i], on_signal_closed);
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
	log_info("signal=%s stopping", signum == SIGTERM ? "TERM" : "INT");
	stop_loop(h->data);
}

static void on_hup(uv_signal_t *h, int signum)
{
	(void)h;
	(void)signum;
	/* Nothing is reloadable yet; TLS certificates and the whitelist will be. */
	log_info("signal=HUP reload requested (nothing to reload yet)");
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

static int run_loop(struct daemon *d)
{
	int r;

	d->loop = uv_default_loop();
	signal(SIGPIPE, SIG_IGN);
	if (watch_signal(d, &d->sig_term, on_stop_signal, SIGTERM) < 0 ||
	    watch_signal(d, &d->sig_int, on_stop_signal, SIGINT) < 0 ||
	    watch_signal(d, &d->sig_hup, on_hup, SIGHUP) < 0) {
		stop_loop(d);
		uv_run(d->loop, UV_RUN_DEFAULT);
		return -1;
	}
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
	if (drop_privileges(&d.cfg) == 0 && open_store(&d) == 0) {
		if (run_loop(&d) == 0)
			status = EXIT_SUCCESS;
		store_close(&d.store);
		log_info("stopped");
	}
	cfg_free(&d.cfg);
	return status;
}
