# SPDX-License-Identifier: ISC
# The forwarding rule RE_GBM_4480 (server/sieve_policy.c), for ManageSieve
# uploads and Sieve at delivery, the thread-safe trust data it reads in
# balised (server/trust_snap.c), the upload compiler that applies it
# (server/sieve_upload.c), the managed rules' script (server/sieve_managed.c),
# and their unit suites.
noinst_LIBRARIES += server/libbalsievepolicy.a
server_libbalsievepolicy_a_SOURCES = server/sieve_policy.c server/sieve_policy.h \
	server/sieve_upload.c server/sieve_upload.h \
	server/sieve_managed.c server/sieve_managed.h
server_libbalsievepolicy_a_SOURCES += server/trust_snap.c server/trust_snap.h
server_libbalsievepolicy_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/sieve
server_libbalsievepolicy_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
SIEVE_POLICY_LIBS = server/libbalsievepolicy.a sieve/libbalsieve.a $(BALSTORE_LIBS) \
	$(WHITELIST_LIBS)

check_PROGRAMS += tests/unit/check_sieve_policy
tests_unit_check_sieve_policy_SOURCES = tests/unit/check_sieve_policy.c tests/unit/store_test.h
tests_unit_check_sieve_policy_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_check_sieve_policy_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_sieve_policy_LDADD = $(SIEVE_POLICY_LIBS) $(CHECK_LIBS) -lpthread
TESTS += tests/unit/check_sieve_policy

check_PROGRAMS += tests/unit/check_sieve_upload
tests_unit_check_sieve_upload_SOURCES = tests/unit/check_sieve_upload.c tests/unit/store_test.h
tests_unit_check_sieve_upload_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/sieve
tests_unit_check_sieve_upload_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_check_sieve_upload_LDADD = $(SIEVE_POLICY_LIBS) $(CHECK_LIBS) -lpthread
TESTS += tests/unit/check_sieve_upload

# The vacation inputs and generated script (tests/fuzz/local.mk drivers)
check_PROGRAMS += tests/fuzz/fuzz_sieve_managed
tests_fuzz_fuzz_sieve_managed_SOURCES = tests/fuzz/fuzz_sieve_managed.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_sieve_managed_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/sieve
tests_fuzz_fuzz_sieve_managed_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_sieve_managed_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sieve_managed_LDADD = $(SIEVE_POLICY_LIBS) -lpthread
EXTRA_DIST += tests/fuzz/sieve_managed.dict
