# SPDX-License-Identifier: ISC
# IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855) end to end, with the
# poll for changes made by another process (store_deliver appends while
# balised runs).
check_PROGRAMS += tests/e2e/store_deliver
tests_e2e_store_deliver_SOURCES = tests/e2e/store_deliver.c
tests_e2e_store_deliver_LDADD = $(BALSTORE_LIBS)
TESTS += tests/e2e/test_imap_rev2.py
EXTRA_DIST += tests/e2e/test_imap_rev2.py
