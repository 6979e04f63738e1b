# SPDX-License-Identifier: ISC
# MIME / RFC 5322 parser, address lists, encoded words and the message
# summary stored beside each blob; their unit tests and fuzz targets.
common_libbalcommon_a_SOURCES += \
	common/mime.c common/mime.h \
	common/mime_header.c common/mime_decode.c \
	common/rfc822_addr.c common/rfc822_addr.h \
	common/rfc2047.c common/rfc2047.h \
	common/msgsum.c common/msgsum.h \
	common/msgsum_imap.c common/msgsum_date.c common/msgsum_subject.c

MIME_TEST_ENV = MIME_CORPUS='$(abs_top_srcdir)/tests/unit/mime-corpus'

check_PROGRAMS += tests/unit/check_mime tests/unit/check_msgsum tests/unit/check_rfc822_addr
tests_unit_check_mime_SOURCES = tests/unit/check_mime.c
tests_unit_check_mime_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_mime_LDADD = common/libbalcommon.a $(CHECK_LIBS)
tests_unit_check_msgsum_SOURCES = tests/unit/check_msgsum.c
tests_unit_check_msgsum_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_msgsum_LDADD = common/libbalcommon.a $(CHECK_LIBS)
tests_unit_check_rfc822_addr_SOURCES = tests/unit/check_rfc822_addr.c
tests_unit_check_rfc822_addr_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_rfc822_addr_LDADD = common/libbalcommon.a $(CHECK_LIBS)
TESTS += tests/unit/check_mime tests/unit/check_msgsum tests/unit/check_rfc822_addr
EXTRA_DIST += tests/unit/mime-corpus
