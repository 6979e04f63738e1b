# SPDX-License-Identifier: ISC
# Smoke test of the SMTP benchmark's load generator (bench/smtpload) against
# an asyncio STARTTLS sink: every message once, refusals counted as errors.
TESTS += tests/e2e/test_smtpload.py
EXTRA_DIST += tests/e2e/test_smtpload.py
