# SPDX-License-Identifier: ISC
# libbalstore: the only code that includes lmdb.h.
noinst_LIBRARIES += storage/libbalstore.a
storage_libbalstore_a_SOURCES = \
	storage/balstore.h \
	storage/store_int.h \
	storage/store_env.c \
	storage/store_write.c \
	storage/store_codec.c \
	storage/store_domain.c \
	storage/store_bal.c \
	storage/store_mailbox.c \
	storage/store_blob.c \
	storage/store_msg.c \
	storage/store_quota.c \
	storage/store_deliver.c \
	storage/store_queue.c \
	storage/store_deleg.c \
	storage/store_check.c \
	storage/store_lifecycle.c \
	storage/store_delreq.c \
	storage/store_compact.c \
	storage/store_backup.c \
	storage/store_notice.c \
	storage/store_jobs.c \
	storage/store_sieve.c \
	storage/store_sieve_managed.c
storage_libbalstore_a_CFLAGS = $(AM_CFLAGS) $(LMDB_CFLAGS)
BALSTORE_LIBS = storage/libbalstore.a common/libbalcommon.a $(LMDB_LIBS) $(OPENSSL_LIBS)
