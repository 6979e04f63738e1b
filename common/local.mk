# SPDX-License-Identifier: ISC
noinst_LIBRARIES += common/libbalcommon.a
common_libbalcommon_a_SOURCES = \
	common/util.c common/util.h \
	common/buf.c common/buf.h \
	common/codec.h \
	common/log.c common/log.h \
	common/cfg.c common/cfg.h \
	common/idnat.c common/idnat.h \
	common/pwhash.c common/pwhash.h \
	common/sasl.c common/sasl.h \
	common/crl.c common/crl.h
common_libbalcommon_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(ARGON2_CFLAGS)
