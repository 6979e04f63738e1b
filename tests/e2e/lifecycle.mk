# SPDX-License-Identifier: ISC
# The BAL lifecycle end to end: Sent purge (balisectl and balised's job),
# wiping by store compact, deletion requests (EX_GBM_6021), inactivity
# warnings cancelled by an IMAP login (balisectl bal inactivity-run --now).
TESTS += tests/e2e/test_lifecycle.py
EXTRA_DIST += tests/e2e/test_lifecycle.py

# Every successful login counts for inactivity: IMAP, submission, and a
# delegated login for the delegate, not for the BAL opened.
TESTS += tests/e2e/test_last_login.py
EXTRA_DIST += tests/e2e/test_last_login.py
