# SPDX-License-Identifier: ISC
# SMTP protocol parsing (no I/O): command lines, paths, MAIL/RCPT
# parameters, xtext, DATA/BDAT readers, SASL PLAIN/LOGIN, replies; its unit
# tests and fuzz targets.
noinst_LIBRARIES += server/smtp/libbalsmtp.a
server_smtp_libbalsmtp_a_SOURCES = \
	server/smtp/smtp_limits.h \
	server/smtp/smtp_reply.c server/smtp/smtp_reply.h \
	server/smtp/smtp_xtext.c server/smtp/smtp_xtext.h \
	server/smtp/smtp_cmd.c server/smtp/smtp_cmd.h \
	server/smtp/smtp_path.c server/smtp/smtp_params.c \
	server/smtp/smtp_data.c server/smtp/smtp_data.h \
	server/smtp/smtp_sasl.c server/smtp/smtp_sasl.h
server_smtp_libbalsmtp_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/smtp

SMTP_UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/smtp
SMTP_LIBS = server/smtp/libbalsmtp.a common/libbalcommon.a

check_PROGRAMS += tests/unit/check_smtp_parser tests/unit/check_smtp_data
TESTS += tests/unit/check_smtp_parser tests/unit/check_smtp_data
tests_unit_check_smtp_parser_SOURCES = tests/unit/check_smtp_parser.c
tests_unit_check_smtp_parser_CPPFLAGS = $(SMTP_UNIT_CPPFLAGS)
tests_unit_check_smtp_parser_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_smtp_parser_LDADD = $(SMTP_LIBS) $(CHECK_LIBS)
tests_unit_check_smtp_data_SOURCES = tests/unit/check_smtp_data.c
tests_unit_check_smtp_data_CPPFLAGS = $(SMTP_UNIT_CPPFLAGS)
tests_unit_check_smtp_data_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_smtp_data_LDADD = $(SMTP_LIBS) $(CHECK_LIBS)
