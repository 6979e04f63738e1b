# SPDX-License-Identifier: ISC
# IMAP end to end against balised (STARTTLS and implicit TLS, tls_policy.sh
# on both ports); harness.py is shared by e2e tests that start balised.
TESTS += tests/e2e/test_imap.py
EXTRA_DIST += tests/e2e/test_imap.py tests/e2e/harness.py
