# SPDX-License-Identifier: ISC
# FETCH, STORE, COPY, MOVE and EXPUNGE end to end against balised, and an
# mbsync (isync) two-way sync, skipped when mbsync is not installed.
TESTS += tests/e2e/test_imap_fetch.py tests/e2e/test_mbsync.py
EXTRA_DIST += tests/e2e/test_imap_fetch.py tests/e2e/test_mbsync.py
