# SPDX-License-Identifier: ISC
# Differential test against Pigeonhole's sieve-test (skipped without it).
check_PROGRAMS += tests/sieve-diff/sieve-run
tests_sieve_diff_sieve_run_SOURCES = tests/sieve-diff/sieve_run.c
tests_sieve_diff_sieve_run_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sieve
tests_sieve_diff_sieve_run_LDADD = $(SIEVE_LIBS)
TESTS += tests/sieve-diff/run.sh
EXTRA_DIST += tests/sieve-diff/run.sh tests/sieve-diff/sieve_diff.py \
	tests/sieve-diff/known-diffs.txt tests/sieve-diff/corpus tests/sieve-diff/README.md
