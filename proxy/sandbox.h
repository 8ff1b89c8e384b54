/*
 * sandbox.h - restricted mode's confinement, in two stages: process
 * hygiene before the client's request is read, and Landlock plus a
 * seccomp allow-list once the server is connected, after which nothing
 * but relaying is possible (execve kills the process).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>

/*
 * XP_SANDBOX 0 (make SANDBOX=0, for the sanitizer and valgrind runs
 * only) leaves out RLIMIT_NPROC, Landlock and seccomp: the functions
 * below then do the rest and report success.
 */
#ifndef XP_SANDBOX
#define XP_SANDBOX 1
#endif

/*
 * Before reading untrusted input (main has closed every descriptor
 * above 2 already): umask(077), PR_SET_NO_NEW_PRIVS, no child
 * processes (RLIMIT_NPROC 0).
 * Returns 0 or -errno.
 */
int	sandbox_prepare(void);

/*
 * Where the kernel has it, Landlock with every filesystem right handled
 * and none granted, TCP bind and connect handled (ABI 4) and abstract
 * unix sockets and signals scoped (ABI 6); *ret_landlock says whether it
 * is on.  Then the seccomp filter: the relay's system calls, with the
 * arguments it passes (sandbox.c lists them), are allowed, execve and
 * execveat kill the process, anything else fails with EPERM; no open of
 * any kind is allowed, Landlock or not (the relay opens what it needs
 * before, see relay_run()).  The journal works whether libsystemd made
 * its socket before or makes it after.  keep_dirfd, unless -1, is a
 * directory beneath which files may still be removed, for the agent
 * link's removal: a Landlock rule allows exactly that, and only while it
 * is in force does the filter allow readlinkat() and unlinkat(flags 0)
 * with that descriptor (seccomp cannot see the path, which may be
 * absolute or climb out; without Landlock nothing is removed).  Returns
 * 0, or -errno if the seccomp filter could not be installed (the caller
 * decides).
 */
int	sandbox_enter(bool *ret_landlock, int keep_dirfd);

#endif /* SANDBOX_H */
