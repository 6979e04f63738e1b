# SPDX-License-Identifier: ISC
# Sieve at delivery (server/sieve_deliver*.c, server/sieve_reply.c): the
# BALs' scripts run on every local copy of an accepted message, in the
# delivery's write transaction; linked into the SMTP server's delivery.
noinst_LIBRARIES += server/libbalsievedlv.a
server_libbalsievedlv_a_SOURCES = server/sieve_deliver.c server/sieve_deliver.h \
	server/sieve_deliver_int.h server/sieve_deliver_exec.c server/sieve_deliver_cache.c \
	server/sieve_deliver_audit.c \
	server/sieve_reply.c server/sieve_reply.h
server_libbalsievedlv_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/sieve
server_libbalsievedlv_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
SIEVE_DELIVER_LIBS = server/libbalsievedlv.a $(SIEVE_POLICY_LIBS) $(SIEVE_LIBS)
SMTPD_LIBS += $(SIEVE_DELIVER_LIBS)

check_PROGRAMS += tests/unit/check_sieve_reply
tests_unit_check_sieve_reply_SOURCES = tests/unit/check_sieve_reply.c
tests_unit_check_sieve_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/sieve
tests_unit_check_sieve_reply_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_sieve_reply_LDADD = $(SIEVE_DELIVER_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_sieve_reply

# What Sieve at delivery parses of a message and writes from it.
check_PROGRAMS += tests/fuzz/fuzz_sieve_deliver
tests_fuzz_fuzz_sieve_deliver_SOURCES = tests/fuzz/fuzz_sieve_deliver.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_sieve_deliver_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_fuzz_fuzz_sieve_deliver_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_sieve_deliver_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sieve_deliver_LDADD = $(SIEVE_DELIVER_LIBS)

check_PROGRAMS += tests/unit/check_sieve_deliver
tests_unit_check_sieve_deliver_SOURCES = tests/unit/check_sieve_deliver.c tests/unit/store_test.h
tests_unit_check_sieve_deliver_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/sieve
tests_unit_check_sieve_deliver_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_sieve_deliver_LDADD = $(SIEVE_DELIVER_LIBS) $(CHECK_LIBS) -lpthread
TESTS += tests/unit/check_sieve_deliver
