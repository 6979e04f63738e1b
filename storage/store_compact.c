/* SPDX-License-Identifier: ISC */
/* store_compact: deleted bytes leave the disk. LMDB is copy-on-write, so a
 * deleted record survives in freed pages, and may survive in the unused
 * middle of a live page (deleting a node moves the others, the freed span
 * is not cleared; a reused page buffer is not zeroed). mdb_env_copy2 with
 * MDB_CP_COMPACT drops free pages but copies live pages whole, gaps
 * included; so this copy goes record by record into a fresh environment
 * instead, where pages hold only live records. The fresh file is swapped in atomically and the old
 * one overwritten before it is unlinked. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define COMPACT_BATCH 4096 /* records per write txn of the copy */
#define COMPACT_MAX_DBS 64

struct compact {
	const char *dir;
	char data[4096], tmp[4096], old[4096], lock[4096];
	MDB_env *src, *dst;
	const char **why_r;
};

static int compact_fail(struct compact *c, const char *why, const char *what, int err)
{
	*c->why_r = why;
	if (what != NULL)
		log_error("store compact: %s: %s", what,
		          err > 0 ? strerror(err) : mdb_strerror(err));
	return err == 0 ? STORE_E_INVALID : STORE_E_IO;
}

/* LMDB holds a read lock on byte 0 of lock.mdb in every process that has
 * the environment open: a write lock we can take means nobody has. */
static int compact_check_unused(struct compact *c)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	int fd = open(c->lock, O_RDWR | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0
		                       : compact_fail(c, "cannot open lock.mdb", c->lock, errno);
	if (fcntl(fd, F_SETLK, &fl) != 0)
		rc = compact_fail(c,
		                  "the store is open in another process (stop balised first; "
		                  "see docs/deletion.md)",
		                  NULL, 0);
	close(fd); /* drops our lock */
	return rc;
}

/* Overwrites path with zeros, syncs and unlinks it. */
static int compact_wipe(struct compact *c, const char *path)
{
	static const uint8_t zero[65536];
	struct stat st;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0
		                       : compact_fail(c, "cannot open the old file", path, errno);
	if (fstat(fd, &st) != 0)
		goto fail;
	for (off_t off = 0; off < st.st_size;) {
		size_t n = (size_t)(st.st_size - off) < sizeof(zero) ? (size_t)(st.st_size - off)
		                                                     : sizeof(zero);
		ssize_t w = pwrite(fd, zero, n, off);
		if (w <= 0)
			goto fail;
		off += w;
	}
	if (fsync(fd) != 0)
		goto fail;
	close(fd);
	if (unlink(path) != 0)
		return compact_fail(c, "cannot remove the old file", path, errno);
	return 0;
fail:
	close(fd);
	return compact_fail(c, "cannot overwrite the old file", path, errno);
}

static int compact_open(struct compact *c)
{
	MDB_envinfo info;
	int rc = mdb_env_create(&c->src);

	if (rc == 0)
		rc = mdb_env_set_maxdbs(c->src, COMPACT_MAX_DBS);
	if (rc == 0)
		rc = mdb_env_open(c->src, c->dir, MDB_RDONLY | MDB_NOTLS, 0600);
	if (rc != 0)
		return compact_fail(c, "cannot open the store", c->dir, rc);
	mdb_env_info(c->src, &info);
	unlink(c->tmp);
	rc = mdb_env_create(&c->dst);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(c->dst, COMPACT_MAX_DBS);
	if (rc == 0)
		rc = mdb_env_set_mapsize(c->dst, info.me_mapsize);
	/* no sync per commit: one mdb_env_sync at the end, before the swap */
	if (rc == 0)
		rc = mdb_env_open(c->dst, c->tmp, MDB_NOSUBDIR | MDB_NOSYNC, 0600);
	if (rc != 0)
		return compact_fail(c, "cannot create the compacted copy", c->tmp, rc);
	return 0;
}

