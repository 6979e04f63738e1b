/* SPDX-License-Identifier: ISC */
/* balised's sandbox: Landlock file rules through the raw system calls, and a
 * seccomp allowlist through libseccomp (see sandbox.h). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#ifdef HAVE_LINUX_LANDLOCK_H
#include <linux/landlock.h>
#endif

#include "log.h"
#include "sandbox.h"
#include "util.h"

/* Sanitizer runtimes (ASan, LSan, UBSan) need more: the leak check at exit
 * stops the threads from a cloned tracer with ptrace and reads /proc/self. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER 0
#endif

/* ------------------------------------------------------------------ Landlock */

/* Files the C library's resolver reads (res_query, getaddrinfo). */
static const char *const resolver_files[] = {
    "/etc/resolv.conf", "/etc/hosts",     "/etc/nsswitch.conf",
    "/etc/gai.conf",    "/etc/host.conf", "/etc/services",
};

#ifdef HAVE_LINUX_LANDLOCK_H

/* Rights newer than the build's headers (values from the kernel ABI). */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

#define LL_FILE_READ LANDLOCK_ACCESS_FS_READ_FILE
#define LL_DIR_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

#define LL_RULES_MAX 64

struct landlock {
	int abi;
	int ruleset;
	uint64_t handled;
	unsigned n_rules;
	struct {
		dev_t dev;
		ino_t ino;
		uint64_t access;
	} rules[LL_RULES_MAX]; /* to skip a path given twice */
	char summary[2048];
};

/* Every file-system right the kernel's ABI knows: all are denied but those
 * the rules grant. */
static uint64_t landlock_handled(int abi)
{
	uint64_t h = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0-12 */

	if (abi >= 2)
		h |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		h |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		h |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return h;
}

static void summary_add(struct landlock *ll, const char *what, const char *path)
{
	size_t len = strlen(ll->summary);

	if (len < sizeof(ll->summary) - 1)
		snprintf(ll->summary + len, sizeof(ll->summary) - len, "%s%s=%s", len ? " " : "",
		         what, path);
}

/* Grants access (dir_rights on a directory, file_rights on a file) beneath
 * path. A missing path is skipped. 0 or -1 (logged). */
