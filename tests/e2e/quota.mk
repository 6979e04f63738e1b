# SPDX-License-Identifier: ISC
# Quota alerts (EX_GBM_4470) end to end: IMAP APPEND and COPY fill a small
# quota over TLS, balised's French alerts are read back, and balisectl quota
# report is checked as text and JSON.
TESTS += tests/e2e/test_quota.py
EXTRA_DIST += tests/e2e/test_quota.py
