#include <stddef.h>

#include "sandbox.h"
#include "tap.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY "nobody"

static char base[64], rdir[128], wdir[128], tdir[128];
static char conf[160], other[160], page[192], log_path[160];
static uid_t nobody_uid;
static gid_t nobody_gid;
static int is_root, landlock;
static int listener = -1;
static struct sockaddr_in listen_addr;

static const char *readable[3], *writable[2];

/* A child's steps return 0 or the number of the step that failed, which
 * becomes its exit status. */
static int run_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int exited(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status)
	                         : 1000 + WTERMSIG(status);
}

static int killed_by_sigsys(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

static int enter(void)
{
	char err[256];

	if (is_root && sandbox_drop_privileges(NOBODY, NULL, err, sizeof(err)))
		return -1;
	return sandbox_enter(readable, writable, err, sizeof(err));
}

static int drop_only(void *arg)
{
	char err[256];
	gid_t groups[4];

	(void)arg;
	if (sandbox_drop_privileges(NOBODY, NULL, err, sizeof(err)) != 0)
		return 1;
	if (getuid() != nobody_uid || geteuid() != nobody_uid)
		return 2;
	if (getgid() != nobody_gid || getegid() != nobody_gid)
		return 3;
	if (getgroups(4, groups) != 1 || groups[0] != nobody_gid)
		return 4;
	if (setuid(0) == 0 || seteuid(0) == 0)
		return 5;
	/* Not root any more: the same user is fine, another one is not. */
	if (sandbox_drop_privileges(NOBODY, NULL, err, sizeof(err)) != 0)
		return 6;
	if (sandbox_drop_privileges("root", NULL, err, sizeof(err)) != -1)
		return 7;
	if (strstr(err, "\"root\"") == NULL)
		return 8;
	return 0;
}

/* What the reload thread does: read the configuration, allocate. */
static void *thread_reads(void *arg)
{
	char buf[64], *big;
	int fd = open(conf, O_RDONLY | O_CLOEXEC);

	(void)arg;
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 5)
		return NULL;
	close(fd);
	big = malloc(8 << 20); /* past the arena: mmap and munmap */
	if (big == NULL)
		return NULL;
	memset(big, 1, 8 << 20);
	free(big);
	return arg == NULL ? (void *)1 : NULL;
}

/* A thread starts, works and is joined under the filter; clone3, whose
 * flags a filter cannot read, fails with ENOSYS instead of killing. */
static int thread_work(void *arg)
{
	pthread_t t;
	void *result = NULL;

	(void)arg;
	if (enter() != 0)
		return 1;
	if (pthread_create(&t, NULL, thread_reads, NULL) != 0)
		return 2;
	if (pthread_join(t, &result) != 0 || result != (void *)1)
		return 3;
	errno = 0;
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 4;
	return 0;
}

static int allowed_work(void *arg)
{
	struct epoll_event ev = {.events = EPOLLOUT}, out;
	char buf[64];
	int fd, s, ep;
	void *p;

	(void)arg;
	if (enter() != 0)
		return 1;
	fd = open(conf, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 5)
		return 2;
	close(fd);
	/* A directory stands for everything beneath it. */
	fd = open(page, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 5)
		return 14;
	close(fd);
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, "line\n", 5) != 5)
		return 3;
	close(fd);
	/* Log rotation: the old file goes, a new one is created. */
	if (unlink(log_path) != 0)
		return 4;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || dup2(fd, 100) != 100 || write(100, "x\n", 2) != 2)
		return 5;
	close(fd);
	close(100);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 6;
	if (connect(s, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) &&
	    errno != EINPROGRESS)
		return 7;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) != 0)
		return 8;
	if (epoll_wait(ep, &out, 1, 2000) != 1 || send(s, "hi", 2, 0) != 2)
		return 9;
	if (ioctl(s, FIONREAD, &fd) != 0)
		return 10;
	close(s);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	if (s < 0)
		return 11;
	close(s);
	p = malloc(1 << 24);
	if (p == NULL)
		return 12;
	memset(p, 1, 1 << 24);
	free(p);
	if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return 13;
	/* exit(), not _exit(): atexit handlers and stdio flushing run too. */
	printf("# sandboxed child done\n");
	exit(0);
}

