# SPDX-License-Identifier: ISC
bin_PROGRAMS += admin/balisectl
admin_balisectl_SOURCES = admin/balisectl.c
admin_balisectl_CFLAGS = $(AM_CFLAGS) $(ARGON2_CFLAGS)
admin_balisectl_LDADD = $(BALSTORE_LIBS) $(ARGON2_LIBS)
