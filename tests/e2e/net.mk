# SPDX-License-Identifier: ISC
# Network and TLS layers end to end: a tiny echo server built on
# listen + conn + tls, driven by Python and by tls_policy.sh.
check_PROGRAMS += tests/e2e/tls_echo
tests_e2e_tls_echo_SOURCES = tests/e2e/tls_echo.c
tests_e2e_tls_echo_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_e2e_tls_echo_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
tests_e2e_tls_echo_LDADD = $(BALNET_LIBS)
TESTS += tests/e2e/test_tls.py
EXTRA_DIST += tests/e2e/test_tls.py
