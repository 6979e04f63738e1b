# SPDX-License-Identifier: ISC
# End-to-end tests: real binaries, real clients, temporary data.
include tests/e2e/balised.mk
include tests/e2e/cli.mk
include tests/e2e/queue.mk
include tests/e2e/net.mk
include tests/e2e/imap.mk
include tests/e2e/imap_fetch.mk
include tests/e2e/imap_mailbox.mk
include tests/e2e/imap_search.mk
include tests/e2e/whitelist.mk
include tests/e2e/imap_qresync.mk
include tests/e2e/imap_rev2.mk
include tests/e2e/quota.mk
include tests/e2e/imap_acl.mk
include tests/e2e/lifecycle.mk
include tests/e2e/smtp.mk
include tests/e2e/sieve.mk
include tests/e2e/imapload.mk
include tests/e2e/smtpload.mk
include tests/e2e/sandbox.mk
include tests/e2e/two_operators.mk
include tests/e2e/smtp_mx.mk
include tests/e2e/ctl_health.mk
include tests/e2e/clients.mk
include tests/e2e/managesieve.mk
