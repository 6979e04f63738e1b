# SPDX-License-Identifier: ISC
# The operator HTTP endpoint of balised ([listen] http): the request parser
# and the page builders (libbalhttp, no I/O), the sessions on the loop
# (libbalhttpd); its unit suite, fuzz target and end-to-end test.
noinst_LIBRARIES += server/http/libbalhttp.a
server_http_libbalhttp_a_SOURCES = \
	server/http/http_parser.c server/http/http_parser.h \
	server/http/http_render.c server/http/http_render.h
server_http_libbalhttp_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server

noinst_LIBRARIES += server/http/libbalhttpd.a
server_http_libbalhttpd_a_SOURCES = server/http/http_server.c server/http/http_server.h
server_http_libbalhttpd_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
server_http_libbalhttpd_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS)
HTTPD_LIBS = server/http/libbalhttpd.a server/http/libbalhttp.a

server_balised_CPPFLAGS += -I$(top_srcdir)/server/http
server_balised_LDADD += $(HTTPD_LIBS) $(IMAPD_LIBS)

check_PROGRAMS += tests/unit/check_http
tests_unit_check_http_SOURCES = tests/unit/check_http.c
tests_unit_check_http_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/server/http
tests_unit_check_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_http_LDADD = server/http/libbalhttp.a $(BALNET_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_http

check_PROGRAMS += tests/unit/check_http_server
tests_unit_check_http_server_SOURCES = tests/unit/check_http_server.c tests/unit/store_test.h
tests_unit_check_http_server_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/http -I$(top_srcdir)/tests/unit
tests_unit_check_http_server_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBUV_CFLAGS)
tests_unit_check_http_server_LDADD = $(HTTPD_LIBS) $(BALNET_LIBS) $(BALSTORE_LIBS) $(CHECK_LIBS)
TESTS += tests/unit/check_http_server

check_PROGRAMS += tests/fuzz/fuzz_http
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_http_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/server/http
tests_fuzz_fuzz_http_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_http_LDADD = server/http/libbalhttp.a $(BALNET_LIBS)
EXTRA_DIST += tests/fuzz/http.dict

TESTS += tests/e2e/test_http.py
EXTRA_DIST += tests/e2e/test_http.py
