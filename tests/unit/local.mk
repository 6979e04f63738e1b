# SPDX-License-Identifier: ISC
# Check suites, one per module. Each owner keeps its own fragment.
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LIBS = $(BALSTORE_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/check_cfg
tests_unit_check_cfg_SOURCES = tests/unit/check_cfg.c
tests_unit_check_cfg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_LDADD = common/libbalcommon.a $(CHECK_LIBS)
TESTS += tests/unit/check_cfg

include tests/unit/storage.mk
include tests/unit/queue.mk
include tests/unit/quota.mk
include tests/unit/lifecycle.mk
include tests/unit/admin.mk
include tests/unit/net.mk
include tests/unit/sieve_store.mk
include tests/unit/deleg.mk
include tests/unit/sandbox.mk
include tests/unit/backup.mk
include tests/unit/auth.mk
include tests/unit/crl.mk
