# SPDX-License-Identifier: ISC
# libbalnet: listeners, connections and the TLS layer shared by the SMTP,
# IMAP and ManageSieve sessions.
noinst_LIBRARIES += server/libbalnet.a
server_libbalnet_a_SOURCES = \
	server/tls.c server/tls.h \
	server/conn.c server/conn.h \
	server/listen.c server/listen.h \
	server/metrics.c server/metrics.h \
	server/session_set.c server/session_set.h
server_libbalnet_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
BALNET_LIBS = server/libbalnet.a common/libbalcommon.a $(LIBUV_LIBS) $(OPENSSL_LIBS)
