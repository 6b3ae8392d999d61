#include <stddef.h>

#include "sandbox.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif

/* Beyond the last capability the kernel knows PR_CAPBSET_READ fails with
 * EINVAL, so the loop needs no compile-time CAP_LAST_CAP. */
#define CAP_SCAN_MAX 128

static void drop_bounding_set(void)
{
	int cap;

	for (cap = 0; cap < CAP_SCAN_MAX; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break;
		(void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	}
}

int sandbox_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid,
                   char *err, size_t errsize)
{
	struct passwd *pw;
	struct group *gr;

	*uid = geteuid();
	*gid = getegid();
	if (user != NULL) {
		errno = 0;
		pw = getpwnam(user);
		if (pw == NULL) {
			snprintf(err, errsize, "user \"%s\": %s", user,
			         errno ? strerror(errno) : "no such user");
			return -1;
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (group != NULL) {
		errno = 0;
		gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(err, errsize, "group \"%s\": %s", group,
			         errno ? strerror(errno) : "no such group");
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

static const char *name_or(const char *name, const char *fallback)
{
	return name != NULL ? name : fallback;
}

int sandbox_drop_privileges(const char *user, const char *group, char *err,
                            size_t errsize)
{
	uid_t uid, ruid, euid, suid;
	gid_t gid, rgid, egid, sgid;

	if (user == NULL && group == NULL)
		return 0;
	if (sandbox_lookup(user, group, &uid, &gid, err, errsize) < 0)
		return -1;
	if (geteuid() != 0) {
		if (uid != geteuid() || uid != getuid()) {
			snprintf(err, errsize,
			         "cannot switch to user \"%s\": not running as "
			         "root",
			         name_or(user, "?"));
			return -1;
		}
		if (gid != getegid() || gid != getgid()) {
			snprintf(
			    err, errsize,
			    "cannot switch to group \"%s\": not running as "
			    "root",
			    name_or(group, user));
			return -1;
		}
		return 0;
	}
	/* Still root here: the only moment the bounding set can shrink. */
	drop_bounding_set();
	if (setgroups(1, &gid) < 0) {
		snprintf(err, errsize, "setgroups for group \"%s\": %s",
		         name_or(group, user), strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) < 0) {
		snprintf(err, errsize, "setresgid to group \"%s\" (%ld): %s",
		         name_or(group, user), (long)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) < 0) {
		snprintf(err, errsize, "setresuid to user \"%s\" (%ld): %s",
		         name_or(user, "root"), (long)uid, strerror(errno));
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) < 0 ||
	    getresgid(&rgid, &egid, &sgid) < 0 || ruid != uid || euid != uid ||
	    suid != uid || rgid != gid || egid != gid || sgid != gid) {
		snprintf(err, errsize, "user \"%s\": ids did not all change",
		         name_or(user, "root"));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errsize, "user \"%s\": root could be regained",
		         name_or(user, "?"));
		return -1;
	}
	if (uid != 0 && gid != 0 && (setgid(0) == 0 || setegid(0) == 0)) {
		snprintf(err, errsize,
		         "group \"%s\": group 0 could be regained",
		         name_or(group, user));
		return -1;
	}
	return 0;
}

static int drop_capabilities(char *err, size_t errsize)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	/* EINVAL: a kernel without ambient capabilities has none to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL) {
		snprintf(err, errsize, "clearing ambient capabilities: %s",
		         strerror(errno));
		return -1;
	}
	drop_bounding_set();
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	if (syscall(SYS_capset, &hdr, data) < 0) {
		snprintf(err, errsize, "dropping capabilities: %s",
		         strerror(errno));
		return -1;
	}
	return 0;
}

/* Landlock, by raw system call: Debian 12's headers know only ABI 2, so
 * the newer access bits and attribute fields are spelled out here. */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH      1

#define LL_FS_EXECUTE     (1ULL << 0)
#define LL_FS_WRITE_FILE  (1ULL << 1)
#define LL_FS_READ_FILE   (1ULL << 2)
#define LL_FS_READ_DIR    (1ULL << 3)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_REG    (1ULL << 8)
#define LL_FS_REFER       (1ULL << 13)
#define LL_FS_TRUNCATE    (1ULL << 14)
#define LL_FS_IOCTL_DEV   (1ULL << 15)

#define LL_FS_ABI1 ((1ULL << 13) - 1)

#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL               (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

static int landlock_abi(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
	                   LL_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

static void handled_for_abi(int abi, struct ll_ruleset_attr *attr, size_t *size)
{
	memset(attr, 0, sizeof(*attr));
	attr->handled_access_fs = LL_FS_ABI1;
	*size = offsetof(struct ll_ruleset_attr, handled_access_net);
	if (abi >= 2)
		attr->handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr->handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		attr->handled_access_fs |= LL_FS_IOCTL_DEV;
	/* Network rights stay unhandled: origins listen on any port. */
	if (abi >= 4)
		*size = offsetof(struct ll_ruleset_attr, scoped);
	if (abi >= 6) {
		attr->scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
		*size = sizeof(*attr);
	}
}

static int open_dir_of(const char *path, char *err, size_t errsize)
{
	char dir[4096];
	char *slash;
	int fd;

	if (str_copy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		snprintf(err, errsize, "landlock: %s: path too long", path);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		str_copy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errsize, "landlock: %s: %s", dir,
		         strerror(errno));
	return fd;
}

/* A file stands for its directory: editors, sed -i and fwproxyctl replace
 * files by rename and log rotation re-creates the log, so a rule on the old
 * inode would make SIGHUP and SIGUSR1 fail with EACCES. A directory stands
 * for everything beneath it. */
static int add_paths(int ruleset, const char *const *paths, uint64_t access,
                     char *err, size_t errsize)
{
	struct ll_path_beneath_attr rule;
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; paths != NULL && paths[i] != NULL; i++) {
		rule.allowed_access = access;
		fd = open(paths[i], O_PATH | O_CLOEXEC);
		if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode))) {
			close(fd);
			fd = -1;
		}
		if (fd < 0) {
			/* Files in it, not a listing of it. */
			rule.allowed_access &= ~LL_FS_READ_DIR;
			fd = open_dir_of(paths[i], err, errsize);
			if (fd < 0)
				return -1;
		}
		rule.parent_fd = fd;
		if (syscall(__NR_landlock_add_rule, ruleset,
		            LL_RULE_PATH_BENEATH, &rule, 0) < 0) {
			snprintf(err, errsize, "landlock: %s: %s", paths[i],
			         strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

#ifdef SANITIZER_BUILD
/* LeakSanitizer lists /proc/PID/task at exit. */
static const char *const sanitizer_paths[] = {"/proc/", NULL};
#else
static const char *const sanitizer_paths[] = {NULL};
#endif

static int apply_landlock(const char *const *readable,
                          const char *const *writable, char *err,
                          size_t errsize)
{
	struct ll_ruleset_attr attr;
	size_t size;
	int abi, ruleset;
	uint64_t rd, wr;

	abi = landlock_abi();
	if (abi <= 0)
		return 0;
	handled_for_abi(abi, &attr, &size);
	ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0) {
		snprintf(err, errsize, "landlock: creating the ruleset: %s",
		         strerror(errno));
		return -1;
	}
	rd = (LL_FS_READ_FILE | LL_FS_READ_DIR) & attr.handled_access_fs;
	wr = (LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_MAKE_REG |
	      LL_FS_REMOVE_FILE) &
	     attr.handled_access_fs;
	if (add_paths(ruleset, sanitizer_paths, rd, err, errsize) < 0 ||
	    add_paths(ruleset, readable, rd, err, errsize) < 0 ||
	    add_paths(ruleset, writable, wr, err, errsize) < 0) {
		close(ruleset);
		return -1;
	}
	if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0) {
		snprintf(err, errsize, "landlock: restricting: %s",
		         strerror(errno));
		close(ruleset);
		return -1;
	}
	close(ruleset);
	return 0;
}

/* Everything the event loop, c-ares, the log and glibc underneath them do
 * after start-up; calls that need their arguments checked follow below. */
static const int allowed_syscalls[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(recvfrom),
    SCMP_SYS(recvmsg),
    SCMP_SYS(recvmmsg),
    SCMP_SYS(sendto),
    SCMP_SYS(sendmsg),
    SCMP_SYS(sendmmsg),
    SCMP_SYS(accept),
    SCMP_SYS(accept4),
    SCMP_SYS(connect),
    SCMP_SYS(bind),
    SCMP_SYS(shutdown),
    SCMP_SYS(setsockopt),
    SCMP_SYS(getsockopt),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(close),
    SCMP_SYS(splice),
    SCMP_SYS(pipe),
    SCMP_SYS(pipe2),
    SCMP_SYS(dup),
    SCMP_SYS(dup2),
    SCMP_SYS(dup3),
    SCMP_SYS(lseek),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    /* Only a Landlock-writable directory allows it: the single-process
     * daemon removes its own pid file on exit. */
    SCMP_SYS(unlink),
    SCMP_SYS(unlinkat),
    /* The log: a line a full disk cut is taken back; past LogMaxSize
     * the file is renamed (Landlock keeps both to the log's folder). */
    SCMP_SYS(ftruncate),
    SCMP_SYS(rename),
    SCMP_SYS(renameat),
    SCMP_SYS(renameat2),
    SCMP_SYS(epoll_create),
    SCMP_SYS(epoll_create1),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_pwait2),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(select),
    SCMP_SYS(pselect6),
    SCMP_SYS(eventfd2),
    SCMP_SYS(signalfd),
    SCMP_SYS(signalfd4),
    SCMP_SYS(timerfd_create),
    SCMP_SYS(timerfd_settime),
    SCMP_SYS(timerfd_gettime),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(time),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(getrandom),
    SCMP_SYS(getpid),
    SCMP_SYS(getppid),
    SCMP_SYS(gettid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(getresuid),
    SCMP_SYS(getresgid),
    SCMP_SYS(getrusage),
    SCMP_SYS(uname),
    SCMP_SYS(sysinfo),
    SCMP_SYS(brk),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(futex),
    SCMP_SYS(sched_yield),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigpending),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    /* What a new thread does as it starts (reload.c's build thread). */
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
};

