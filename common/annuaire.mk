# SPDX-License-Identifier: ISC
# The Annuaire Sante extraction of MSSante BALs (common/annuaire.c) and its
# unit suite; the fuzz target is in tests/fuzz/targets.mk.
common_libbalcommon_a_SOURCES += common/annuaire.c common/annuaire.h

check_PROGRAMS += tests/unit/check_annuaire
tests_unit_check_annuaire_SOURCES = tests/unit/check_annuaire.c
tests_unit_check_annuaire_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_annuaire_LDADD = common/libbalcommon.a $(CHECK_LIBS)
TESTS += tests/unit/check_annuaire
