# SPDX-License-Identifier: ISC
# libbalstore's outbound queue (check_queue); it reaches below the API
# (store_int.h) to inject inconsistencies for store_check.
check_PROGRAMS += tests/unit/check_queue
tests_unit_check_queue_SOURCES = tests/unit/check_queue.c tests/unit/store_test.h
tests_unit_check_queue_CFLAGS = $(UNIT_CFLAGS) $(LMDB_CFLAGS)
tests_unit_check_queue_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_queue
