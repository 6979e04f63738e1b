# SPDX-License-Identifier: ISC
# TLS layer suite: in-memory handshakes against the EX_OPE_5010 policy.
check_PROGRAMS += tests/unit/check_tls
tests_unit_check_tls_SOURCES = tests/unit/check_tls.c
tests_unit_check_tls_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_check_tls_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_tls_LDADD = $(BALNET_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_tls

# Connections over loopback: line reader, pause, raw mode, back-pressure, STARTTLS.
check_PROGRAMS += tests/unit/check_conn
tests_unit_check_conn_SOURCES = tests/unit/check_conn.c
tests_unit_check_conn_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_check_conn_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_conn_LDADD = $(BALNET_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_conn

# The live-session registry shared by the IMAP, SMTP, ManageSieve and HTTP sessions.
check_PROGRAMS += tests/unit/check_session_set
tests_unit_check_session_set_SOURCES = tests/unit/check_session_set.c
tests_unit_check_session_set_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_check_session_set_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_session_set_LDADD = $(BALNET_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_session_set
