# SPDX-License-Identifier: ISC
# balisectl sieve, vacation, forward and annuaire verbs end to end;
# sieve_inject (test-only, linked with libbalstore) stores scripts without
# compiling them.
check_PROGRAMS += tests/e2e/sieve_inject
tests_e2e_sieve_inject_SOURCES = tests/e2e/sieve_inject.c
tests_e2e_sieve_inject_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sieve
tests_e2e_sieve_inject_LDADD = $(SIEVE_LIBS) $(BALSTORE_LIBS)
TESTS += tests/e2e/test_sieve_cli.py
EXTRA_DIST += tests/e2e/test_sieve_cli.py
TESTS += tests/e2e/test_sieve_delivery.py
EXTRA_DIST += tests/e2e/test_sieve_delivery.py
