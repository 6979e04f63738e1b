# SPDX-License-Identifier: ISC
# IMAP mailbox commands end to end: LIST (extended, STATUS, SPECIAL-USE),
# CREATE/DELETE/RENAME, SUBSCRIBE/LSUB, STATUS, QUOTA, modified UTF-7.
TESTS += tests/e2e/test_imap_mailbox.py
EXTRA_DIST += tests/e2e/test_imap_mailbox.py