static int denied_paths(void *arg)
{
	int fd;

	(void)arg;
	if (enter() != 0)
		return 1;
	if (open("/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		return 2;
	if (open(conf, O_WRONLY | O_APPEND) != -1 || errno != EACCES)
		return 3;
	if (open(rdir, O_WRONLY | O_APPEND | O_CREAT, 0600) != -1)
		return 4;
	if (unlink(conf) != -1 || errno != EACCES)
		return 5;
	if (open("/", O_RDONLY | O_DIRECTORY) != -1 || errno != EACCES)
		return 6;
	/* A readable file grants the files beside it (a config replaced by
	 * rename is another inode), not a listing of its directory. */
	fd = open(other, O_RDONLY);
	if (fd < 0)
		return 7;
	close(fd);
	if (open(rdir, O_RDONLY | O_DIRECTORY) != -1 || errno != EACCES)
		return 8;
	if (open(page, O_WRONLY | O_APPEND) != -1 || errno != EACCES)
		return 9;
	return 0;
}

static int call_execve(void *arg)
{
	char *argv[] = {"/bin/true", NULL};
	char *envp[] = {NULL};

	(void)arg;
	if (enter() != 0)
		return 1;
	syscall(SYS_execve, argv[0], argv, envp);
	return 2;
}

static int call_socket(void *arg)
{
	if (enter() != 0)
		return 1;
	syscall(SYS_socket, *(int *)arg, SOCK_RAW, 0);
	return 2;
}

static int call_ptrace(void *arg)
{
	(void)arg;
	if (enter() != 0)
		return 1;
	syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	return 2;
}

static int call_mmap_exec(void *arg)
{
	(void)arg;
	if (enter() != 0)
		return 1;
	syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
	        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 2;
}

static int call_open_rdwr(void *arg)
{
	(void)arg;
	if (enter() != 0)
		return 1;
	syscall(SYS_openat, AT_FDCWD, conf, O_RDWR);
	return 2;
}

static int call_kill_other(void *arg)
{
	(void)arg;
	if (enter() != 0)
		return 1;
	syscall(SYS_kill, getppid(), 0);
	return 2;
}

static int call_setuid(void *arg)
{
	(void)arg;
	if (enter() != 0)
		return 1;
	syscall(SYS_setuid, 0);
	return 2;
}

static int call_fork(void *arg)
{
	(void)arg;
	if (enter() != 0)
		return 1;
	syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	return 2;
}

static int call_ioctl(void *arg)
{
	char c = 'x';

	(void)arg;
	if (enter() != 0)
		return 1;
	syscall(SYS_ioctl, 0, TIOCSTI, &c);
	return 2;
}

/* Reports through the pipe that the sandbox is in place, then waits for
 * the parent to look at /proc/PID/status. */
static int wait_in_sandbox(int *fds, int keep_user)
{
	char err[256];
	char c = 'r';

	close(fds[0]);
	close(fds[3]);
	if (keep_user ? sandbox_enter(readable, writable, err, sizeof(err))
	              : enter())
		return 1;
	if (write(fds[1], &c, 1) != 1)
		return 2;
	if (read(fds[2], &c, 1) != 0)
		return 3;
	return 0;
}

static const char *status_field(const char *status, const char *name, char *out,
                                size_t size)
{
	const char *p = strstr(status, name);
	size_t n = 0;

	if (p == NULL)
		return "";
	p += strlen(name);
	while (*p == ' ' || *p == '\t')
		p++;
	while (p[n] != '\n' && p[n] != '\0' && n + 1 < size)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* With keep_user, root enters the sandbox without changing user: then
 * sandbox_enter alone must have emptied every capability set. */
static void test_process_status(int keep_user)
{
	int to_parent[2], to_child[2], fds[4], status, fd;
	const char *who = keep_user ? "root in the sandbox" : "sandboxed";
	char path[64], text[4096], field[128], want[128];
	ssize_t n = -1;
	pid_t pid;
	long uid;

	if (pipe(to_parent) != 0 || pipe(to_child) != 0)
		return;
	fds[0] = to_parent[0];
	fds[1] = to_parent[1];
	fds[2] = to_child[0];
	fds[3] = to_child[1];
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(wait_in_sandbox(fds, keep_user));
	close(to_parent[1]);
	close(to_child[0]);
	if (read(to_parent[0], field, 1) == 1) {
		snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
		fd = open(path, O_RDONLY);
		if (fd >= 0)
			n = read(fd, text, sizeof(text) - 1);
		if (fd >= 0)
			close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	close(to_child[1]);
	close(to_parent[0]);
	waitpid(pid, &status, 0);
	is_int(exited(status), 0, "%s: child ran and exited cleanly", who);
	is_str(status_field(text, "\nNoNewPrivs:", field, sizeof(field)), "1",
	       "%s: NoNewPrivs: 1", who);
	is_str(status_field(text, "\nSeccomp:", field, sizeof(field)), "2",
	       "%s: Seccomp: 2 (filter)", who);
	is_str(status_field(text, "\nCapEff:", field, sizeof(field)),
	       "0000000000000000", "%s: CapEff empty", who);
	is_str(status_field(text, "\nCapPrm:", field, sizeof(field)),
	       "0000000000000000", "%s: CapPrm empty", who);
	is_str(status_field(text, "\nCapInh:", field, sizeof(field)),
	       "0000000000000000", "%s: CapInh empty", who);
	is_str(status_field(text, "\nCapAmb:", field, sizeof(field)),
	       "0000000000000000", "%s: CapAmb empty", who);
	if (!is_root) {
		printf("ok %d # skip Uid and CapBnd need root\n", ++tap_count);
		return;
	}
	uid = keep_user ? 0 : (long)nobody_uid;
	snprintf(want, sizeof(want), "%ld\t%ld\t%ld\t%ld", uid, uid, uid, uid);
	is_str(status_field(text, "\nUid:", field, sizeof(field)), want,
	       "%s: Uid %ld in all four ids", who, uid);
	is_str(status_field(text, "\nCapBnd:", field, sizeof(field)),
	       "0000000000000000", "%s: CapBnd empty", who);
}

static void test_lookup_errors(void)
{
	char err[256];

	is_int(sandbox_drop_privileges(NULL, NULL, err, sizeof(err)), 0,
	       "no user and no group: nothing to do");
	is_int(sandbox_drop_privileges("fwproxy-no-such-user", NULL, err,
	                               sizeof(err)),
	       -1, "unknown user refused");
	ok(strstr(err, "\"fwproxy-no-such-user\"") != NULL,
	   "the error names the user: %s", err);
	is_int(sandbox_drop_privileges(NULL, "fwproxy-no-such-group", err,
	                               sizeof(err)),
	       -1, "unknown group refused");
	ok(strstr(err, "\"fwproxy-no-such-group\"") != NULL,
	   "the error names the group: %s", err);
}

static int write_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc = fd >= 0 && write(fd, "Port\n", 5) == 5 ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return rc;
}

static int setup(void)
{
	struct passwd *pw = getpwnam(NOBODY);
	socklen_t len = sizeof(listen_addr);

	if (pw == NULL)
		return -1;
	nobody_uid = pw->pw_uid;
	nobody_gid = pw->pw_gid;
	is_root = geteuid() == 0;
	landlock = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
	if (landlock < 0)
		landlock = 0;
	snprintf(base, sizeof(base), "/tmp/fwproxy-sandbox-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) != 0)
		return -1;
	snprintf(rdir, sizeof(rdir), "%s/etc", base);
	snprintf(wdir, sizeof(wdir), "%s/log", base);
	snprintf(conf, sizeof(conf), "%s/config", rdir);
	snprintf(log_path, sizeof(log_path), "%s/fwproxy.log", wdir);
	snprintf(other, sizeof(other), "%s/other", rdir);
	snprintf(tdir, sizeof(tdir), "%s/templates", base);
	snprintf(page, sizeof(page), "%s/sub/page", tdir);
	if (mkdir(rdir, 0755) != 0 || mkdir(wdir, 0755) != 0 ||
	    mkdir(tdir, 0755) != 0 || chdir(tdir) != 0 || mkdir("sub", 0755))
		return -1;
	if (write_file(other) != 0 || write_file(page) != 0)
		return -1;
	if (is_root && chown(wdir, nobody_uid, nobody_gid) != 0)
		return -1;
	if (write_file(conf) != 0)
		return -1;
	readable[0] = conf;
	readable[1] = tdir;
	writable[0] = log_path;

	listener = socket(AF_INET, SOCK_STREAM, 0);
	memset(&listen_addr, 0, sizeof(listen_addr));
	listen_addr.sin_family = AF_INET;
	listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (listener < 0 ||
	    bind(listener, (struct sockaddr *)&listen_addr,
	         sizeof(listen_addr)) != 0 ||
	    listen(listener, 8) != 0 ||
	    getsockname(listener, (struct sockaddr *)&listen_addr, &len) != 0)
		return -1;
	return 0;
}

static void cleanup(void)
{
	unlink(log_path);
	unlink(conf);
	unlink(other);
	unlink(page);
	if (chdir(tdir) == 0)
		rmdir("sub");
	rmdir(tdir);
	rmdir(wdir);
	rmdir(rdir);
	rmdir(base);
}

int main(void)
{
	static int af_packet = AF_PACKET, af_netlink = AF_NETLINK;
	static const struct {
		const char *what;
		int (*fn)(void *);
		void *arg;
	} forbidden[] = {
	    {"execve", call_execve, NULL},
	    {"socket(AF_PACKET)", call_socket, &af_packet},
	    {"socket(AF_NETLINK)", call_socket, &af_netlink},
	    {"ptrace", call_ptrace, NULL},
	    {"mmap with PROT_EXEC", call_mmap_exec, NULL},
	    {"openat O_RDWR", call_open_rdwr, NULL},
	    {"kill of another process", call_kill_other, NULL},
	    {"setuid", call_setuid, NULL},
	    {"fork (clone)", call_fork, NULL},
	    {"ioctl TIOCSTI", call_ioctl, NULL},
	};
	size_t i;
	int status;

	if (!ok(setup() == 0, "test fixture set up"))
		return done();
	printf("# Landlock ABI %d, %s\n", landlock,
	       is_root ? "root: dropping to " NOBODY : "not root");
	test_lookup_errors();

	if (is_root) {
		is_int(exited(run_child(drop_only, NULL)), 0,
		       "drop to nobody: ids, groups, no way back to root");
	} else {
		printf("ok %d # skip dropping privileges needs root\n",
		       ++tap_count);
	}

	is_int(exited(run_child(allowed_work, NULL)), 0,
	       "sandboxed child reads, logs, rotates, connects, polls");
	is_int(exited(run_child(thread_work, NULL)), 0,
	       "sandboxed child starts and joins a thread; clone3 is ENOSYS");
	if (landlock > 0) {
		is_int(
		    exited(run_child(denied_paths, NULL)), 0,
		    "Landlock: only the listed paths, only the listed access");
	} else {
		printf("ok %d # skip Landlock not available\n", ++tap_count);
	}
	for (i = 0; i < ARRAY_LEN(forbidden); i++) {
		status = run_child(forbidden[i].fn, forbidden[i].arg);
		ok(killed_by_sigsys(status), "%s kills with SIGSYS (got %d)",
		   forbidden[i].what, exited(status));
	}
	test_process_status(0);
	if (is_root)
		test_process_status(1);
	close(listener);
	cleanup();
	return done();
}