/* A thread shares memory, signal handlers and the thread group, in the
 * same namespaces: clone without these is a fork. */
#define THREAD_FLAGS (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)
#define NEW_NAMESPACES                                                         \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |         \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

/* An ioctl the event loop or glibc's stdio may issue. */
static const unsigned long allowed_ioctls[] = {FIONREAD, FIONBIO, TCGETS};

static const int allowed_fcntls[] = {
    F_GETFD, F_SETFD,         F_GETFL,      F_SETFL,
    F_DUPFD, F_DUPFD_CLOEXEC, F_GETPIPE_SZ, F_SETPIPE_SZ,
};

static const int allowed_domains[] = {AF_UNIX, AF_INET, AF_INET6};

/* Flags that change neither what is opened nor for what. */
#define OPEN_MODIFIERS (O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_LARGEFILE)

static int allow_if(scmp_filter_ctx ctx, int nr, unsigned int arg,
                    enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
	struct scmp_arg_cmp cmp = {arg, op, a, b};

	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp);
}

static int add_rules(scmp_filter_ctx ctx)
{
	scmp_datum_t self = (scmp_datum_t)getpid();
	size_t i;
	int rc = 0;

	for (i = 0; i < ARRAY_LEN(allowed_syscalls) && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i],
		                      0);
	for (i = 0; i < ARRAY_LEN(allowed_ioctls) && rc == 0; i++)
		rc = allow_if(ctx, SCMP_SYS(ioctl), 1, SCMP_CMP_EQ,
		              allowed_ioctls[i], 0);
	for (i = 0; i < ARRAY_LEN(allowed_fcntls) && rc == 0; i++)
		rc = allow_if(ctx, SCMP_SYS(fcntl), 1, SCMP_CMP_EQ,
		              (scmp_datum_t)allowed_fcntls[i], 0);
	for (i = 0; i < ARRAY_LEN(allowed_domains) && rc == 0; i++)
		rc = allow_if(ctx, SCMP_SYS(socket), 0, SCMP_CMP_EQ,
		              (scmp_datum_t)allowed_domains[i], 0);
	/* Paths are Landlock's business; here only the kind of open: read,
	 * or append (creating) as the log does. */
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(openat), 2, SCMP_CMP_MASKED_EQ,
		              ~(scmp_datum_t)(OPEN_MODIFIERS | O_DIRECTORY),
		              O_RDONLY);
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(openat), 2, SCMP_CMP_MASKED_EQ,
		              ~(scmp_datum_t)(OPEN_MODIFIERS | O_CREAT),
		              O_WRONLY | O_APPEND);
	/* Never executable memory: no new code after start-up. */
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(mmap), 2, SCMP_CMP_MASKED_EQ,
		              PROT_EXEC, 0);
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(mprotect), 2, SCMP_CMP_MASKED_EQ,
		              PROT_EXEC, 0);
	/* Signals only to itself, as raise() and abort() send them. */
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(kill), 0, SCMP_CMP_EQ, self, 0);
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(tgkill), 0, SCMP_CMP_EQ, self, 0);
	/* Reading limits is harmless; setting them is not needed. */
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(prlimit64), 2, SCMP_CMP_EQ, 0, 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getrlimit),
		                      0);
	/* Threads, never processes. clone3 passes its flags in memory,
	 * which a filter cannot read: it fails with ENOSYS, and glibc then
	 * falls back to clone. */
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(clone), 0, SCMP_CMP_MASKED_EQ,
		              THREAD_FLAGS | NEW_NAMESPACES, THREAD_FLAGS);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
		                      SCMP_SYS(clone3), 0);
	return rc;
}

