# SPDX-License-Identifier: ISC
# Check suites of libbalsieve: one per RFC (sieve/local.mk builds the library).
SIEVE_CHECKS = tests/unit/check_sieve_5228
check_PROGRAMS += $(SIEVE_CHECKS)
TESTS += $(SIEVE_CHECKS)
EXTRA_DIST += tests/unit/sieve_check_util.h
SIEVE_CHECK_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sieve
tests_unit_check_sieve_5228_SOURCES = tests/unit/check_sieve_5228.c
tests_unit_check_sieve_5228_CPPFLAGS = $(SIEVE_CHECK_CPPFLAGS)
tests_unit_check_sieve_5228_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_sieve_5228_LDADD = $(SIEVE_LIBS) $(CHECK_LIBS)