static int landlock_allow(struct landlock *ll, const char *path, uint64_t dir_rights,
                          uint64_t file_rights, const char *what)
{
	struct landlock_path_beneath_attr pb = {0};
	struct stat st;
	int fd, r;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		log_error("sandbox: landlock: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		log_error("sandbox: landlock: cannot stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	pb.allowed_access = (S_ISDIR(st.st_mode) ? dir_rights : file_rights) & ll->handled;
	pb.parent_fd = fd;
	for (unsigned i = 0; i < ll->n_rules; i++) {
		if (ll->rules[i].dev == st.st_dev && ll->rules[i].ino == st.st_ino &&
		    (ll->rules[i].access & pb.allowed_access) == pb.allowed_access) {
			close(fd);
			return 0;
		}
	}
	if (ll->n_rules == LL_RULES_MAX) {
		log_error("sandbox: landlock: more than %d rules", LL_RULES_MAX);
		close(fd);
		return -1;
	}
	r = (int)syscall(SYS_landlock_add_rule, ll->ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	if (r < 0) {
		log_error("sandbox: landlock: rule on %s: %s", path, strerror(errno));
		return -1;
	}
	ll->rules[ll->n_rules].dev = st.st_dev;
	ll->rules[ll->n_rules].ino = st.st_ino;
	ll->rules[ll->n_rules].access = pb.allowed_access;
	ll->n_rules++;
	summary_add(ll, what, path);
	return 0;
}

/* Read access to the directory of file, and to the directory the file
 * really lives in when file is a symbolic link (certificates renewed
 * through links): files there are replaced, not rewritten. */
static int landlock_allow_dir_of(struct landlock *ll, const char *file, const char *what)
{
	char copy[PATH_MAX], real[PATH_MAX];

	if (file == NULL || file[0] == '\0')
		return 0;
	if (str_copy(copy, sizeof(copy), file) < 0)
		return -1;
	if (landlock_allow(ll, dirname(copy), LL_DIR_READ, LL_FILE_READ, what) < 0)
		return -1;
	if (realpath(file, real) == NULL || strcmp(real, file) == 0)
		return 0;
	return landlock_allow(ll, dirname(real), LL_DIR_READ, LL_FILE_READ, what);
}

/* iconv (RFC 2047 charsets) loads its modules from gconv/ beside libc. */
static int landlock_allow_gconv(struct landlock *ll)
{
	Dl_info info;
	char dir[PATH_MAX], path[PATH_MAX];

	if (dladdr((void *)strerror, &info) == 0 || info.dli_fname == NULL ||
	    str_copy(dir, sizeof(dir), info.dli_fname) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/gconv", dirname(dir));
	return landlock_allow(ll, path, LL_DIR_READ, LL_FILE_READ, "gconv");
}

/* What a sanitizer needs to report: /proc/self (maps, task list) and the
 * binaries for symbols. */
static int landlock_allow_sanitizer(struct landlock *ll)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (!SANDBOX_SANITIZER)
		return 0;
	if (landlock_allow(ll, "/proc/self", LL_DIR_READ, LL_FILE_READ, "sanitizer") < 0 ||
	    landlock_allow(ll, "/usr/lib", LL_DIR_READ, LL_FILE_READ, "sanitizer") < 0)
		return -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	return landlock_allow(ll, dirname(exe), LL_DIR_READ, LL_FILE_READ, "sanitizer");
}

static int landlock_rules(struct landlock *ll, const struct config *cfg)
{
	const uint64_t data_rights = LL_DIR_READ | LANDLOCK_ACCESS_FS_WRITE_FILE |
	                             LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |
	                             LANDLOCK_ACCESS_FS_TRUNCATE;
	const uint64_t data_file =
	    data_rights & ~(LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	                    LANDLOCK_ACCESS_FS_MAKE_REG);

	if (landlock_allow(ll, cfg->data_dir, data_rights, data_file, "rw") < 0 ||
	    landlock_allow(ll, cfg->dir, LL_DIR_READ, LL_FILE_READ, "config") < 0 ||
	    landlock_allow_dir_of(ll, cfg->tls_cert, "cert") < 0 ||
	    landlock_allow_dir_of(ll, cfg->tls_key, "key") < 0 ||
	    landlock_allow_dir_of(ll, cfg->tls_ca, "ca") < 0 ||
	    landlock_allow_dir_of(ll, cfg->tls_crl, "crl") < 0 ||
	    landlock_allow_dir_of(ll, cfg->whitelist, "whitelist") < 0 ||
	    landlock_allow_dir_of(ll, cfg->annuaire, "annuaire") < 0 ||
	    landlock_allow_gconv(ll) < 0 || landlock_allow_sanitizer(ll) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(resolver_files); i++)
		if (landlock_allow(ll, resolver_files[i], LL_FILE_READ, LL_FILE_READ, "resolver") <
		    0)
			return -1;
	return 0;
}

/* The number of threads of this process, from /proc/self/status. */
static int thread_count(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int n = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int landlock_apply(const struct config *cfg)
{
	struct landlock_ruleset_attr attr = {0};
	struct landlock ll = {0};
	int threads = thread_count();

	ll.abi =
	    (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (ll.abi < 0) {
		log_warn("sandbox: landlock not available in this kernel (%s): file access is "
		         "not confined",
		         strerror(errno));
		return 0;
	}
	if (threads != 1) {
		log_error("sandbox: landlock: %d threads already run (expected 1)", threads);
		return -1;
	}
	ll.handled = landlock_handled(ll.abi);
	attr.handled_access_fs = ll.handled;
	ll.ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ll.ruleset < 0) {
		log_error("sandbox: landlock: cannot create a ruleset: %s", strerror(errno));
		return -1;
	}
	if (landlock_rules(&ll, cfg) < 0) {
		close(ll.ruleset);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, ll.ruleset, 0) < 0) {
		log_error("sandbox: landlock: cannot restrict: %s", strerror(errno));
		close(ll.ruleset);
		return -1;
	}
	close(ll.ruleset);
	log_info("sandbox: landlock ABI %d applied, %u rules: %s", ll.abi, ll.n_rules, ll.summary);
	return 0;
}

#else /* !HAVE_LINUX_LANDLOCK_H */

static int landlock_apply(const struct config *cfg)
{
	(void)cfg;
	(void)resolver_files;
	log_warn("sandbox: built without <linux/landlock.h>: file access is not confined");
	return 0;
}

#endif

/* localtime_r() reads the time zone once; read it while files are open. */
static void preload_files(void)
{
	tzset();
}

int sandbox_landlock(const struct config *cfg)
{
	preload_files();
	if (!cfg->sandbox_landlock) {
		log_warn("sandbox: landlock off ([sandbox] landlock = off): file access is not "
		         "confined");
		return 0;
	}
	/* store_open() would create it; the rule needs it first. */
	if (mkdir(cfg->data_dir, 0700) < 0 && errno != EEXIST) {
		log_error("sandbox: mkdir %s: %s", cfg->data_dir, strerror(errno));
		return -1;
	}
	return landlock_apply(cfg);
}

/* ------------------------------------------------------------------- seccomp */

/* The system calls balised makes after start-up, without conditions. Names
 * unknown on this architecture are skipped. */
/* clang-format off */
static const char *const allowed_calls[] = {
	/* descriptors and files */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"close", "lseek", "open", "openat", "fstat", "newfstatat", "stat", "lstat", "statx",
	"fstatfs", "statfs", "getdents64", "readlink", "readlinkat", "access", "faccessat",
	"faccessat2", "fcntl", "flock", "dup", "dup2", "dup3", "pipe2", "fsync", "fdatasync",
	"ftruncate", "fallocate", "umask",
	/* memory (LMDB maps its file and remaps it when the map grows) */
	"mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "brk",
	/* the event loop */
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "eventfd2", "poll", "ppoll", "select", "pselect6",
	/* sockets: clients, peers, the resolver (res_query, getaddrinfo), syslog */
	"connect", "accept", "accept4", "bind", "listen", "setsockopt", "getsockopt",
	"getsockname", "getpeername", "shutdown", "sendto", "recvfrom", "sendmsg", "recvmsg",
	"sendmmsg", "recvmmsg",
	/* time and randomness */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
	"clock_nanosleep", "getrandom",
	/* the clock check's ntp_adjtime with modes 0 (reading; setting the
	 * clock needs CAP_SYS_TIME, which balised never has after the drop) */
	"adjtimex", "clock_adjtime",
	/* threads (libuv pool, store writer) and signals */
	"futex", "set_robust_list", "get_robust_list", "rseq", "exit", "exit_group",
	"sched_yield", "sched_getaffinity", "gettid", "getpid", "getppid", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall", "membarrier",
	/* identity and limits */
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
	"getrlimit", "prlimit64", "getrusage", "sysinfo", "uname",
};

/* More for the sanitizer runtimes: the leak check's tracer (clone without
 * CLONE_THREAD, ptrace, wait) and its stack and /proc reading. */
static const char *const sanitizer_calls[] = {
	"clone", "ptrace", "wait4", "waitid", "prctl", "process_vm_readv", "kill", "tgkill",
	"tkill", "personality", "getcwd", "getdents",
};
/* clang-format on */

static int allow_name(scmp_filter_ctx ctx, const char *name, unsigned *n)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	if (r < 0) {
		log_error("sandbox: seccomp: rule for %s: %s", name, strerror(-r));
		return -1;
	}
	(*n)++;
	return 0;
}

/* Calls allowed only with some arguments: sockets of four families (netlink
 * for getaddrinfo's look at the local addresses),
 * clone for threads, ioctl for non-blocking and terminal queries, signals
 * to this process, prctl for thread names. clone3 says ENOSYS (its flags
 * are out of the filter's reach) and the C library falls back to clone. */
static int allow_with_args(scmp_filter_ctx ctx, unsigned *n)
{
	static const int families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
	static const unsigned long ioctls[] = {FIONBIO,  FIOCLEX, FIONCLEX,
	                                       FIONREAD, TCGETS,  TIOCGWINSZ};
	static const int prctls[] = {PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE};
	pid_t pid = getpid();
	int r = 0;

#define ADD(act, call, ...)                                                                        \
	do {                                                                                       \
		if (r == 0 && (r = seccomp_rule_add(ctx, act, SCMP_SYS(call), __VA_ARGS__)) == 0)  \
			(*n)++;                                                                    \
	} while (0)
	for (size_t i = 0; i < ARRAY_LEN(families); i++)
		ADD(SCMP_ACT_ALLOW, socket, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]));
	for (size_t i = 0; i < ARRAY_LEN(ioctls); i++)
		ADD(SCMP_ACT_ALLOW, ioctl, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, ioctls[i]));
	if (!SANDBOX_SANITIZER) {
		for (size_t i = 0; i < ARRAY_LEN(prctls); i++)
			ADD(SCMP_ACT_ALLOW, prctl, 1,
			    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)prctls[i]));
		ADD(SCMP_ACT_ALLOW, clone, 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
		ADD(SCMP_ACT_ALLOW, tgkill, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid));
	}
	ADD(SCMP_ACT_ERRNO(ENOSYS), clone3, 0);
