# SPDX-License-Identifier: ISC
# balised's sandbox (seccomp, Landlock); no_landlock runs it as on a kernel
# without Landlock.
check_PROGRAMS += tests/e2e/no_landlock
tests_e2e_no_landlock_SOURCES = tests/e2e/no_landlock.c
tests_e2e_no_landlock_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
tests_e2e_no_landlock_LDADD = $(SECCOMP_LIBS)
TESTS += tests/e2e/test_sandbox.py
EXTRA_DIST += tests/e2e/test_sandbox.py
