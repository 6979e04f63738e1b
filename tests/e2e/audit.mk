# SPDX-License-Identifier: ISC
# Audit traces end to end: IMAP, submission and inbound SMTP records with
# every field, delegation, no message content anywhere, retention with a
# set clock, admin traces (balisectl audit search|export|expire).
TESTS += tests/e2e/test_audit.py
EXTRA_DIST += tests/e2e/test_audit.py
