# SPDX-License-Identifier: ISC
# balisectl health, the container image's HEALTHCHECK: a greeting,
# nothing listening, a wrong greeting, none before the time-out.
TESTS += tests/e2e/test_ctl_health.py
EXTRA_DIST += tests/e2e/test_ctl_health.py
