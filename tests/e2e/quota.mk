# SPDX-License-Identifier: ISC
# Quota alerts (EX_GBM_4470) end to end: balised_alerts is balised with a
# test alert builder installed before main() (alert_builder.c); IMAP APPEND
# and COPY fill a small quota over TLS, the alerts are read back, and
# balisectl quota report is checked as text and JSON.
check_PROGRAMS += tests/e2e/balised_alerts
tests_e2e_balised_alerts_SOURCES = $(server_balised_SOURCES) tests/e2e/alert_builder.c
tests_e2e_balised_alerts_CPPFLAGS = $(server_balised_CPPFLAGS)
tests_e2e_balised_alerts_CFLAGS = $(server_balised_CFLAGS)
tests_e2e_balised_alerts_LDADD = $(server_balised_LDADD)
TESTS += tests/e2e/test_quota.py
EXTRA_DIST += tests/e2e/test_quota.py
