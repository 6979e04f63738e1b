# SPDX-License-Identifier: ISC
# The ANS trust-space whitelist (libxml2) and DN keys (OpenSSL) and their
# unit suite; the fuzz target is in tests/fuzz/targets.mk. Programs that
# use them link $(WHITELIST_LIBS).
common_libbalcommon_a_SOURCES += \
	common/dn.c common/dn.h \
	common/whitelist.c common/whitelist.h common/whitelist_int.h \
	common/whitelist_xml.c
common_libbalcommon_a_CFLAGS += $(LIBXML2_CFLAGS)
WHITELIST_LIBS = common/libbalcommon.a $(LIBXML2_LIBS) $(OPENSSL_LIBS)

check_PROGRAMS += tests/unit/check_whitelist
tests_unit_check_whitelist_SOURCES = tests/unit/check_whitelist.c
tests_unit_check_whitelist_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_whitelist_LDADD = $(WHITELIST_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_whitelist

EXTRA_DIST += tests/unit/whitelist
