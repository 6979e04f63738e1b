# SPDX-License-Identifier: ISC
# Delegation end to end (issue 6, MSSante v1.6): balisectl delegate, IMAP
# AUTHENTICATE PLAIN with an authorization identity, RFC 4314 rights and
# the ACL extension over implicit TLS, delegate log.
TESTS += tests/e2e/test_imap_acl.py
EXTRA_DIST += tests/e2e/test_imap_acl.py
