# SPDX-License-Identifier: ISC
# Audit traces in libbalstore (check_audit): codec, searches, retention by
# deletion and anonymisation, store_check.
check_PROGRAMS += tests/unit/check_audit
tests_unit_check_audit_SOURCES = tests/unit/check_audit.c tests/unit/store_test.h
tests_unit_check_audit_CFLAGS = $(UNIT_CFLAGS) $(LMDB_CFLAGS)
tests_unit_check_audit_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_audit
