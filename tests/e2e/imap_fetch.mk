# SPDX-License-Identifier: ISC
# FETCH, STORE, COPY, MOVE and EXPUNGE end to end against balised, and an
# mbsync two-way sync when isync is installed.
TESTS += tests/e2e/test_imap_fetch.py
EXTRA_DIST += tests/e2e/test_imap_fetch.py
