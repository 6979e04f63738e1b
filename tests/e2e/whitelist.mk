# SPDX-License-Identifier: ISC
# balisectl whitelist check|show and config check on whitelist files.
TESTS += tests/e2e/test_whitelist.py
EXTRA_DIST += tests/e2e/test_whitelist.py
