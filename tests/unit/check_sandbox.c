/* SPDX-License-Identifier: ISC */
/* server/sandbox.c in a child process: what balised does after the filter
 * (threads, the resolver that outbound SMTP uses, files in data_dir) goes on;
 * a call outside the allowlist kills the process with SIGSYS (or only gets
 * logged with seccomp = log); Landlock denies files outside the allowed
 * directories; Landlock refuses to start beside a running thread. */
#include "config.h"

#include <arpa/nameser.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "sandbox.h"

static char tmp[64], outside[64];

static void setup(void)
{
	char path[128];
	FILE *f;

	strcpy(tmp, "/tmp/check_sandbox.XXXXXX");
	strcpy(outside, "/tmp/check_sandbox_out.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_ptr_nonnull(mkdtemp(outside));
	snprintf(path, sizeof(path), "%s/data", tmp);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/secret", outside);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("not for balised\n", f);
	fclose(f);
}

static void teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", tmp, outside);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s, %s\n", tmp, outside);
}

/* Runs fn in a child confined as balised is with the given [sandbox]
 * settings; returns the child's wait status. */
static int run_confined(const char *seccomp, bool landlock, int (*fn)(void))
{
	char text[512], name[128], err[512];
	struct config cfg;
	pid_t pid;
	int status;

	snprintf(text, sizeof(text),
	         "[server]\ndata_dir = data\n[sandbox]\nseccomp = %s\nlandlock = %s\n", seccomp,
	         landlock ? "yes" : "no");
	snprintf(name, sizeof(name), "%s/balise.conf", tmp);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (cfg_parse(text, strlen(text), name, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			_exit(100);
		}
		if (sandbox_landlock(&cfg) < 0 || sandbox_seccomp(&cfg) < 0)
			_exit(101);
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static bool landlock_available(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* VERSION */) > 0;
}

static int thread_token;

static void *thread_main(void *arg)
{
	return arg;
}

/* The libuv pool and the store's writer are threads started after the
 * filter: clone3 gets ENOSYS and the C library falls back to clone. */
static int do_threads(void)
{
	pthread_t t;
	void *r = NULL;

	if (pthread_create(&t, NULL, thread_main, &thread_token) != 0 || pthread_join(t, &r) != 0)
		return 1;
	return r == &thread_token ? 0 : 2;
}

/* What outbound SMTP will do: an MX query (the answer does not matter:
 * there may be no network), getaddrinfo on /etc/hosts. */
static int do_resolver(void)
{
	unsigned char answer[1024];
	struct addrinfo *ai = NULL;

	setenv("RES_OPTIONS", "timeout:1 attempts:1", 1);
	if (res_init() != 0)
		return 1;
	(void)res_query("mssante.fr", C_IN, T_MX, answer, sizeof(answer));
	if (getaddrinfo("mssante.fr", "25", NULL, &ai) == 0) /* A and AAAA: sendmmsg */
		freeaddrinfo(ai);
	ai = NULL;
	if (getaddrinfo("localhost", "25", NULL, &ai) != 0)
		return 2;
	freeaddrinfo(ai);
	return 0;
}

/* execve is not in the allowlist. */
static int do_exec(void)
{
	char *argv[] = {"true", NULL};

	execv("/bin/true", argv);
	return 3;
}

static int open_status(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int do_files(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/data/data.mdb", tmp);
	if (open_status(path, O_RDWR | O_CREAT) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/balise.conf", tmp);
	if (open_status(path, O_RDWR | O_CREAT) != EACCES) /* config: read-only */
		return 2;
	snprintf(path, sizeof(path), "%s/secret", outside);
	if (open_status(path, O_RDONLY) != EACCES)
		return 3;
	if (open_status("/etc/passwd", O_RDONLY) != EACCES)
		return 4;
	if (open_status("/etc/hosts", O_RDONLY) != 0) /* the resolver's */
		return 5;
	return 0;
}

START_TEST(threads_run_under_the_filter)
{
	int st = run_confined("on", true, do_threads);

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
END_TEST

START_TEST(resolver_runs_under_the_filter)
{
	int st = run_confined("on", true, do_resolver);

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
END_TEST

START_TEST(forbidden_call_kills)
{
	int st = run_confined("on", false, do_exec);

	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x", st);
}
END_TEST

START_TEST(log_mode_does_not_kill)
{
	int st = run_confined("log", false, do_exec);

	/* /bin/true ran: the call was only logged. */
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
END_TEST

START_TEST(landlock_limits_files)
{
	int st;

	if (!landlock_available())
		return;
	st = run_confined("on", true, do_files);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	/* Without Landlock the same opens are allowed (the test runs as
	 * whoever owns the files): the refusals above are Landlock's. */
	st = run_confined("on", false, do_files);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %#x", st);
}
END_TEST

static void *sleeper(void *arg)
{
	pause();
	return arg;
}

START_TEST(landlock_refused_beside_a_thread)
{
	char text[] = "[server]\ndata_dir = data\n";
	char name[128], err[256];
	struct config cfg;
	pthread_t t;
	pid_t pid;
	int st;

	if (!landlock_available())
		return;
	snprintf(name, sizeof(name), "%s/balise.conf", tmp);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (cfg_parse(text, strlen(text), name, &cfg, err, sizeof(err)) < 0 ||
		    pthread_create(&t, NULL, sleeper, NULL) != 0)
			_exit(100);
		_exit(sandbox_landlock(&cfg) == -1 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
END_TEST

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, threads_run_under_the_filter);
	tcase_add_test(tc, resolver_runs_under_the_filter);
	tcase_add_test(tc, forbidden_call_kills);
	tcase_add_test(tc, log_mode_does_not_kill);
	tcase_add_test(tc, landlock_limits_files);
	tcase_add_test(tc, landlock_refused_beside_a_thread);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sandbox_suite());
	int failed;

	log_init("check_sandbox", LOG_LVL_WARN, false);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
