# SPDX-License-Identifier: ISC
# The SMTP server sessions of balised (inbound from other operators on
# port 25, submission on 587 and 465) and their delivery into the store;
# the session fuzz target; the end-to-end test is tests/e2e/smtp.mk.
noinst_LIBRARIES += server/smtp/libbalsmtpd.a
server_smtp_libbalsmtpd_a_SOURCES = \
	server/smtp/smtp_session.c server/smtp/smtp_session.h \
	server/smtp/smtp_session_int.h \
	server/smtp/smtp_session_tx.c server/smtp/smtp_session_auth.c \
	server/smtp/smtp_audit.c server/smtp/smtp_audit.h \
	server/smtp/smtp_trust.c \
	server/smtp/smtp_deliver.c server/smtp/smtp_deliver.h
server_smtp_libbalsmtpd_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/smtp -I$(top_srcdir)/server/imap
server_smtp_libbalsmtpd_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)

# Linked before IMAPD_LIBS (the delivery jobs use its loop notifications).
SMTPD_LIBS = server/smtp/libbalsmtpd.a server/smtp/libbalsmtp.a

# A whole SMTP session fed from the fuzzer (loopback socket, temporary store).
check_PROGRAMS += tests/fuzz/fuzz_smtp_session
tests_fuzz_fuzz_smtp_session_SOURCES = tests/fuzz/fuzz_smtp_session.c \
	$(FUZZ_SESSION_HARNESS) $(FUZZ_DRIVER)
tests_fuzz_fuzz_smtp_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/smtp -I$(top_srcdir)/server/imap
tests_fuzz_fuzz_smtp_session_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_smtp_session_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_smtp_session_LDADD = $(SMTPD_LIBS) $(IMAPD_LIBS) $(LIBXML2_LIBS)
EXTRA_DIST += tests/fuzz/smtp_session.dict
