# SPDX-License-Identifier: ISC
# store_backup in libbalstore (check_backup): the copy of the moment, under
# concurrent writes, and its refusals.
check_PROGRAMS += tests/unit/check_backup
tests_unit_check_backup_SOURCES = tests/unit/check_backup.c tests/unit/store_test.h
tests_unit_check_backup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_backup_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_backup