/* Copies the named database `name` record by record. */
static int compact_db(struct compact *c, MDB_txn *rtxn, const char *name)
{
	MDB_dbi sdbi, ddbi;
	MDB_txn *wtxn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned flags = 0, n = 0;
	int rc = mdb_dbi_open(rtxn, name, 0, &sdbi);

	if (rc == 0)
		rc = mdb_dbi_flags(rtxn, sdbi, &flags);
	if (rc == 0)
		rc = mdb_txn_begin(c->dst, NULL, 0, &wtxn);
	if (rc == 0)
		rc = mdb_dbi_open(wtxn, name, (flags & ~MDB_CREATE) | MDB_CREATE, &ddbi);
	if (rc == 0)
		rc = mdb_cursor_open(rtxn, sdbi, &cur);
	for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
		if (rc != 0)
			break;
		rc =
		    mdb_put(wtxn, ddbi, &k, &v, (flags & MDB_DUPSORT) ? MDB_APPENDDUP : MDB_APPEND);
		if (rc == 0 && ++n % COMPACT_BATCH == 0) {
			rc = mdb_txn_commit(wtxn);
			wtxn = NULL;
			if (rc == 0)
				rc = mdb_txn_begin(c->dst, NULL, 0, &wtxn);
		}
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = mdb_txn_commit(wtxn), wtxn = NULL;
	if (wtxn != NULL)
		mdb_txn_abort(wtxn);
	return rc == 0 ? 0 : compact_fail(c, "copying a database failed", name, rc);
}

/* Every named database listed in the main one. */
static int compact_copy(struct compact *c)
{
	MDB_txn *rtxn;
	MDB_dbi maindb;
	MDB_cursor *cur;
	MDB_val k, v;
	char name[512];
	int rc = mdb_txn_begin(c->src, NULL, MDB_RDONLY, &rtxn);

	if (rc == 0)
		rc = mdb_dbi_open(rtxn, NULL, 0, &maindb);
	if (rc == 0)
		rc = mdb_cursor_open(rtxn, maindb, &cur);
	if (rc != 0) {
		if (rtxn != NULL)
			mdb_txn_abort(rtxn);
		return compact_fail(c, "cannot read the store", c->dir, rc);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size == 0 || k.mv_size >= sizeof(name)) {
			rc = compact_fail(c, "unexpected record in the main database", NULL, 0);
			break;
		}
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		rc = compact_db(c, rtxn, name);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(rtxn);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (rc == 0 && (rc = mdb_env_sync(c->dst, 1)) != 0)
		rc = compact_fail(c, "cannot sync the compacted copy", c->tmp, rc);
	return rc;
}

static int compact_sync_dir(struct compact *c)
{
	int fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : errno;

	if (fd >= 0)
		close(fd);
	return rc == 0 ? 0 : compact_fail(c, "cannot sync the store directory", c->dir, rc);
}

/* data.mdb stays valid at every step: the old file gets a second name,
 * the new one replaces data.mdb in one rename, then the old is wiped. */
static int compact_swap(struct compact *c)
{
	char lock_tmp[4200];
	int rc;

	snprintf(lock_tmp, sizeof(lock_tmp), "%s-lock", c->tmp);
	unlink(lock_tmp);
	if (link(c->data, c->old) != 0)
		return compact_fail(c, "cannot keep the old file aside", c->old, errno);
	if (rename(c->tmp, c->data) != 0)
		return compact_fail(c, "cannot swap the compacted copy in", c->data, errno);
	rc = compact_sync_dir(c);
	if (rc == 0)
		rc = compact_wipe(c, c->old);
	if (rc == 0)
		rc = compact_sync_dir(c);
	return rc;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void compact_close(struct compact *c)
{
	if (c->src != NULL)
		mdb_env_close(c->src);
	if (c->dst != NULL)
		mdb_env_close(c->dst);
	c->src = c->dst = NULL;
}

int store_compact(const char *dir, uint64_t *before_r, uint64_t *after_r, const char **why_r)
{
	struct compact c = {.dir = dir, .why_r = why_r};
	int rc;

	*why_r = NULL;
	snprintf(c.data, sizeof(c.data), "%s/data.mdb", dir);
	snprintf(c.tmp, sizeof(c.tmp), "%s/data.mdb.compact", dir);
	snprintf(c.old, sizeof(c.old), "%s/data.mdb.old", dir);
	snprintf(c.lock, sizeof(c.lock), "%s/lock.mdb", dir);
	/* closing any descriptor of lock.mdb would drop this process's own
	 * LMDB locks (fcntl semantics), and the swap would pull the file from
	 * under the open store */
	if (atomic_load(&store_open_count) > 0)
		return compact_fail(&c, "a store is open in this process (close it first)", NULL,
		                    0);
	if (access(c.data, F_OK) != 0)
		return compact_fail(&c, "no store in that directory (data.mdb missing)", NULL, 0);
	rc = compact_check_unused(&c);
	if (rc == 0)
		rc = compact_wipe(&c, c.old); /* left by an interrupted run */
	*before_r = file_size(c.data);
	if (rc == 0)
		rc = compact_open(&c);
	if (rc == 0)
		rc = compact_copy(&c);
	compact_close(&c);
	if (rc == 0)
		rc = compact_swap(&c);
	else
		unlink(c.tmp);
	*after_r = file_size(c.data);
	return rc;
}
