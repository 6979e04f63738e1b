# SPDX-License-Identifier: ISC
# French notices: DSN/NDR (RFC 3464), quota alerts, their texts; unit tests.
common_libbalcommon_a_SOURCES += \
	common/templates_fr.c common/templates_fr.h \
	common/mailgen.c common/mailgen.h \
	common/notice.c common/notice.h \
	common/dsn.c common/dsn.h

check_PROGRAMS += tests/unit/check_dsn
tests_unit_check_dsn_SOURCES = tests/unit/check_dsn.c
tests_unit_check_dsn_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_dsn_LDADD = common/libbalcommon.a $(CHECK_LIBS)
TESTS += tests/unit/check_dsn
EXTRA_DIST += tests/unit/dsn_email_check.py
