# SPDX-License-Identifier: ISC
# Benchmarks: built with the tree, never run by make check.
noinst_PROGRAMS += bench/storage_append
bench_storage_append_SOURCES = bench/storage_append.c
bench_storage_append_LDADD = $(BALSTORE_LIBS)
dist_noinst_SCRIPTS += bench/storage_append.sh
include bench/smtp.mk
