# SPDX-License-Identifier: ISC
# Operator tooling and real clients: the configuration reference against the
# code's key table, balisectl backup (hot copy, restored and served by a
# second balised), and mutt, offlineimap and fetchmail over TLS with the
# test CA (each skipped, exit 77, when its Debian package is missing;
# ./quickstart test installs them).
TESTS += tests/e2e/test_config_doc.py tests/e2e/test_backup.py \
	tests/e2e/test_mutt.py tests/e2e/test_offlineimap.py tests/e2e/test_fetchmail.py
EXTRA_DIST += tests/e2e/test_config_doc.py tests/e2e/test_backup.py \
	tests/e2e/test_mutt.py tests/e2e/test_offlineimap.py tests/e2e/test_fetchmail.py \
	tests/e2e/clientlab.py docs/configuration.md
