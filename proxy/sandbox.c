/*
 * sandbox.c - Landlock and a hand-written seccomp filter (as OpenSSH's
 * sandbox-seccomp-filter.c: no libseccomp dependency for ~40 rules).
 * Every descriptor the relay uses exists before sandbox_enter(): the
 * socket, the client's pipes, and /dev/null, opened when stdout is handed
 * back.  The journal socket is created by libsystemd on first use, so
 * socket() and sendmsg() stay allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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

#define ALLOW(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define KILL(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

static const struct sock_filter relay_filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	KILL(__NR_execve),
	KILL(__NR_execveat),
	/* the relay */
	ALLOW(__NR_read), ALLOW(__NR_write), ALLOW(__NR_readv),
	ALLOW(__NR_writev), ALLOW(__NR_splice), ALLOW(__NR_ppoll),
	ALLOW(__NR_close), ALLOW(__NR_shutdown), ALLOW(__NR_fcntl),
	ALLOW(__NR_ioctl), ALLOW(__NR_dup3), ALLOW(__NR_openat),
	ALLOW(__NR_pipe2),
	ALLOW(__NR_clock_gettime),
#ifdef __NR_dup2
	ALLOW(__NR_dup2),
#endif
	/* the journal, and stdio's and malloc's needs */
	ALLOW(__NR_socket), ALLOW(__NR_sendmsg), ALLOW(__NR_setsockopt),
	ALLOW(__NR_getsockopt), ALLOW(__NR_newfstatat), ALLOW(__NR_fstat),
	ALLOW(__NR_brk), ALLOW(__NR_mmap), ALLOW(__NR_munmap),
	ALLOW(__NR_mremap), ALLOW(__NR_madvise), ALLOW(__NR_getpid),
	ALLOW(__NR_gettid), ALLOW(__NR_getrandom),
	/* signals, and the way out */
	ALLOW(__NR_rt_sigreturn), ALLOW(__NR_rt_sigprocmask),
	ALLOW(__NR_restart_syscall), ALLOW(__NR_tgkill),
	ALLOW(__NR_exit), ALLOW(__NR_exit_group),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
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

/* Landlock: no filesystem access but /dev/null.  0 or -errno. */
static int
landlock_enter(void)
{
	struct landlock_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr null = { 0 };
	int abi, ruleset, r = 0;

	abi = (int)syscall(__NR_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return -errno;
	attr.handled_access_fs = landlock_rights(abi);
	ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr,
	    sizeof(attr), 0);
	if (ruleset < 0)
		return -errno;
	null.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_WRITE_FILE;
	if ((null.parent_fd = open("/dev/null", O_PATH | O_CLOEXEC)) < 0 ||
	    syscall(__NR_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &null, 0) < 0 ||
	    syscall(__NR_landlock_restrict_self, ruleset, 0) < 0)
		r = -errno;
	if (null.parent_fd >= 0)
		close(null.parent_fd);
	close(ruleset);
	return r;
}

int
sandbox_enter(bool *ret_landlock)
{
	struct sock_fprog prog = {
		.len = sizeof(relay_filter) / sizeof(relay_filter[0]),
		.filter = (struct sock_filter *)relay_filter,
	};

	*ret_landlock = false;
	if (!XP_SANDBOX)
		return 0;
	*ret_landlock = landlock_enter() == 0;
	if (SANDBOX_ARCH == 0)
		return -ENOSYS;
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}
