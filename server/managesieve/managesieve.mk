# SPDX-License-Identifier: ISC
# ManageSieve protocol parsing (no I/O): the command reader and the
# responses (RFC 5804); its unit suite and fuzz target.
noinst_LIBRARIES += server/managesieve/libbalmanagesieve.a
server_managesieve_libbalmanagesieve_a_SOURCES = \
	server/managesieve/ms_limits.h \
	server/managesieve/ms_parser.c server/managesieve/ms_parser.h \
	server/managesieve/ms_resp.c server/managesieve/ms_resp.h
server_managesieve_libbalmanagesieve_a_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/server/managesieve -I$(top_srcdir)/sieve

MS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/managesieve -I$(top_srcdir)/sieve
MS_LIBS = server/managesieve/libbalmanagesieve.a common/libbalcommon.a

check_PROGRAMS += tests/unit/check_managesieve_parser
TESTS += tests/unit/check_managesieve_parser
tests_unit_check_managesieve_parser_SOURCES = tests/unit/check_managesieve_parser.c
tests_unit_check_managesieve_parser_CPPFLAGS = $(MS_CPPFLAGS)
tests_unit_check_managesieve_parser_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_managesieve_parser_LDADD = $(MS_LIBS) $(CHECK_LIBS)

# The command reader fed whole and byte by byte, and the responses.
check_PROGRAMS += tests/fuzz/fuzz_managesieve
tests_fuzz_fuzz_managesieve_SOURCES = tests/fuzz/fuzz_managesieve.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_managesieve_CPPFLAGS = $(MS_CPPFLAGS)
tests_fuzz_fuzz_managesieve_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_managesieve_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_managesieve_LDADD = $(MS_LIBS)
EXTRA_DIST += tests/fuzz/managesieve.dict
