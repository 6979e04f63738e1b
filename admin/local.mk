# SPDX-License-Identifier: ISC
bin_PROGRAMS += admin/balisectl
admin_balisectl_SOURCES = \
	admin/balisectl.c admin/ctl.h \
	admin/ctl_args.c \
	admin/ctl_util.c \
	admin/ctl_json.c admin/ctl_json.h \
	admin/ctl_config.c \
	admin/ctl_health.c \
	admin/ctl_domain.c \
	admin/ctl_bal.c \
	admin/ctl_bal_view.c \
	admin/ctl_bal_edit.c \
	admin/ctl_queue.c \
	admin/ctl_quota.c \
	admin/ctl_deleg.c \
	admin/ctl_store.c \
	admin/ctl_whitelist.c \
	admin/ctl_trust.c \
	admin/ctl_lifecycle.c \
	admin/ctl_sieve.c admin/ctl_sieve.h \
	admin/ctl_managed.c \
	admin/ctl_annuaire.c
admin_balisectl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/sieve
admin_balisectl_CFLAGS = $(AM_CFLAGS) $(ARGON2_CFLAGS) $(OPENSSL_CFLAGS)
admin_balisectl_LDADD = $(SIEVE_POLICY_LIBS) $(BALSTORE_LIBS) $(ARGON2_LIBS) $(LIBXML2_LIBS)
