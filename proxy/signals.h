/*
 * signals.h - SIGTERM, SIGHUP and SIGINT end the session with 128+N, as
 * xpra does.  They are blocked except while the program waits (ppoll), so
 * a signal is never lost between a check and the wait.
 */
#ifndef SIGNALS_H
#define SIGNALS_H

#include <signal.h>

/*
 * Reset every inherited disposition to default and unblock all, ignore
 * SIGPIPE (a gone peer is EPIPE, not death), catch the three terminating
 * signals and block them.  *ret_waitmask is the mask to wait with.
 * Returns 0 or -errno.
 */
int	signals_init(sigset_t *ret_waitmask);

/* The terminating signal caught so far, or 0. */
int	signals_caught(void);

/*
 * Like signals_caught(), but also a blocked signal still pending:
 * ppoll() delivers one only when it would otherwise wait, so a loop whose
 * descriptors stay ready must look now and then (one system call).
 */
int	signals_pending(void);

/*
 * Let the terminating signals in until signals_block(), so that one
 * interrupts a blocking connect(2) (SO_SNDTIMEO set) with EINTR.  One
 * that arrives while no such call blocks is only seen at the next check
 * of signals_caught(): if a connect to a full backlog comes first, that
 * is after its time-out.  Returns 0 or -errno.
 */
int	signals_unblock(const sigset_t *waitmask);

/* Block them again (as signals_init() left them).  Returns 0 or -errno. */
int	signals_block(void);

/*
 * Sleep ms milliseconds, or less if a terminating signal arrives.
 * Returns 0, or -EINTR when a signal was caught.
 */
int	signals_sleep(int ms, const sigset_t *waitmask);

#endif /* SIGNALS_H */
