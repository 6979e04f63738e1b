# SPDX-License-Identifier: ISC
# server/auth.c: identical checks in flight share one argon2 run.
check_PROGRAMS += tests/unit/check_auth
tests_unit_check_auth_SOURCES = tests/unit/check_auth.c tests/unit/store_test.h
tests_unit_check_auth_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_check_auth_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_auth_LDADD = server/libbalauth.a $(BALSTORE_LIBS) $(LIBUV_LIBS) $(ARGON2_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_auth