#undef ADD
	if (r < 0) {
		log_error("sandbox: seccomp: argument rule: %s", strerror(-r));
		return -1;
	}
	return 0;
}

static int seccomp_rules(scmp_filter_ctx ctx, unsigned *n)
{
	for (size_t i = 0; i < ARRAY_LEN(allowed_calls); i++)
		if (allow_name(ctx, allowed_calls[i], n) < 0)
			return -1;
	for (size_t i = 0; SANDBOX_SANITIZER && i < ARRAY_LEN(sanitizer_calls); i++)
		if (allow_name(ctx, sanitizer_calls[i], n) < 0)
			return -1;
	return allow_with_args(ctx, n);
}

int sandbox_seccomp(const struct config *cfg)
{
	bool log_only = strcmp(cfg->sandbox_seccomp, "log") == 0;
	scmp_filter_ctx ctx;
	unsigned n = 0;
	int r;

	if (strcmp(cfg->sandbox_seccomp, "off") == 0) {
		log_warn("sandbox: seccomp off ([sandbox] seccomp = off): system calls are not "
		         "filtered");
		return 0;
	}
	ctx = seccomp_init(log_only ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		log_error("sandbox: seccomp: cannot initialise the filter");
		return -1;
	}
	/* One filter for every thread (the store's writer runs already). */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (r < 0 || seccomp_rules(ctx, &n) < 0 || (r = seccomp_load(ctx)) < 0) {
		if (r < 0)
			log_error("sandbox: seccomp: cannot load the filter: %s", strerror(-r));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	log_info("sandbox: seccomp filter loaded: %u system-call rules%s, other calls %s", n,
	         SANDBOX_SANITIZER ? " (with the sanitizer's)" : "",
	         log_only ? "logged by the kernel ([sandbox] seccomp = log)" : "kill the process");
	return 0;
}
