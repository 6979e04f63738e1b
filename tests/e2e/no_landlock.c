/* SPDX-License-Identifier: ISC */
/* Test helper: runs a command on a "kernel without Landlock" by making the
 * landlock_create_ruleset system call fail with ENOSYS (a seccomp filter
 * that allows everything else), so that test_sandbox.py can check that
 * balised logs the missing Landlock and serves anyway.
 * usage: no_landlock PROGRAM [ARG...] */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	int nr, r;

	if (argc < 2) {
		fprintf(stderr, "usage: no_landlock PROGRAM [ARG...]\n");
		return 2;
	}
	nr = seccomp_syscall_resolve_name("landlock_create_ruleset");
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL || nr == __NR_SCMP_ERROR) {
		fprintf(stderr, "no_landlock: cannot build the filter\n");
		return 1;
	}
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		fprintf(stderr, "no_landlock: %s\n", strerror(-r));
		return 1;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "no_landlock: %s: %s\n", argv[1], strerror(errno));
	return 1;
}
