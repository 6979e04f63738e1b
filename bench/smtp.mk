# SPDX-License-Identifier: ISC
# SMTP benchmark: the load generator (libuv + OpenSSL) driven by
# bench/smtp_bench.sh against balised and Postfix->Dovecot.
noinst_PROGRAMS += bench/smtpload
bench_smtpload_SOURCES = bench/smtpload.c
bench_smtpload_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
bench_smtpload_LDADD = $(LIBUV_LIBS) $(OPENSSL_LIBS)
dist_noinst_SCRIPTS += bench/smtp_bench.sh
