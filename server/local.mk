# SPDX-License-Identifier: ISC
sbin_PROGRAMS += server/balised
server_balised_SOURCES = server/balised.c
server_balised_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
server_balised_LDADD = $(BALSTORE_LIBS) $(LIBUV_LIBS) $(ARGON2_LIBS)
