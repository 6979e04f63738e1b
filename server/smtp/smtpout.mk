# SPDX-License-Identifier: ISC
# The outbound side of SMTP: routing (static routes, MX), the SMTP client,
# and the queue runner that balised starts; their unit tests, fuzz target
# and end-to-end test.
noinst_LIBRARIES += server/smtp/libbalsmtpout.a
server_smtp_libbalsmtpout_a_SOURCES = \
	server/smtp/smtpc_reply.c server/smtp/smtpc_reply.h \
	server/smtp/mx.c server/smtp/mx.h \
	server/smtp/smtp_client.c server/smtp/smtp_client.h \
	server/smtp/queue_runner.c server/smtp/queue_runner.h \
	server/smtp/queue_record.c server/smtp/queue_int.h
server_smtp_libbalsmtpout_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/smtp
server_smtp_libbalsmtpout_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
SMTPOUT_LIBS = server/smtp/libbalsmtpout.a server/smtp/libbalsmtp.a server/libbalnet.a $(BALSTORE_LIBS) \
	$(LIBUV_LIBS) $(WHITELIST_LIBS) $(RESOLV_LIBS)

server_balised_CPPFLAGS += -I$(top_srcdir)/server/smtp
server_balised_LDADD += $(SMTPOUT_LIBS)

check_PROGRAMS += tests/unit/check_smtpout
tests_unit_check_smtpout_SOURCES = tests/unit/check_smtpout.c
tests_unit_check_smtpout_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/smtp
tests_unit_check_smtpout_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_smtpout_LDADD = $(SMTPOUT_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_smtpout

TESTS += tests/e2e/test_smtp_out.py
EXTRA_DIST += tests/e2e/test_smtp_out.py

# Replies of remote SMTP servers (server/smtp/smtpc_reply.c)
check_PROGRAMS += tests/fuzz/fuzz_smtpc_reply
tests_fuzz_fuzz_smtpc_reply_SOURCES = tests/fuzz/fuzz_smtpc_reply.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_smtpc_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/smtp
tests_fuzz_fuzz_smtpc_reply_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_smtpc_reply_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_smtpc_reply_LDADD = server/smtp/libbalsmtpout.a server/smtp/libbalsmtp.a common/libbalcommon.a
EXTRA_DIST += tests/fuzz/smtpc_reply.dict
