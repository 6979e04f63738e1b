/* SPDX-License-Identifier: ISC */
/* A tiny test server on listen + conn + tls: an IMAP-like greeting and
 * STARTTLS on one port, implicit TLS on another, then it echoes lines.
 * Driven by tests/e2e/test_tls.py and by tls_policy.sh ("imap" and "tls"). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "conn.h"
#include "listen.h"
#include "log.h"
#include "tls.h"
#include "util.h"

struct echo_server {
	uv_loop_t *loop;
	struct tls_ctx *tls;
	struct listen_set *ls;
	uv_signal_t sig_hup, sig_term, sig_int;
	size_t peak_out; /* the largest output queue seen on any connection */
	unsigned line_max, idle_ms, cmd_ms;
	bool stopping;
};

struct echo_session {
	struct echo_server *srv;
	struct conn *c;
};

static struct echo_server server;

static void note_queue(struct conn *c)
{
	size_t q = conn_output_queued(c);

	if (q > server.peak_out)
		server.peak_out = q;
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss * 4;
}

/* "TAG VERB ..." -> tag and verb as separate strings. */
static void split(struct slice line, char *tag, size_t tagsz, char *verb, size_t verbsz)
{
	size_t i = 0, j;

	while (i < line.len && line.p[i] != ' ' && i + 1 < tagsz) {
		tag[i] = (char)line.p[i];
		i++;
	}
	tag[i] = '\0';
	while (i < line.len && line.p[i] == ' ')
		i++;
	for (j = 0; i < line.len && line.p[i] != ' ' && j + 1 < verbsz; i++, j++)
		verb[j] = (char)line.p[i];
	verb[j] = '\0';
}

static void on_line(struct conn *c, struct slice line, void *arg)
{
	struct echo_session *s = arg;
	char tag[64], verb[32];

	(void)s;
	split(line, tag, sizeof(tag), verb, sizeof(verb));
	if (strcmp(tag, "STATS") == 0) {
		conn_printf(c, "* STATS conns=%zu counted=%u peak_out=%zu rss_kb=%ld\r\n",
		            conn_count(), listen_active(server.ls), server.peak_out, rss_kb());
		return;
	}
	if (!conn_is_tls(c)) {
		if (strcasecmp(verb, "CAPABILITY") == 0) {
			conn_printf(
			    c, "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n%s OK done\r\n",
			    tag);
		} else if (strcasecmp(verb, "STARTTLS") == 0) {
			conn_printf(c, "%s OK Begin TLS negotiation now\r\n", tag);
			conn_starttls(c, server.tls);
		} else if (strcasecmp(verb, "LOGOUT") == 0) {
			conn_printf(c, "* BYE\r\n%s OK bye\r\n", tag);
			conn_close(c);
		} else {
			conn_printf(c, "%s BAD STARTTLS first\r\n", tag);
		}
		return;
	}
	conn_write(c, line.p, line.len);
	conn_write(c, "\r\n", 2);
	note_queue(c);
}

static void on_event(struct conn *c, enum conn_event ev, void *arg)
{
	(void)arg;
	switch (ev) {
	case CONN_EV_LINE_TOO_LONG:
		conn_write_str(c, "* BAD line too long\r\n");
		break;
	case CONN_EV_IDLE_TIMEOUT:
		conn_write_str(c, "* BYE idle timeout\r\n");
		conn_close(c);
		break;
	case CONN_EV_CMD_TIMEOUT:
		conn_write_str(c, "* BYE command timeout\r\n");
		conn_close(c);
		break;
	case CONN_EV_DRAIN:
		break;
	}
}

static void on_close(struct conn *c, void *arg)
{
	(void)c;
	free(arg);
}

static const struct conn_ops echo_ops = {
    .on_line = on_line,
    .on_event = on_event,
    .on_close = on_close,
};

static void on_accept(struct conn *c, void *arg)
{
	struct echo_session *s = xcalloc(1, sizeof(*s));

	s->srv = arg;
	s->c = c;
	conn_set_handler(c, &echo_ops, s);
	conn_set_line_max(c, server.line_max);
	conn_set_timeouts(c, server.idle_ms, server.cmd_ms);
	conn_write_str(c, "* OK tls-echo ready\r\n");
}

