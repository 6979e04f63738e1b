# SPDX-License-Identifier: ISC
# FETCH item lists and response rendering (RFC 3501 §6.4.5, §7.4.2; RFC 3516)
# in libbalimap; their unit test.
server_imap_libbalimap_a_SOURCES += \
	server/imap/imap_fetch_items.c server/imap/imap_fetch_items.h \
	server/imap/imap_fetch_render.c server/imap/imap_fetch_render.h

check_PROGRAMS += tests/unit/check_imap_fetch
TESTS += tests/unit/check_imap_fetch
tests_unit_check_imap_fetch_SOURCES = tests/unit/check_imap_fetch.c
tests_unit_check_imap_fetch_CPPFLAGS = $(IMAP_UNIT_CPPFLAGS) \
	-DMIME_CORPUS_DIR='"$(abs_top_srcdir)/tests/unit/mime-corpus"'
tests_unit_check_imap_fetch_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_imap_fetch_LDADD = $(IMAP_UNIT_LDADD)
