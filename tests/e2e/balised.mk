# SPDX-License-Identifier: ISC
# balised start-up, signals and configuration errors; quickstart --help.
TESTS += tests/e2e/test_balised.py
EXTRA_DIST += tests/e2e/test_balised.py
