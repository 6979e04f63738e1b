# SPDX-License-Identifier: ISC
# Quota alerts (EX_GBM_4470) and multi-recipient local delivery in
# libbalstore (check_quota), with a test alert builder.
check_PROGRAMS += tests/unit/check_quota
tests_unit_check_quota_SOURCES = tests/unit/check_quota.c tests/unit/store_test.h
tests_unit_check_quota_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_quota_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_quota
