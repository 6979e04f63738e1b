/* SPDX-License-Identifier: ISC */
/* balisectl plumbing: messages and exit codes, configuration and store
 * access, the single write path, password input, output formatting. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "util.h"

__attribute__((format(printf, 2, 0))) static void ctl_vmsg(struct ctl *ctl, const char *fmt,
                                                           va_list ap)
{
	fprintf(stderr, "%s: ", CTL_PROG);
	if (ctl->cmd != NULL)
		fprintf(stderr, "%s%s%s: ", ctl->cmd->noun, ctl->cmd->verb[0] ? " " : "",
		        ctl->cmd->verb);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Length of the word at p; a [bracketed group] is one word. */
static size_t ctl_wrap_word(const char *p)
{
	size_t w = 0;
	int depth = 0;

	for (; p[w] != '\0' && (p[w] != ' ' || depth > 0); w++) {
		if (p[w] == '[')
			depth++;
		else if (p[w] == ']' && depth > 0)
			depth--;
	}
	return w;
}

void ctl_print_wrapped(FILE *f, const char *text, size_t used, size_t indent)
{
	const char *p = text;

	while (*p != '\0') {
		size_t w = ctl_wrap_word(p);
		if (used > indent && used + 1 + w > 79) {
			fprintf(f, "\n%*s", (int)indent, "");
			used = indent;
		} else if (p != text) {
			fputc(' ', f);
			used++;
		}
		fwrite(p, 1, w, f);
		used += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

void ctl_print_usage(FILE *f, const struct ctl_cmd *cmd)
{
	int n = fprintf(f, "usage: %s [-c CONF] %s%s%s", CTL_PROG, cmd->noun,
	                cmd->verb[0] ? " " : "", cmd->verb);

	if (cmd->usage[0] == '\0') {
		fputc('\n', f);
		return;
	}
	fputc(' ', f);
	ctl_print_wrapped(f, cmd->usage, (size_t)n + 1, 8);
}

int ctl_usage(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vmsg(ctl, fmt, ap);
	va_end(ap);
	if (ctl->cmd != NULL) {
		ctl_print_usage(stderr, ctl->cmd);
		fprintf(stderr, "Try '%s %s%s%s --help'.\n", CTL_PROG, ctl->cmd->noun,
		        ctl->cmd->verb[0] ? " " : "", ctl->cmd->verb);
	} else {
		fprintf(stderr, "usage: %s [-c CONF] NOUN VERB [ARGS] [--json]\n", CTL_PROG);
		fprintf(stderr, "Try '%s --help'.\n", CTL_PROG);
	}
	return CTL_EXIT_USAGE;
}

int ctl_fail(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vmsg(ctl, fmt, ap);
	va_end(ap);
	return CTL_EXIT_REFUSED;
}

void ctl_warn(struct ctl *ctl, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_fail(ctl, "warning: %s", msg);
}

int ctl_config_load(struct ctl *ctl)
{
	char err[1024];

	if (ctl->cfg_loaded)
		return CTL_EXIT_OK;
	if (cfg_load(ctl->conf_path, &ctl->cfg, err, sizeof(err)) < 0) {
		cfg_free(&ctl->cfg);
		return ctl_fail(ctl, "configuration: %s", err);
	}
	ctl->cfg_loaded = true;
	return CTL_EXIT_OK;
}

int ctl_store_open(struct ctl *ctl)
{
	struct store_opts opts = {0};
	const char *why = NULL;
	int r;

	if (ctl->store != NULL)
		return CTL_EXIT_OK;
	if (ctl_config_load(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	opts.path = ctl->cfg.data_dir;
	opts.map_size = ctl->cfg.map_size;
	opts.map_size_max = ctl->cfg.map_size_max;
	r = store_open(&opts, &ctl->store, &why);
	if (r < 0) {
		ctl->store = NULL;
		return ctl_fail(ctl, "cannot open the store in %s: %s", opts.path,
		                why != NULL ? why : store_strerror(r));
	}
	return CTL_EXIT_OK;
}

void ctl_store_close(struct ctl *ctl)
{
	if (ctl->store != NULL)
		store_close(&ctl->store);
}

int ctl_run_write(struct ctl *ctl, store_apply_fn *apply, void *arg)
{
	int r = store_write(ctl->store, apply, arg);

	/* The audit trace of admin actions hooks in here: author (the calling
	 * user), ctl->cmd and ctl->argv as the request, r as the outcome. */
	return r;
}

/* One line from stdin, byte by byte so that no copy stays in a stdio buffer;
 * the line ending (LF or CRLF) is dropped. Returns the length, or -1 when
 * longer than bufsz - 1 or holding a NUL byte. */
static ssize_t ctl_read_line(char *buf, size_t bufsz, const char **why_r)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (c == '\0') {
			*why_r = "password contains a NUL byte";
			return -1;
		}
		if (n + 1 >= bufsz) {
			*why_r = "password too long";
			return -1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (ssize_t)n;
}

/* The terminal settings to put back if a signal ends balisectl while echo
 * is off (Ctrl-C at a password prompt would otherwise leave it off). */
static struct termios tty_saved;
static const int tty_signals[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};

static void tty_restore_and_die(int sig)
{
	tcsetattr(STDIN_FILENO, TCSANOW, &tty_saved); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tty_guard(struct sigaction *old_r, bool on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_restore_and_die;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_LEN(tty_signals); i++) {
		if (on)
			sigaction(tty_signals[i], &sa, &old_r[i]);
		else
			sigaction(tty_signals[i], &old_r[i], NULL);
	}
}

int ctl_read_tty_line(const char *prompt, char *buf, size_t bufsz, bool secret)
{
	struct sigaction old_sa[ARRAY_LEN(tty_signals)];
	struct termios quiet;
	bool restore = false;
	const char *why;
	ssize_t n;

	/* Echo off (dropping typed-ahead input) before the prompt shows. */
	if (secret && tcgetattr(STDIN_FILENO, &tty_saved) == 0) {
		quiet = tty_saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tty_guard(old_sa, true);
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		if (!restore)
			tty_guard(old_sa, false);
	}
	fputs(prompt, stderr);
	fflush(stderr);
	n = ctl_read_line(buf, bufsz, &why);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSANOW, &tty_saved);
		tty_guard(old_sa, false);
		fputc('\n', stderr);
	}
	if (n < 0)
		buf[0] = '\0';
	return n < 0 ? -1 : 0;
}

/* The first line, and on a terminal a confirmation that must be equal. */
static ssize_t ctl_read_tty_password(const char *prompt, char *buf, size_t bufsz, bool confirm,
                                     const char **why_r)
{
	char again[CTL_PASSWORD_MAX + 2];
	bool same;

	*why_r = "password too long or holding a NUL byte";
	if (ctl_read_tty_line(prompt, buf, bufsz, true) < 0)
		return -1;
	if (!confirm || buf[0] == '\0')
		return (ssize_t)strlen(buf);
	if (ctl_read_tty_line("Repeat it: ", again, sizeof(again), true) < 0)
		again[0] = '\0';
	same = strcmp(buf, again) == 0;
	explicit_bzero(again, sizeof(again));
	*why_r = "the two passwords differ";
	return same ? (ssize_t)strlen(buf) : -1;
}

int ctl_read_password(struct ctl *ctl, const char *prompt, char *buf, size_t bufsz, size_t *len_r,
                      bool confirm)
{
	const char *why = NULL;
	ssize_t n;

	if (isatty(STDIN_FILENO))
		n = ctl_read_tty_password(prompt, buf, bufsz, confirm, &why);
	else
		n = ctl_read_line(buf, bufsz, &why);
	if (n <= 0) {
		explicit_bzero(buf, bufsz);
		ctl_fail(ctl, "%s", n < 0 ? why : "refusing an empty password");
		return -1;
	}
	*len_r = (size_t)n;
	return 0;
}

void ctl_format_size(uint64_t n, bool zero_unlimited, char *out, size_t outsz)
{
	static const char units[] = "TGMK";

	if (n == 0 && zero_unlimited) {
		snprintf(out, outsz, "unlimited");
		return;
	}
	for (int i = 0; units[i] != '\0'; i++) {
		uint64_t mult = 1ULL << (10 * (4 - i));
		if (n != 0 && n % mult == 0) {
			snprintf(out, outsz, "%" PRIu64 "%c", n / mult, units[i]);
			return;
		}
	}
	snprintf(out, outsz, "%" PRIu64, n);
}

void ctl_format_time(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, outsz, "never");
		return;
	}
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ctl_print_text(FILE *f, const char *s, size_t width)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, f);
		if ((*p & 0xC0) != 0x80) /* count characters, not UTF-8 bytes */
			n++;
	}
	while (n++ < width)
		fputc(' ', f);
}
