# SPDX-License-Identifier: ISC
# server/sandbox.c (seccomp allowlist, Landlock rules) in child processes.
check_PROGRAMS += tests/unit/check_sandbox
tests_unit_check_sandbox_SOURCES = tests/unit/check_sandbox.c server/sandbox.c server/sandbox.h
tests_unit_check_sandbox_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_check_sandbox_CFLAGS = $(UNIT_CFLAGS) $(SECCOMP_CFLAGS)
tests_unit_check_sandbox_LDADD = common/libbalcommon.a $(SECCOMP_LIBS) $(CHECK_LIBS) -lresolv
TESTS += tests/unit/check_sandbox
