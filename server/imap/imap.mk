# SPDX-License-Identifier: ISC
# IMAP command parser, sequence sets, SEARCH programs; their unit tests.
noinst_LIBRARIES += server/imap/libbalimap.a
server_imap_libbalimap_a_SOURCES = \
	server/imap/imap_limits.h \
	server/imap/imap_arg.c server/imap/imap_arg.h \
	server/imap/imap_parser.c server/imap/imap_parser.h \
	server/imap/imap_seqset.c server/imap/imap_seqset.h \
	server/imap/imap_date.c server/imap/imap_date.h \
	server/imap/imap_search.c server/imap/imap_search.h \
	server/imap/imap_section.c server/imap/imap_section.h \
	server/imap/imap_flags.c server/imap/imap_flags.h
server_imap_libbalimap_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/imap

IMAP_UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/imap
IMAP_UNIT_LDADD = server/imap/libbalimap.a common/libbalcommon.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/check_imap_parser tests/unit/check_imap_seqset \
	tests/unit/check_imap_search
TESTS += tests/unit/check_imap_parser tests/unit/check_imap_seqset \
	tests/unit/check_imap_search
tests_unit_check_imap_parser_SOURCES = tests/unit/check_imap_parser.c
tests_unit_check_imap_parser_CPPFLAGS = $(IMAP_UNIT_CPPFLAGS)
tests_unit_check_imap_parser_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_imap_parser_LDADD = $(IMAP_UNIT_LDADD)
tests_unit_check_imap_seqset_SOURCES = tests/unit/check_imap_seqset.c
tests_unit_check_imap_seqset_CPPFLAGS = $(IMAP_UNIT_CPPFLAGS)
tests_unit_check_imap_seqset_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_imap_seqset_LDADD = $(IMAP_UNIT_LDADD)
tests_unit_check_imap_search_SOURCES = tests/unit/check_imap_search.c
tests_unit_check_imap_search_CPPFLAGS = $(IMAP_UNIT_CPPFLAGS)
tests_unit_check_imap_search_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_imap_search_LDADD = $(IMAP_UNIT_LDADD)
