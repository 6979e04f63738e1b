# SPDX-License-Identifier: ISC
# balisectl on a temporary store: exit codes, messages, --json.
TESTS += tests/e2e/test_cli.py
EXTRA_DIST += tests/e2e/test_cli.py
