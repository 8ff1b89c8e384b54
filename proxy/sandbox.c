/*
 * sandbox.c - Landlock and a hand-written seccomp filter (as OpenSSH's
 * sandbox-seccomp-filter.c: no libseccomp dependency for ~40 rules).
 * The filter allows what the restricted relay was seen to call after
 * sandbox_enter() (strace: pipes, socket stdio, a file, signals, the
 * journal record, the error paths), each with its arguments pinned where
 * the kernel lets a filter see them; the reason for every entry is beside
 * it.  Every descriptor the relay uses exists before: the socket, the
 * client's stdio, /dev/null and the private pipes of socket stdio (all
 * made by relay_run() before it calls sandbox_enter() through confine),
 * and the journal's socket (libsystemd makes it for the record of the
 * accepted request, or after, as below).  So no file is opened at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sandbox.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#else
#define SANDBOX_ARCH	0	/* unknown: no seccomp filter */
#endif

/* Landlock rights newer than bookworm's kernel headers. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)	/* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#endif
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#define LANDLOCK_ABI1_FS		((1ULL << 13) - 1)

/*
 * struct landlock_ruleset_attr as of ABI 6: bookworm's headers know only
 * its first field.  Fields this kernel does not know stay 0, which it
 * accepts whatever the size passed.
 */
struct ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};
/* handled_access_net: TCP bind and connect */
#define LANDLOCK_NET_TCP	((1ULL << 0) | (1ULL << 1))
/* scoped: abstract unix sockets and signals of other processes */
#define LANDLOCK_SCOPE_ALL	((1ULL << 0) | (1ULL << 1))

/*
 * Filter building blocks.  Every rule expects the system call number in
 * the accumulator and leaves it there when it does not decide.  An
 * argument is compared on its low 32 bits only: every one checked below
 * is an int or unsigned int to the kernel, which ignores the high half
 * (mmap's prot is wider, but PROT_EXEC is in the low half), and both
 * architectures are little-endian (the arch check says so).
 * Rules for the same call are alternatives: the first that matches
 * allows, and a call no rule allows fails with EPERM.
 */
#define LOAD_NR								\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LOAD_ARG(i)							\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,				\
	    offsetof(struct seccomp_data, args[(i)]))
#define IS(v, jt, jf)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (v), (jt), (jf))
#define RET(v)		BPF_STMT(BPF_RET | BPF_K, (v))
#define RET_EPERM	RET(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

#define ALLOW(nr)	IS((nr), 0, 1), RET(SECCOMP_RET_ALLOW)
#define KILL(nr)	IS((nr), 0, 1), RET(SECCOMP_RET_KILL_PROCESS)
/* nr if argument i is v */
#define ALLOW_ARG(nr, i, v)						\
	IS((nr), 0, 4), LOAD_ARG(i), IS((v), 0, 1),			\
	RET(SECCOMP_RET_ALLOW), LOAD_NR
/* nr if argument i is v and argument j is w */
#define ALLOW_ARG2(nr, i, v, j, w)					\
	IS((nr), 0, 6), LOAD_ARG(i), IS((v), 0, 3), LOAD_ARG(j),	\
	IS((w), 0, 1), RET(SECCOMP_RET_ALLOW), LOAD_NR
/* nr if arguments 0, 1 and 2 are u, v and w */
#define ALLOW_ARG012(nr, u, v, w)					\
	IS((nr), 0, 8), LOAD_ARG(0), IS((u), 0, 5), LOAD_ARG(1),	\
	IS((v), 0, 3), LOAD_ARG(2), IS((w), 0, 1),			\
	RET(SECCOMP_RET_ALLOW), LOAD_NR
/* nr if argument i has none of bits */
#define ALLOW_ARG_CLEAR(nr, i, bits)					\
	IS((nr), 0, 4), LOAD_ARG(i),					\
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (bits), 1, 0),		\
	RET(SECCOMP_RET_ALLOW), LOAD_NR

/*
 * The allow-list.  What each entry is for; "seen" means strace showed the
 * restricted relay making that call after the filter was in place.
 */
