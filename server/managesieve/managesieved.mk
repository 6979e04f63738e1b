# SPDX-License-Identifier: ISC
# The ManageSieve sessions of balised (RFC 5804, port 4190) and their
# session fuzz target; the end-to-end test is tests/e2e/managesieve.mk.
noinst_LIBRARIES += server/managesieve/libbalmanagesieved.a
server_managesieve_libbalmanagesieved_a_SOURCES = \
	server/managesieve/ms_session.c server/managesieve/ms_session.h \
	server/managesieve/ms_session_int.h \
	server/managesieve/ms_cmd_auth.c server/managesieve/ms_cmd_script.c \
	server/managesieve/ms_audit.c
server_managesieve_libbalmanagesieved_a_CPPFLAGS = $(MS_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/imap
server_managesieve_libbalmanagesieved_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)

# Linked before IMAPD_LIBS (auth, loop notifications, libbalnet, the store).
MSD_LIBS = server/managesieve/libbalmanagesieved.a server/managesieve/libbalmanagesieve.a \
	server/libbalsievepolicy.a sieve/libbalsieve.a $(WHITELIST_LIBS)

# A whole ManageSieve session fed from the fuzzer (loopback socket,
# temporary store).
check_PROGRAMS += tests/fuzz/fuzz_managesieve_session
tests_fuzz_fuzz_managesieve_session_SOURCES = tests/fuzz/fuzz_managesieve_session.c \
	$(FUZZ_SESSION_HARNESS) $(FUZZ_DRIVER)
tests_fuzz_fuzz_managesieve_session_CPPFLAGS = $(MS_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/imap
tests_fuzz_fuzz_managesieve_session_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS) \
	$(FUZZ_FLAGS)
tests_fuzz_fuzz_managesieve_session_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_managesieve_session_LDADD = $(MSD_LIBS) $(IMAPD_LIBS) $(LIBXML2_LIBS)
EXTRA_DIST += tests/fuzz/managesieve_session.dict
