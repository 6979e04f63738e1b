# SPDX-License-Identifier: ISC
# admin-side suites: password hashing (common/pwhash) and balisectl's JSON writer.
check_PROGRAMS += tests/unit/check_pwhash tests/unit/check_json
tests_unit_check_pwhash_SOURCES = tests/unit/check_pwhash.c
tests_unit_check_pwhash_CFLAGS = $(UNIT_CFLAGS) $(ARGON2_CFLAGS)
tests_unit_check_pwhash_LDADD = common/libbalcommon.a $(ARGON2_LIBS) $(CHECK_LIBS)
tests_unit_check_json_SOURCES = tests/unit/check_json.c admin/ctl_json.c admin/ctl_json.h
tests_unit_check_json_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tests_unit_check_json_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_json_LDADD = common/libbalcommon.a $(CHECK_LIBS)
TESTS += tests/unit/check_pwhash tests/unit/check_json
