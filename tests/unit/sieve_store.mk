# SPDX-License-Identifier: ISC
# libbalstore's Sieve tables: scripts, vacation and duplicate memory.
check_PROGRAMS += tests/unit/check_sieve_store
tests_unit_check_sieve_store_SOURCES = tests/unit/check_sieve_store.c tests/unit/store_test.h
tests_unit_check_sieve_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sieve_store_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_sieve_store
