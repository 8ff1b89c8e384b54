/*
 * signals.c - catch the terminating signals and deliver them only inside
 * ppoll(2).  The caught signal is the one mutable global outside log.c: a
 * handler has nowhere else to put it.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "signals.h"

static volatile sig_atomic_t caught;
static sigset_t blocked;	/* the terminating signals */

static const int terminating[] = { SIGTERM, SIGHUP, SIGINT };

static void
on_signal(int signo)
{
	if (caught == 0)
		caught = signo;
}

int
signals_init(sigset_t *ret_waitmask)
{
	struct sigaction sa;
	size_t i;
	int signo, r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (signo = 1; signo < NSIG; signo++)
		if (signo != SIGKILL && signo != SIGSTOP)
			(void)sigaction(signo, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	sigemptyset(&blocked);
	/*
	 * SA_RESTART: a write to stderr while signals are let in is not cut
	 * short.  What must end at once ends anyway: ppoll(2) and a connect(2)
	 * with SO_SNDTIMEO are never restarted (signal(7)).
	 */
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(terminating) / sizeof(terminating[0]); i++) {
		if (sigaction(terminating[i], &sa, NULL) < 0)
			return -errno;
		sigaddset(&blocked, terminating[i]);
	}
	if ((r = signals_block()) < 0)
		return r;
	sigemptyset(ret_waitmask);
	return 0;
}

int
signals_unblock(const sigset_t *waitmask)
{
	return sigprocmask(SIG_SETMASK, waitmask, NULL) < 0 ? -errno : 0;
}

int
signals_block(void)
{
	return sigprocmask(SIG_SETMASK, &blocked, NULL) < 0 ? -errno : 0;
}

int
signals_caught(void)
{
	return caught;
}

int
signals_pending(void)
{
	sigset_t pending;
	size_t i;

	if (caught == 0 && sigpending(&pending) == 0)
		for (i = 0; i < sizeof(terminating) / sizeof(terminating[0]); i++)
			if (sigismember(&pending, terminating[i]))
				caught = terminating[i];
	return caught;
}

int
signals_sleep(int ms, const sigset_t *waitmask)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	if (caught != 0)
		return -EINTR;
	if (ppoll(NULL, 0, &ts, waitmask) < 0 && errno == EINTR)
		return -EINTR;
	return caught != 0 ? -EINTR : 0;
}