static const struct sock_filter relay_filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	IS(SANDBOX_ARCH, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	LOAD_NR,
	/* running anything else is the escape itself: kill, do not fail */
	KILL(__NR_execve),
	KILL(__NR_execveat),
	/* the relay's loop, first: seen on every wake-up */
	ALLOW(__NR_ppoll),
	ALLOW(__NR_splice),		/* pipe stdio, and socket stdio's pipes */
	ALLOW(__NR_read),		/* copy fallback (a file, /dev/null) */
	ALLOW(__NR_write),		/* copy fallback; messages on stderr */
	/* an input or output ended: SHUT_WR to the server (or socket stdout) */
	ALLOW_ARG(__NR_shutdown, 1, SHUT_WR),
	/* O_NONBLOCK set (splice refused: read/write) and restored; pipe sizes */
	ALLOW_ARG(__NR_fcntl, 1, F_GETFL),
	ALLOW_ARG(__NR_fcntl, 1, F_SETFL),
	ALLOW_ARG(__NR_fcntl, 1, F_SETPIPE_SZ),
	ALLOW_ARG2(__NR_ioctl, 0, STDOUT_FILENO, 1, FIONREAD),	/* resting */
	/* stdout handed back: the /dev/null opened at set-up, over fd 1 */
#ifdef __NR_dup2
	ALLOW_ARG(__NR_dup2, 1, STDOUT_FILENO),
#endif
	ALLOW_ARG2(__NR_dup3, 1, STDOUT_FILENO, 2, 0),	/* aarch64's dup2 */
	ALLOW(__NR_clock_gettime),	/* pipe shrinking; vDSO-less kernels */
	ALLOW(__NR_close),
	/*
	 * The journal (libsystemd 252's sd_journal_sendv): one sendmsg()
	 * with MSG_NOSIGNAL to /run/systemd/journal/socket on its own
	 * unconnected socket, seen.  If no record was sent before the
	 * filter, it makes that socket first, with exactly these arguments,
	 * and sizes its buffer.  A record it cannot send (EMSGSIZE,
	 * ENOBUFS) would go in a memfd: prctl(PR_GET_NAME), which it
	 * asserts (abort() if refused), then memfd_create(), refused here,
	 * so the record is dropped.  Our records are at most ~17 KiB
	 * (log.c), far under any socket buffer.  Residual: with no
	 * connect() and no other socket type, sendmsg() reaches only the
	 * unix datagram sockets this user may write to.
	 */
	ALLOW_ARG(__NR_sendmsg, 2, MSG_NOSIGNAL),
	ALLOW_ARG012(__NR_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0),
	ALLOW_ARG2(__NR_getsockopt, 1, SOL_SOCKET, 2, SO_SNDBUF),
	ALLOW_ARG2(__NR_setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUF),
	ALLOW_ARG2(__NR_setsockopt, 1, SOL_SOCKET, 2, SO_SNDBUFFORCE),
	ALLOW_ARG(__NR_prctl, 0, PR_GET_NAME),
	/* signals: signals_pending() every RELAY_SIGNAL_CHECK wake-ups */
	ALLOW(__NR_rt_sigpending),
	ALLOW(__NR_rt_sigreturn),	/* return from on_signal() */
	ALLOW(__NR_restart_syscall),	/* a call resumed after SIGSTOP/CONT */
	/* abort(), from assert() or _FORTIFY_SOURCE: report, then SIGABRT */
	ALLOW(__NR_writev),		/* the message on stderr */
	ALLOW(__NR_rt_sigprocmask),
	ALLOW(__NR_getpid),
	ALLOW(__NR_gettid),
	ALLOW_ARG(__NR_tgkill, 2, SIGABRT),
	/*
	 * malloc(): not seen, but libc and libsystemd may allocate on an
	 * error path, and a refused allocation there would turn a message
	 * into a crash.  Never executable memory.
	 */
	ALLOW(__NR_brk),
	ALLOW_ARG_CLEAR(__NR_mmap, 2, PROT_EXEC),
	ALLOW(__NR_munmap),
	ALLOW(__NR_mremap),
	ALLOW(__NR_madvise),
	/* the way out */
	ALLOW(__NR_exit_group),
	ALLOW(__NR_exit),
	/* keep_dirfd's checks are inserted here (sandbox_enter) */
	RET_EPERM,
};

