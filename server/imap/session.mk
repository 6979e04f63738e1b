# SPDX-License-Identifier: ISC
# IMAP sessions for balised: the session core, the command table and one
# file per command group. A new group adds one line to
# IMAP_CMD_GROUP_SOURCES (and its commands to imap_cmd_table.c).
IMAP_CMD_GROUP_SOURCES = \
	server/imap/imap_cmd_append.c \
	server/imap/imap_cmd_auth.c \
	server/imap/imap_cmd_base.c \
	server/imap/imap_cmd_list.c server/imap/imap_cmd_mailbox.c server/imap/imap_cmd_quota.c \
	server/imap/imap_cmd_fetch.c server/imap/imap_cmd_msgset.c server/imap/imap_cmd_msgset.h \
	server/imap/imap_cmd_copy.c server/imap/imap_cmd_store.c \
	server/imap/imap_cmd_search.c server/imap/imap_search_store.c server/imap/imap_search_store.h \
	server/imap/imap_cmd_select.c \
	server/imap/imap_acl.c server/imap/imap_acl.h server/imap/imap_cmd_acl.c \
	server/imap/imap_qresync.c server/imap/imap_qresync.h \
	server/imap/imap_audit.c server/imap/imap_audit.h

noinst_LIBRARIES += server/imap/libbalimapd.a
server_imap_libbalimapd_a_SOURCES = \
	server/imap/imap_cmd.h \
	server/imap/imap_cmd_table.c \
	server/imap/imap_notify.c server/imap/imap_notify.h \
	server/imap/imap_resp.c \
	server/imap/imap_session.c server/imap/imap_session.h \
	server/imap/imap_view.c server/imap/imap_view.h \
	$(IMAP_CMD_GROUP_SOURCES)
server_imap_libbalimapd_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/imap
server_imap_libbalimapd_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)

# Everything an IMAP server (balised, tests, the session fuzz target) links.
IMAPD_LIBS = server/imap/libbalimapd.a server/libbalalert.a server/libbalauth.a server/imap/libbalimap.a \
	server/libbalnet.a $(BALSTORE_LIBS) $(LIBUV_LIBS) $(OPENSSL_LIBS) $(ARGON2_LIBS)

# The session in-process over loopback sockets (scripts whole, byte by byte,
# in random chunks; IDLE woken by a commit; EXPUNGE held back by the view).
check_PROGRAMS += tests/unit/check_imap_session
TESTS += tests/unit/check_imap_session
tests_unit_check_imap_session_SOURCES = tests/unit/check_imap_session.c
tests_unit_check_imap_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/imap
tests_unit_check_imap_session_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBUV_CFLAGS)
tests_unit_check_imap_session_LDADD = $(IMAPD_LIBS) $(CHECK_LIBS)
