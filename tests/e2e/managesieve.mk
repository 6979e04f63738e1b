# SPDX-License-Identifier: ISC
# ManageSieve end to end against balised over TLS (sieve-connect and a raw
# Python client; the TLS policy checked from Python).
TESTS += tests/e2e/test_managesieve.py
EXTRA_DIST += tests/e2e/test_managesieve.py
