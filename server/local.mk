# SPDX-License-Identifier: ISC
# balised, the daemon. Later work adds the listeners, TLS and protocol
# sessions under server/ and lists their sources here.
sbin_PROGRAMS += server/balised
server_balised_SOURCES = server/balised.c
server_balised_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
server_balised_LDADD = $(BALSTORE_LIBS) $(LIBUV_LIBS) $(ARGON2_LIBS)
