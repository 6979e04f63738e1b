/* SPDX-License-Identifier: ISC */
/* imapload: CPU time used by a server's process tree, read from /proc, so
 * that a run reports CPU per command over exactly its measured window. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imapload.h"

struct proc_cpu {
	long pid, ppid;
	unsigned long long own, reaped; /* utime + stime, cutime + cstime (ticks) */
};

/* Reads /proc/PID/stat; 0 or -1 (the process has gone). */
static int stat_read(long pid, struct proc_cpu *p)
{
	char path[64], line[1024], *s;
	unsigned long long ut, st, cut, cst;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	s = fgets(line, sizeof(line), f);
	fclose(f);
	if (s == NULL || (s = strrchr(line, ')')) == NULL)
		return -1;
	/* after comm: state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime */
	n = sscanf(s + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
	           &p->ppid, &ut, &st, &cut, &cst);
	if (n != 5)
		return -1;
	p->pid = pid;
	p->own = ut + st;
	p->reaped = cut + cst;
	return 0;
}

double cpu_tree_seconds(long root)
{
	struct proc_cpu *v = NULL;
	size_t n = 0, cap = 0;
	unsigned char *in;
	unsigned long long ticks = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");
	bool changed = true;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		struct proc_cpu p;
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || stat_read(pid, &p) < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 512;
			v = realloc(v, cap * sizeof(*v));
			if (v == NULL)
				abort();
		}
		v[n++] = p;
	}
	closedir(d);
	in = calloc(n + 1, 1);
	if (in == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		in[i] = v[i].pid == root;
	while (changed) { /* descendants of root */
		changed = false;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n && !in[i]; j++)
				if (in[j] && v[i].ppid == v[j].pid)
					in[i] = changed = true;
	}
	/* live processes' own time, plus the root's reaped children (Dovecot's
	 * imap processes that ended with their session) */
	for (size_t i = 0; i < n; i++)
		if (in[i])
			ticks += v[i].own + (v[i].pid == root ? v[i].reaped : 0);
	free(in);
	free(v);
	return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}
