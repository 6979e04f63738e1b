# SPDX-License-Identifier: ISC
# SORT and THREAD (RFC 5256): sort keys, the thread algorithms, their unit
# tests and fuzz target.
server_imap_libbalimap_a_SOURCES += \
	server/imap/imap_sort.c server/imap/imap_sort.h server/imap/imap_sort_casemap.h \
	server/imap/imap_thread.c server/imap/imap_thread.h
EXTRA_DIST += server/imap/gen_casemap_table.py

check_PROGRAMS += tests/unit/check_imap_sort tests/unit/check_imap_thread
TESTS += tests/unit/check_imap_sort tests/unit/check_imap_thread
tests_unit_check_imap_sort_SOURCES = tests/unit/check_imap_sort.c
tests_unit_check_imap_sort_CPPFLAGS = $(IMAP_UNIT_CPPFLAGS)
tests_unit_check_imap_sort_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_imap_sort_LDADD = $(IMAP_UNIT_LDADD)
tests_unit_check_imap_thread_SOURCES = tests/unit/check_imap_thread.c
tests_unit_check_imap_thread_CPPFLAGS = $(IMAP_UNIT_CPPFLAGS)
tests_unit_check_imap_thread_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_imap_thread_LDADD = $(IMAP_UNIT_LDADD)
# Dovecot cross-check, run by hand: python3 tests/unit/xcheck_imap_sort.py BUILDDIR
EXTRA_DIST += tests/unit/xcheck_imap_sort.py tests/unit/xcheck_imap_sort.c
