# SPDX-License-Identifier: ISC
# libFuzzer targets. Normal builds link them with standalone.c, which replays
# the corpus (seeds + crash regressions) in make check; a build configured
# with --enable-fuzzing (CC=clang) links them with libFuzzer for real runs:
#   ./quickstart fuzz TARGET [SECONDS]
if ENABLE_FUZZING
FUZZ_DRIVER =
FUZZ_FLAGS = -fsanitize=fuzzer
else
FUZZ_DRIVER = tests/fuzz/standalone.c
FUZZ_FLAGS =
endif
# The loopback/temporary-store harness of the *_session targets.
FUZZ_SESSION_HARNESS = tests/fuzz/session_harness.c tests/fuzz/session_harness.h

check_PROGRAMS += tests/fuzz/fuzz_cfg
tests_fuzz_fuzz_cfg_SOURCES = tests/fuzz/fuzz_cfg.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_cfg_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_cfg_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_cfg_LDADD = common/libbalcommon.a

TESTS += tests/fuzz/run-corpus.sh
EXTRA_DIST += tests/fuzz/run-corpus.sh tests/fuzz/corpus tests/fuzz/cfg.dict
include tests/fuzz/targets.mk
include tests/fuzz/sasl.mk
