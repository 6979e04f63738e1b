# SPDX-License-Identifier: ISC
# SMTP end to end against balised: inbound with client certificates and a
# test whitelist, submission with AUTH, smtplib and swaks, IMAP read-back,
# the outbound queue, SIGKILL under load, tls_policy.sh on the three ports.
TESTS += tests/e2e/test_smtp.py
EXTRA_DIST += tests/e2e/test_smtp.py
