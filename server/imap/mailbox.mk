# SPDX-License-Identifier: ISC
# Mailbox names in modified UTF-7 (RFC 3501 section 5.1.3) in libbalimap,
# and its unit test. The mailbox commands (imap_cmd_mailbox.c, _list.c,
# _quota.c) are listed in session.mk with the other command groups.
server_imap_libbalimap_a_SOURCES += \
	server/imap/imap_mutf7.c server/imap/imap_mutf7.h
EXTRA_DIST += server/imap/imap_cmd_mailbox.h

check_PROGRAMS += tests/unit/check_imap_mutf7
TESTS += tests/unit/check_imap_mutf7
tests_unit_check_imap_mutf7_SOURCES = tests/unit/check_imap_mutf7.c
tests_unit_check_imap_mutf7_CPPFLAGS = $(IMAP_UNIT_CPPFLAGS)
tests_unit_check_imap_mutf7_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_imap_mutf7_LDADD = $(IMAP_UNIT_LDADD)
