# SPDX-License-Identifier: ISC
# SASL PLAIN responses: base64 and the RFC 4616 split (common/sasl.c)
check_PROGRAMS += tests/fuzz/fuzz_sasl
tests_fuzz_fuzz_sasl_SOURCES = tests/fuzz/fuzz_sasl.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_sasl_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sasl_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sasl_LDADD = common/libbalcommon.a