/*
 * The agent link's removal (agent_link_remove()): readlinkat() and
 * unlinkat(name, 0) on that one directory descriptor.  KEEP_DIRFD is
 * replaced by its number.
 */
#define KEEP_DIRFD	0xffffffffU
static const struct sock_filter keep_dir_filter[] = {
	ALLOW_ARG(__NR_readlinkat, 0, KEEP_DIRFD),
	ALLOW_ARG2(__NR_unlinkat, 0, KEEP_DIRFD, 2, 0),
};

int
sandbox_prepare(void)
{
	struct rlimit none = { 0, 0 };

	umask(077);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (XP_SANDBOX && setrlimit(RLIMIT_NPROC, &none) < 0)
		return -errno;
	return 0;
}

/* Every filesystem right this kernel's Landlock knows. */
static unsigned long long
landlock_rights(int abi)
{
	unsigned long long r = LANDLOCK_ABI1_FS;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

/*
 * Landlock: no filesystem access at all; from ABI 4 no TCP bind or
 * connect, from ABI 6 no abstract unix socket and no signal outside this
 * process; keep_dirfd >= 0: files beneath that directory may be removed,
 * and *ret_kept says whether that rule is in force (without it the
 * ruleset is still applied).  0 or -errno.
 */
static int
landlock_enter(int keep_dirfd, bool *ret_kept)
{
	struct ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr keep = {
		.allowed_access = LANDLOCK_ACCESS_FS_REMOVE_FILE,
		.parent_fd = keep_dirfd,
	};
	int abi, ruleset, r = 0;

	abi = (int)syscall(__NR_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return -errno;
	attr.handled_access_fs = landlock_rights(abi);
	if (abi >= 4)
		attr.handled_access_net = LANDLOCK_NET_TCP;
	if (abi >= 6)
		attr.scoped = LANDLOCK_SCOPE_ALL;
	ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr,
	    sizeof(attr), 0);
	if (ruleset < 0)
		return -errno;
	*ret_kept = keep_dirfd >= 0 && syscall(__NR_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &keep, 0) == 0;
	if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0) {
		r = -errno;
		*ret_kept = false;
	}
	close(ruleset);
	return r;
}

/* Add a seccomp filter of n instructions.  0 or -errno. */
static int
seccomp_add(const struct sock_filter *filter, size_t n)
{
	struct sock_fprog prog = {
		.len = (unsigned short)n,
		.filter = (struct sock_filter *)filter,
	};

	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

int
sandbox_enter(bool *ret_landlock, int keep_dirfd)
{
	struct sock_filter f[NELEM(relay_filter) + NELEM(keep_dir_filter)];
	size_t n = NELEM(relay_filter) - 1, i;	/* up to RET_EPERM */

	bool kept = false;

	*ret_landlock = false;
	if (!XP_SANDBOX)
		return 0;
	*ret_landlock = landlock_enter(keep_dirfd, &kept) == 0;
	if (SANDBOX_ARCH == 0)
		return -ENOSYS;
	memcpy(f, relay_filter, n * sizeof(f[0]));
	/*
	 * seccomp sees the descriptor, not the path ("/x" and "../x" ignore
	 * it): only Landlock keeps the removal inside the directory, so
	 * without its rule nothing may be removed (the link then stays).
	 */
	for (i = 0; kept && i < NELEM(keep_dir_filter); i++) {
		f[n] = keep_dir_filter[i];
		if (f[n].k == KEEP_DIRFD)
			f[n].k = (uint32_t)keep_dirfd;
		n++;
	}
	f[n++] = relay_filter[NELEM(relay_filter) - 1];
	return seccomp_add(f, n);
}
