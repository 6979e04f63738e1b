# SPDX-License-Identifier: ISC
# Two balised instances as two operators: mail crosses between them over
# mutual TLS (submission, queue runner, SMTP inbound, IMAP read-back),
# French NDR and success DSN come back across.
TESTS += tests/e2e/test_two_operators.py
EXTRA_DIST += tests/e2e/test_two_operators.py
