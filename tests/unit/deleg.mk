# SPDX-License-Identifier: ISC
# Delegation: rights parsing and resolution, grants, access log (check_deleg).
check_PROGRAMS += tests/unit/check_deleg
tests_unit_check_deleg_SOURCES = tests/unit/check_deleg.c tests/unit/store_test.h
tests_unit_check_deleg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_deleg_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_deleg
