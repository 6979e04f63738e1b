# SPDX-License-Identifier: ISC
# bench/imapload smoke test (the Dovecot comparison is bench/imap_bench.sh,
# never run by make check).
TESTS += tests/e2e/test_imapload.py
EXTRA_DIST += tests/e2e/test_imapload.py
