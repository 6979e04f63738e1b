# SPDX-License-Identifier: ISC
# balised, the daemon, and the password checks its sessions share. The
# IMAP sessions come from server/imap/session.mk.
noinst_LIBRARIES += server/libbalauth.a
server_libbalauth_a_SOURCES = server/auth.c server/auth.h
server_libbalauth_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)

sbin_PROGRAMS += server/balised
server_balised_SOURCES = server/balised.c server/lifecycle_job.c server/lifecycle_job.h
server_balised_SOURCES += server/sandbox.c server/sandbox.h
server_balised_SOURCES += server/annuaire_reload.c server/annuaire_reload.h
server_balised_SOURCES += server/crl_watch.c server/crl_watch.h
server_balised_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/server/imap
server_balised_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS) $(SECCOMP_CFLAGS)
server_balised_CPPFLAGS += -I$(top_srcdir)/server/smtp
server_balised_CPPFLAGS += -I$(top_srcdir)/server/managesieve -I$(top_srcdir)/sieve
server_balised_LDADD = $(MSD_LIBS) server/libbalsievepolicy.a $(SMTPD_LIBS) $(IMAPD_LIBS) $(LIBXML2_LIBS) \
	$(SECCOMP_LIBS)

include server/imap/session.mk
include server/quota.mk
