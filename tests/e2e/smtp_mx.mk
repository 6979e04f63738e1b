# SPDX-License-Identifier: ISC
# The outbound queue's MX lookup with no static route: balised in new
# network and mount namespaces (root, else SKIP) with a DNS responder and an
# SMTP sink on port 25 written in the test: MX, A fall-back, null MX, NXDOMAIN.
TESTS += tests/e2e/test_smtp_mx.py
EXTRA_DIST += tests/e2e/test_smtp_mx.py