#ifdef SANITIZER_BUILD
/* LeakSanitizer's exit-time check stops the process from a helper thread
 * that ptrace-attaches to it and lists /proc/PID/task: sanitizer builds
 * allow that much, still not fork, execve or PTRACE_TRACEME. */
static int add_sanitizer_rules(scmp_filter_ctx ctx)
{
	static const int calls[] = {
	    SCMP_SYS(prctl),
	    SCMP_SYS(wait4),
	    SCMP_SYS(waitid),
	    SCMP_SYS(getdents),
	    SCMP_SYS(getdents64),
	    SCMP_SYS(open),
	    /* ASan's pthread_create reads the CPU affinity. */
	    SCMP_SYS(sched_getaffinity),
	};
	static const int requests[] = {
	    PTRACE_ATTACH,    PTRACE_DETACH, PTRACE_CONT,      PTRACE_PEEKUSER,
	    PTRACE_GETREGSET, PTRACE_SEIZE,  PTRACE_INTERRUPT,
#ifdef PT_GETREGS
	    PTRACE_GETREGS,
#endif
#ifdef PT_GETFPREGS
	    PTRACE_GETFPREGS,
#endif
	};
	scmp_datum_t thread = CLONE_VM | CLONE_UNTRACED;
	size_t i;
	int rc = 0;

	for (i = 0; i < ARRAY_LEN(calls) && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	for (i = 0; i < ARRAY_LEN(requests) && rc == 0; i++)
		rc = allow_if(ctx, SCMP_SYS(ptrace), 0, SCMP_CMP_EQ,
		              (scmp_datum_t)requests[i], 0);
	if (rc == 0)
		rc = allow_if(ctx, SCMP_SYS(clone), 0, SCMP_CMP_MASKED_EQ,
		              thread, thread);
	return rc;
}
#endif

static int apply_seccomp(char *err, size_t errsize)
{
	scmp_filter_ctx ctx;
	int rc;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		snprintf(err, errsize, "seccomp: cannot create the filter");
		return -1;
	}
	rc = add_rules(ctx);
#ifdef SANITIZER_BUILD
	if (rc == 0)
		rc = add_sanitizer_rules(ctx);
#endif
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		snprintf(err, errsize, "seccomp: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int sandbox_enter(const char *const *readable, const char *const *writable,
                  char *err, size_t errsize)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errsize, "PR_SET_NO_NEW_PRIVS: %s",
		         strerror(errno));
		return -1;
	}
	if (drop_capabilities(err, errsize) < 0)
		return -1;
	if (apply_landlock(readable, writable, err, errsize) < 0)
		return -1;
	return apply_seccomp(err, errsize);
}
