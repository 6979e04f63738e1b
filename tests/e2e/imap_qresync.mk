# SPDX-License-Identifier: ISC
# QRESYNC end to end (VANISHED on SELECT, UID FETCH, IDLE and NOOP; CLOSED),
# CLOSE on the store's \Deleted, BYE for a mailbox deleted elsewhere.
TESTS += tests/e2e/test_imap_qresync.py
EXTRA_DIST += tests/e2e/test_imap_qresync.py
