/* SPDX-License-Identifier: ISC */
/* balised's confinement after start-up ([sandbox] in the configuration).
 *
 * Landlock (file access) comes first, right after the privilege drop and
 * before any thread starts (its rules bind the calling thread and the threads
 * it creates later): read-only access to the configuration, certificate, CA,
 * CRL, whitelist and annuaire directories and to the /etc files the resolver
 * reads; read-write access to data_dir; nothing else. Best effort: a kernel
 * without Landlock is logged and start-up goes on.
 *
 * The seccomp filter comes last, once the store, the listeners and TLS are
 * open: an allowlist of system calls, installed on every thread; any other
 * call kills the process ([sandbox] seccomp = on), or is only logged by the
 * kernel (seccomp = log, for debugging), or the filter is not installed
 * (off). Both steps set no_new_privs and log what they applied. */
#ifndef BALISE_SANDBOX_H
#define BALISE_SANDBOX_H

#include "cfg.h"

/* 0, or -1 when the rules could not be applied although the kernel has
 * Landlock (logged). Must be called while the process has one thread. */
int sandbox_landlock(const struct config *cfg);

/* 0 or -1 (logged). */
int sandbox_seccomp(const struct config *cfg);

#endif
