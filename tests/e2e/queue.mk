# SPDX-License-Identifier: ISC
# balisectl queue verbs end to end; queue_inject (test-only, linked with
# libbalstore) fills the queue until balised does.
check_PROGRAMS += tests/e2e/queue_inject
tests_e2e_queue_inject_SOURCES = tests/e2e/queue_inject.c
tests_e2e_queue_inject_CFLAGS = $(AM_CFLAGS) $(LMDB_CFLAGS)
tests_e2e_queue_inject_LDADD = $(BALSTORE_LIBS)
TESTS += tests/e2e/test_queue_cli.py
EXTRA_DIST += tests/e2e/test_queue_cli.py
