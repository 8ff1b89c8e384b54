/*
 * probe.c - t-sandbox.sh's probe, LD_PRELOADed into a restricted relay:
 * once the binary's own seccomp filter is in place (its syscall(2) of
 * seccomp returned 0), the relay's next ppoll(2) first tries what the
 * filter must refuse and prints one line per attempt on stderr:
 * "sbx-probe NAME ok" or "sbx-probe NAME EPERM" (the errno's name).
 * The relay then goes on as usual.  A static binary never loads it.
 *
 * Environment: SBX_VICTIM an existing file of the user (written to if an
 * open for writing succeeds), SBX_NEWFILE a path that must stay absent,
 * SBX_UDP_PORT a UDP port on 127.0.0.1 that must receive nothing,
 * SBX_NO_LANDLOCK=1 the kernel has no Landlock (landlock_create_ruleset
 * fails with ENOSYS), SBX_EXEC=1 try execve(2) only (the filter kills).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

typedef long	(*syscall_fn)(long, ...);
typedef int	(*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *,
		    const sigset_t *);

static syscall_fn	real_syscall;
static ppoll_fn		real_ppoll;
static bool		confined, probed, no_landlock, exec_only;
static const char	*victim, *newfile;
static int		udp_port;

static void __attribute__((constructor))
probe_init(void)
{
	const char *s;

	*(void **)&real_syscall = dlsym(RTLD_NEXT, "syscall");
	*(void **)&real_ppoll = dlsym(RTLD_NEXT, "ppoll");
	victim = getenv("SBX_VICTIM");
	newfile = getenv("SBX_NEWFILE");
	udp_port = (s = getenv("SBX_UDP_PORT")) != NULL ? atoi(s) : 0;
	no_landlock = (s = getenv("SBX_NO_LANDLOCK")) != NULL && *s == '1';
	exec_only = (s = getenv("SBX_EXEC")) != NULL && *s == '1';
	/* env and timeout load it too: say in which program */
	dprintf(STDERR_FILENO, "sbx-probe loaded in %s\n",
	    program_invocation_short_name);
}

static void
report(const char *name, int err)
{
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), "sbx-probe %s %s\n", name,
	    err == 0 ? "ok" : strerrorname_np(err));
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

/* The result of a call returning -1 on failure; closes a descriptor. */
static int
result_fd(int fd)
{
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int
result(long r)
{
	return r < 0 ? errno : 0;
}

static int
try_socket(int domain, int type, int proto)
{
	return result_fd(socket(domain, type, proto));
}

/* A datagram to 127.0.0.1: sendto, else sendmsg as the journal's. */
static int
try_udp(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct iovec iov = { "leak", 4 };
	struct msghdr mh = { .msg_name = &sin, .msg_namelen = sizeof(sin),
	    .msg_iov = &iov, .msg_iovlen = 1 };
	int fd, err = 0;

	sin.sin_port = htons((uint16_t)udp_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	if (sendto(fd, "leak", 4, 0, (struct sockaddr *)&sin,
	    sizeof(sin)) < 0 && sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		err = errno;
	close(fd);
	return err;
}

/*
 * On the journal's kind of socket: sendmsg with other flags (to a path
 * nobody binds), or connect (to the journal's socket).
 */
static int
try_unix_dgram(bool do_connect)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct iovec iov = { "x", 1 };
	struct msghdr mh = { .msg_name = &sun, .msg_namelen = sizeof(sun),
	    .msg_iov = &iov, .msg_iovlen = 1 };
	int fd, err = 0;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", do_connect ?
	    "/run/systemd/journal/socket" : "/run/sbx-probe-nobody");
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	if (do_connect ? connect(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) < 0 : sendmsg(fd, &mh, MSG_DONTWAIT) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Open path with flags; if it opened for writing, write to it. */
static int
try_open(const char *path, int flags)
{
	int fd;

	if (path == NULL)
		return EINVAL;
	if ((fd = open(path, flags, 0600)) < 0)
		return errno;
	if ((flags & O_ACCMODE) != O_RDONLY)
		(void)!write(fd, "pwned\n", 6);
	close(fd);
	return 0;
}

static int
try_mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

static int
try_pipe(int flags)
{
	int p[2];

	if (pipe2(p, flags) < 0)
		return errno;
	close(p[0]);
	close(p[1]);
	return 0;
}

static void
run_probes(void)
{
	sigset_t set;
	struct stat st;
	char buf[8], name[16];
	int sv[2], n;

	if (exec_only) {
		execl("/bin/sh", "sh", "-c", "echo escaped >\"$SBX_NEWFILE\"",
		    (char *)NULL);
		report("execve", errno);
		return;
	}
	report("socket-inet", try_socket(AF_INET, SOCK_DGRAM, 0));
	report("socket-inet6", try_socket(AF_INET6, SOCK_STREAM, 0));
	report("socket-netlink", try_socket(AF_NETLINK, SOCK_RAW,
	    NETLINK_ROUTE));
	report("socket-unix-stream", try_socket(AF_UNIX, SOCK_STREAM, 0));
	report("socket-journal", try_socket(AF_UNIX, SOCK_DGRAM |
	    SOCK_CLOEXEC, 0));
	report("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ?
	    errno : (close(sv[0]), close(sv[1]), 0));
	report("udp-127.0.0.1", try_udp());
	report("sendmsg-dontwait", try_unix_dgram(false));
	report("connect-unix", try_unix_dgram(true));
	report("open-rdonly", try_open(victim, O_RDONLY));
	report("open-wronly", try_open(victim, O_WRONLY));
	report("open-wronly-cloexec", try_open(victim, O_WRONLY | O_CLOEXEC));
	report("open-rdwr", try_open(victim, O_RDWR));
	report("open-creat", try_open(newfile, O_WRONLY | O_CREAT | O_TRUNC));
	report("open-devnull", try_open("/dev/null", O_WRONLY | O_CLOEXEC));
	report("ioctl-tcgets", result(ioctl(STDERR_FILENO, TCGETS, buf)));
	report("ioctl-fionread", result(ioctl(STDIN_FILENO, FIONREAD, &n)));
	report("fstat", result(fstat(STDIN_FILENO, &st)));
	report("pipe2-nonblock", try_pipe(O_CLOEXEC | O_NONBLOCK));
	report("fcntl-dupfd", result_fd(fcntl(STDERR_FILENO, F_DUPFD, 20)));
	report("dup2-not-stdout", result_fd(dup2(STDERR_FILENO, 21)));
	report("pipe2-blocking", try_pipe(0));
	report("mmap-exec", try_mmap_exec());
	report("tgkill-sigurg", result(real_syscall(__NR_tgkill, getpid(),
	    gettid(), SIGURG)));
	report("prctl-set-name", result(prctl(PR_SET_NAME, "probe")));
	report("prctl-get-name", result(prctl(PR_GET_NAME, name)));
	report("getrandom", result(getrandom(buf, sizeof(buf), 0)));
	report("sigpending", result(sigpending(&set)));
	(void)!write(STDERR_FILENO, "sbx-probe done\n", 15);
}

long
syscall(long nr, ...)
{
	long a[6], r;
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == __NR_landlock_create_ruleset && no_landlock) {
		errno = ENOSYS;
		return -1;
	}
	r = real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (nr == __NR_seccomp && r == 0)
		confined = true;
	return r;
}

int
ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
    const sigset_t *mask)
{
	if (confined && !probed) {
		probed = true;
		run_probes();
	}
	return real_ppoll(fds, n, tmo, mask);
}
