# SPDX-License-Identifier: ISC
# Authentication: server/auth.c (identical checks in flight share one argon2
# run) and common/sasl.c.
check_PROGRAMS += tests/unit/check_auth
tests_unit_check_auth_SOURCES = tests/unit/check_auth.c tests/unit/store_test.h
tests_unit_check_auth_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_check_auth_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_auth_LDADD = server/libbalauth.a $(BALSTORE_LIBS) $(LIBUV_LIBS) $(ARGON2_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_auth

# common/sasl.c: the SASL PLAIN split and base64 shared by SMTP and IMAP.
check_PROGRAMS += tests/unit/check_sasl
tests_unit_check_sasl_SOURCES = tests/unit/check_sasl.c
tests_unit_check_sasl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sasl_LDADD = common/libbalcommon.a $(CHECK_LIBS)
TESTS += tests/unit/check_sasl