static void say_bye(struct conn *c, void *arg)
{
	(void)arg;
	conn_write_str(c, "* BYE shutting down\r\n");
	conn_close(c);
}

static void on_signal(uv_signal_t *h, int signum)
{
	char err[TLS_ERR_MAX];

	if (signum == SIGHUP) {
		if (tls_ctx_reload(server.tls, err, sizeof(err)) == 0)
			printf("reloaded\n");
		else
			printf("reload failed: %s\n", err);
		fflush(stdout);
		return;
	}
	(void)h;
	if (server.stopping)
		return;
	server.stopping = true;
	listen_set_free(&server.ls);
	conn_foreach(say_bye, NULL);
	uv_close((uv_handle_t *)&server.sig_hup, NULL);
	uv_close((uv_handle_t *)&server.sig_term, NULL);
	uv_close((uv_handle_t *)&server.sig_int, NULL);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: tls_echo --cert FILE --key FILE [--host IP] [--max N] [--per-ip N]\n"
	        "                [--line-max N] [--idle-ms N] [--cmd-ms N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"host", required_argument, NULL, 'h'},
	    {"max", required_argument, NULL, 'm'},
	    {"per-ip", required_argument, NULL, 'p'},
	    {"line-max", required_argument, NULL, 'l'},
	    {"idle-ms", required_argument, NULL, 'i'},
	    {"cmd-ms", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	struct tls_ctx_opts to = {0};
	struct cfg_listen plain = {0}, implicit = {0};
	const char *host = "127.0.0.1";
	unsigned max = 0, per_ip = 0;
	char err[TLS_ERR_MAX];
	int ch;

	server.line_max = CONN_LINE_MAX_DEFAULT;
	server.idle_ms = CONN_IDLE_TIMEOUT_MS;
	server.cmd_ms = CONN_CMD_TIMEOUT_MS;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			to.cert_file = optarg;
			break;
		case 'k':
			to.key_file = optarg;
			break;
		case 'h':
			host = optarg;
			break;
		case 'm':
			max = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			per_ip = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			server.line_max = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			server.idle_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			server.cmd_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (to.cert_file == NULL)
		usage();
	log_init("tls_echo", LOG_LVL_WARN, false);
	tls_global_init();
	server.loop = uv_default_loop();
	server.tls = tls_ctx_new_server(&to, err, sizeof(err));
	if (server.tls == NULL) {
		fprintf(stderr, "tls_echo: %s\n", err);
		return 1;
	}
	plain.n = implicit.n = 1;
	str_copy(plain.addr[0].host, sizeof(plain.addr[0].host), host);
	str_copy(implicit.addr[0].host, sizeof(implicit.addr[0].host), host);
	plain.addr[0].v6 = implicit.addr[0].v6 = strchr(host, ':') != NULL;
	server.ls = listen_set_new(server.loop, max, per_ip);
	struct listen_service imap = {
	    .name = "imap",
	    .refuse_msg = "* BYE Too many connections from your address\r\n",
	    .on_accept = on_accept,
	    .arg = &server,
	};
	struct listen_service imaps = imap;
	imaps.name = "imaps";
	imaps.tls = server.tls;
	if (listen_bind(server.ls, &plain, &imap, err, sizeof(err)) < 0 ||
	    listen_bind(server.ls, &implicit, &imaps, err, sizeof(err)) < 0 ||
	    listen_start(server.ls, err, sizeof(err)) < 0) {
		fprintf(stderr, "tls_echo: %s\n", err);
		return 1;
	}
	uv_signal_init(server.loop, &server.sig_hup);
	uv_signal_init(server.loop, &server.sig_term);
	uv_signal_init(server.loop, &server.sig_int);
	uv_signal_start(&server.sig_hup, on_signal, SIGHUP);
	uv_signal_start(&server.sig_term, on_signal, SIGTERM);
	uv_signal_start(&server.sig_int, on_signal, SIGINT);
	printf("ready imap=%d imaps=%d\n", listen_port(server.ls, 0), listen_port(server.ls, 1));
	fflush(stdout);

	uv_run(server.loop, UV_RUN_DEFAULT);
	tls_ctx_free(&server.tls);
	tls_global_free();
	if (uv_loop_close(server.loop) != 0) {
		fprintf(stderr, "tls_echo: handles left open at exit\n");
		return 1;
	}
	printf("stopped\n");
	return 0;
}
