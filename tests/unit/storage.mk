# SPDX-License-Identifier: ISC
# Storage suites: libbalstore (check_storage), BAL rules (check_bal), and
# the kill -9 crash test (test_store_crash).

check_PROGRAMS += tests/unit/check_storage tests/unit/check_bal tests/unit/test_store_crash
tests_unit_check_storage_SOURCES = tests/unit/check_storage.c tests/unit/store_test.h
tests_unit_check_storage_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_storage_LDADD = $(UNIT_LIBS)
tests_unit_check_bal_SOURCES = tests/unit/check_bal.c tests/unit/store_test.h
tests_unit_check_bal_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_bal_LDADD = $(UNIT_LIBS)
tests_unit_test_store_crash_SOURCES = tests/unit/test_store_crash.c tests/unit/store_test.h
tests_unit_test_store_crash_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_crash_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_storage tests/unit/check_bal tests/unit/test_store_crash
