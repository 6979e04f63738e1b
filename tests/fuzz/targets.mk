# SPDX-License-Identifier: ISC
# Further fuzz targets (one block each, like fuzz_cfg in local.mk).

# MIME parser + summary builder + section fetches (common/mime.mk)
check_PROGRAMS += tests/fuzz/fuzz_mime
tests_fuzz_fuzz_mime_SOURCES = tests/fuzz/fuzz_mime.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_mime_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_mime_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_mime_LDADD = common/libbalcommon.a
EXTRA_DIST += tests/fuzz/mime.dict

# stored message summaries, possibly corrupt (common/msgsum.c)
check_PROGRAMS += tests/fuzz/fuzz_msgsum
tests_fuzz_fuzz_msgsum_SOURCES = tests/fuzz/fuzz_msgsum.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_msgsum_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_msgsum_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_msgsum_LDADD = common/libbalcommon.a
EXTRA_DIST += tests/fuzz/msgsum.dict

# IMAP command parser, sequence sets and SEARCH programs (server/imap/imap.mk)
check_PROGRAMS += tests/fuzz/fuzz_imap_parser
tests_fuzz_fuzz_imap_parser_SOURCES = tests/fuzz/fuzz_imap_parser.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_imap_parser_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/imap
tests_fuzz_fuzz_imap_parser_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_parser_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_parser_LDADD = server/imap/libbalimap.a common/libbalcommon.a
EXTRA_DIST += tests/fuzz/imap_parser.dict

# FETCH item lists and response rendering (server/imap/fetch.mk)
check_PROGRAMS += tests/fuzz/fuzz_imap_fetch
tests_fuzz_fuzz_imap_fetch_SOURCES = tests/fuzz/fuzz_imap_fetch.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_imap_fetch_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/imap
tests_fuzz_fuzz_imap_fetch_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_fetch_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_fetch_LDADD = server/imap/libbalimap.a common/libbalcommon.a
EXTRA_DIST += tests/fuzz/imap_fetch.dict

# SORT and THREAD on random header sets (server/imap/sort.mk)
check_PROGRAMS += tests/fuzz/fuzz_imap_thread
tests_fuzz_fuzz_imap_thread_SOURCES = tests/fuzz/fuzz_imap_thread.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_imap_thread_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/imap
tests_fuzz_fuzz_imap_thread_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_thread_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_thread_LDADD = server/imap/libbalimap.a common/libbalcommon.a
EXTRA_DIST += tests/fuzz/imap_thread.dict

# A whole IMAP session (listener, conn, parser, commands) on a loopback
# socket against a temporary store (server/imap/session.mk)
check_PROGRAMS += tests/fuzz/fuzz_imap_session
tests_fuzz_fuzz_imap_session_SOURCES = tests/fuzz/fuzz_imap_session.c \
	$(FUZZ_SESSION_HARNESS) $(FUZZ_DRIVER)
tests_fuzz_fuzz_imap_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server \
	-I$(top_srcdir)/server/imap
tests_fuzz_fuzz_imap_session_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_session_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_session_LDADD = $(IMAPD_LIBS)
EXTRA_DIST += tests/fuzz/imap_session.dict

# The ANS trust-space whitelist XML and DN keys (common/whitelist.mk)
check_PROGRAMS += tests/fuzz/fuzz_whitelist
tests_fuzz_fuzz_whitelist_SOURCES = tests/fuzz/fuzz_whitelist.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_whitelist_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_whitelist_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_whitelist_LDADD = $(WHITELIST_LIBS)
EXTRA_DIST += tests/fuzz/whitelist.dict

# French DSN/NDR and quota alert builders on hostile inputs (common/dsn.mk)
check_PROGRAMS += tests/fuzz/fuzz_dsn
tests_fuzz_fuzz_dsn_SOURCES = tests/fuzz/fuzz_dsn.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_dsn_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_dsn_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_dsn_LDADD = common/libbalcommon.a
EXTRA_DIST += tests/fuzz/dsn.dict

# SMTP command lines, DATA/BDAT readers, SASL (server/smtp/smtp.mk)
check_PROGRAMS += tests/fuzz/fuzz_smtp_parser
tests_fuzz_fuzz_smtp_parser_SOURCES = tests/fuzz/fuzz_smtp_parser.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_smtp_parser_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/smtp
tests_fuzz_fuzz_smtp_parser_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_smtp_parser_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_smtp_parser_LDADD = server/smtp/libbalsmtp.a common/libbalcommon.a
EXTRA_DIST += tests/fuzz/smtp_parser.dict

# MAIL/RCPT DSN parameters, xtext and RFC 6533 codecs (server/smtp/smtp.mk)
check_PROGRAMS += tests/fuzz/fuzz_dsn_params
tests_fuzz_fuzz_dsn_params_SOURCES = tests/fuzz/fuzz_dsn_params.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_dsn_params_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server/smtp
tests_fuzz_fuzz_dsn_params_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_dsn_params_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_dsn_params_LDADD = server/smtp/libbalsmtp.a common/libbalcommon.a
EXTRA_DIST += tests/fuzz/dsn_params.dict

# The Annuaire Sante extraction of MSSante BALs (common/annuaire.mk)
check_PROGRAMS += tests/fuzz/fuzz_annuaire
tests_fuzz_fuzz_annuaire_SOURCES = tests/fuzz/fuzz_annuaire.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_annuaire_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_annuaire_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_annuaire_LDADD = common/libbalcommon.a
EXTRA_DIST += tests/fuzz/annuaire.dict

# Sieve compiler and compiled-form loader; compile then run (sieve/local.mk)
check_PROGRAMS += tests/fuzz/fuzz_sieve_compile tests/fuzz/fuzz_sieve_run
tests_fuzz_fuzz_sieve_compile_SOURCES = tests/fuzz/fuzz_sieve_compile.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_sieve_compile_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sieve
tests_fuzz_fuzz_sieve_compile_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sieve_compile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sieve_compile_LDADD = $(SIEVE_LIBS)
tests_fuzz_fuzz_sieve_run_SOURCES = tests/fuzz/fuzz_sieve_run.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_sieve_run_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sieve
tests_fuzz_fuzz_sieve_run_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sieve_run_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sieve_run_LDADD = $(SIEVE_LIBS)
EXTRA_DIST += tests/fuzz/sieve_compile.dict tests/fuzz/sieve_run.dict
