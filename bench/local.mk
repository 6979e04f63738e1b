# SPDX-License-Identifier: ISC
# Benchmarks: built with the tree, never run by make check.
noinst_PROGRAMS += bench/storage_append
bench_storage_append_SOURCES = bench/storage_append.c
bench_storage_append_LDADD = $(BALSTORE_LIBS)
dist_noinst_SCRIPTS += bench/storage_append.sh
noinst_PROGRAMS += bench/bal_hashes bench/imapload
bench_bal_hashes_SOURCES = bench/bal_hashes.c
bench_bal_hashes_LDADD = $(BALSTORE_LIBS)
bench_imapload_SOURCES = bench/imapload.c bench/imapload_conn.c bench/imapload_cpu.c bench/imapload_msg.c bench/imapload.h
bench_imapload_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
bench_imapload_LDADD = $(LIBUV_LIBS) $(OPENSSL_LIBS)
dist_noinst_SCRIPTS += bench/imap_bench.sh
