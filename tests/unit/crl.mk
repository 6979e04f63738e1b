# SPDX-License-Identifier: ISC
# common/crl.c: nextUpdate of [tls] crl, for the stale-CRL warnings.
check_PROGRAMS += tests/unit/check_crl
tests_unit_check_crl_SOURCES = tests/unit/check_crl.c
tests_unit_check_crl_CFLAGS = $(UNIT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_crl_LDADD = common/libbalcommon.a $(OPENSSL_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_crl
