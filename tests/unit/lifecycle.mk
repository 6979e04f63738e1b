# SPDX-License-Identifier: ISC
# The BAL lifecycle in libbalstore (check_lifecycle): Sent purge, last
# login, deletion requests, the inactivity job and store_compact.
check_PROGRAMS += tests/unit/check_lifecycle
tests_unit_check_lifecycle_SOURCES = tests/unit/check_lifecycle.c tests/unit/store_test.h
tests_unit_check_lifecycle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_lifecycle_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_lifecycle
