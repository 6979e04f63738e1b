# SPDX-License-Identifier: ISC
# SEARCH, SORT and THREAD end to end against balised (imaplib over TLS).
TESTS += tests/e2e/test_imap_search.py
EXTRA_DIST += tests/e2e/test_imap_search.py
