/*
 * relay.h - move bytes between the client (stdin/stdout, pipes from sshd)
 * and the server socket: splice(2) and poll(2), one thread, half-close.
 * The only code that writes to stdout.
 */
#ifndef RELAY_H
#define RELAY_H

#include <signal.h>
#include <stdint.h>

#define RELAY_CHUNK		(1 << 20)	/* bytes asked of one splice */
#define RELAY_BUF		(64 * 1024)	/* read/write fallback buffer */
#define RELAY_PIPE_DEFAULT	(64 * 1024)	/* a pipe's default capacity */
#define RELAY_PIPE_BULK		(1 << 20)	/* while bulk data moves */
#define RELAY_IDLE_SHRINK_MS	2000	/* idle this long: shrink back */
#define RELAY_DRAIN_MS		2000	/* client gone: the server's grace */
#define RELAY_BURST		16	/* calls per direction per wakeup */
#define RELAY_SOCK_SNDBUF	(1 << 20)	/* asked of the server socket */
#define RELAY_SIGNAL_CHECK	64	/* wakeups between sigpending() calls */
/* down: resting while stdout's grown pipe is backlogged (relay.c) */
#define RELAY_TOPUP		(64 * 1024)	/* a shorter splice topped up */
#define RELAY_REST_FULL_Q	3	/* quarters of the pipe unread: rest */
#define RELAY_REST_LEFT_Q	1	/* quarters left when it should end */
#define RELAY_REST_FIRST_NS	100000	/* the first, before the pace is known */
#define RELAY_REST_MIN_NS	20000
#define RELAY_REST_MAX_NS	2000000	/* worst case: the client waits this */

/* Where a relay failed. */
enum relay_where {
	RELAY_AT_NONE,
	RELAY_AT_SETUP,		/* before anything moved: a system error */
	RELAY_AT_STDIN,
	RELAY_AT_STDOUT,
	RELAY_AT_SOCKET,
	RELAY_AT_POLL,
};

struct relay_result {
	uint64_t		 up;		/* bytes client to server */
	uint64_t		 down;		/* bytes server to client */
	const char		*closed_by;	/* "client", "server", or NULL */
	int			 signo;		/* the terminating signal, or 0 */
	int			 err;		/* errno of an I/O error, or 0 */
	enum relay_where	 err_where;	/* where err happened */
};

/* "setup", "stdin", "stdout", "socket", "poll" (or "" for none). */
const char	*relay_where_name(enum relay_where w);

/*
 * Relay in -> sock and sock -> out until both directions have ended, or
 * a terminating signal arrives (see signals.h; waitmask is the mask to
 * wait with).  sock must be non-blocking; in and out are borrowed and
 * their file status flags restored; out is replaced by /dev/null once the
 * server's stream ended or the client stopped reading, so that the client
 * sees EOF.  Returns 0 (ended normally, including a peer gone), -EINTR
 * (signal: ret->signo) or -errno (I/O error at ret->err_where).  *ret is
 * always written.
 *
 * confine, if not NULL, is called once everything the relay needs is
 * open and set up, before the first byte moves: from then on the relay
 * opens nothing, creates no pipe and sets no socket option (so that a
 * sandbox can forbid them).
 */
int	relay_run(int in, int out, int sock, const sigset_t *waitmask,
	    void (*confine)(void), struct relay_result *ret);

#endif /* RELAY_H */
