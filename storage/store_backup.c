/* SPDX-License-Identifier: ISC */
/* store_backup: a consistent hot copy of the environment. Every record
 * (message bytes included: blobs and chunks are LMDB databases) is read
 * from one read transaction, so the copy is one committed state even while
 * balised writes. MDB_CP_COMPACT leaves free pages out; the copy is a
 * complete environment (data.mdb) that store_open accepts as it is. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store_int.h"

#define BACKUP_RESIZE_TRIES 8

/* 1 when dir holds nothing but . and .., 0 when it holds something, -1 on
 * error (errno set). */
static int backup_dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* Makes dir (0700) or accepts an existing empty directory; *made_r tells
 * which, so that a failed copy removes only what it made. */
static int backup_prepare_dir(const char *dir, bool *made_r, const char **why_r)
{
	struct stat st;
	int empty;

	*made_r = false;
	if (mkdir(dir, 0700) == 0) {
		*made_r = true;
		return STORE_OK;
	}
	if (errno == ENOENT) {
		*why_r = "cannot create the backup directory (its parent must exist)";
		return STORE_E_INVALID;
	}
	if (errno != EEXIST) {
		*why_r = "cannot create the backup directory";
		log_error("store backup: mkdir %s: %s", dir, strerror(errno));
		return STORE_E_IO;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*why_r = "the backup path exists and is not a directory";
		return STORE_E_INVALID;
	}
	empty = backup_dir_empty(dir);
	if (empty < 0) {
		*why_r = "cannot read the backup directory";
		log_error("store backup: opendir %s: %s", dir, strerror(errno));
		return STORE_E_IO;
	}
	if (!empty) {
		*why_r = "the backup directory is not empty (a backup never overwrites)";
		return STORE_E_INVALID;
	}
	return STORE_OK;
}

/* The copy itself, under the shared map lock (our map size cannot change
 * meanwhile); a map grown by another process is adopted and the copy
 * started again on a fresh descriptor position. */
static int backup_copy(struct store *s, int fd)
{
	int rc = 0;

	for (int i = 0; i < BACKUP_RESIZE_TRIES; i++) {
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
			return errno;
		store_lock_shared(s, false);
		rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
		store_unlock_shared(s);
		if (rc != MDB_MAP_RESIZED)
			return rc;
		if (store_map_adopt(s) != STORE_OK)
			return rc;
	}
	return rc;
}

static int backup_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : errno;

	if (fd >= 0)
		close(fd);
	return rc;
}

int store_backup(struct store *s, const char *dir, uint64_t *bytes_r, const char **why_r)
{
	char path[4200];
	struct stat st;
	bool made;
	int fd, rc;

	*why_r = NULL;
	*bytes_r = 0;
	if (snprintf(path, sizeof(path), "%s/data.mdb", dir) >= (int)sizeof(path)) {
		*why_r = "backup directory name too long";
		return STORE_E_INVALID;
	}
	rc = backup_prepare_dir(dir, &made, why_r);
	if (rc != STORE_OK)
		return rc;
	/* our own descriptor: mode 0600 from the start (the copy is health
	 * data), and an fsync before we report success */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		*why_r = "cannot create the backup file";
		log_error("store backup: %s: %s", path, strerror(errno));
		rc = STORE_E_IO;
		goto undo_dir;
	}
	rc = backup_copy(s, fd);
	if (rc == 0 && fsync(fd) != 0)
		rc = errno;
	if (rc == 0 && fstat(fd, &st) == 0)
		*bytes_r = (uint64_t)st.st_size;
	close(fd);
	if (rc == 0)
		rc = backup_sync_dir(dir);
	if (rc == 0)
		return STORE_OK;
	*why_r = "copying the environment failed";
	log_error("store backup: %s: %s", path, rc > 0 ? strerror(rc) : mdb_strerror(rc));
	rc = STORE_E_IO;
	unlink(path);
undo_dir:
	if (made)
		rmdir(dir);
	return rc;
}
