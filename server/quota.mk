# SPDX-License-Identifier: ISC
# Quota alerts for balised's sessions (quota_alert.c): the store_alerter
# that APPEND, COPY and SMTP delivery pass to libbalstore.
noinst_LIBRARIES += server/libbalalert.a
server_libbalalert_a_SOURCES = server/quota_alert.c server/quota_alert.h
server_libbalalert_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
