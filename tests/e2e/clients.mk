# SPDX-License-Identifier: ISC
# Operator tooling and real clients: the configuration reference against the
# code's key table, balisectl backup (hot copy, restored and served by a
# second balised).
TESTS += tests/e2e/test_config_doc.py tests/e2e/test_backup.py
EXTRA_DIST += tests/e2e/test_config_doc.py tests/e2e/test_backup.py tests/e2e/clientlab.py
