/*
 * relay.c - the relay: two directions, "up" (stdin to the socket) and
 * "down" (the socket to stdout), driven by one ppoll(2) loop.
 *
 * A direction is a small state machine:
 *
 *	OPEN      moving bytes, waiting for its ends as poll says;
 *	DRAINING  the client stopped reading (up only): what stdin holds
 *	          still goes to the server, but stdin is never waited for,
 *	          and the socket only while it takes bytes at least every
 *	          RELAY_DRAIN_MS: a server that stopped reading cannot keep
 *	          a session whose client is gone;
 *	CLOSED    done, and its output half-closed: SHUT_WR on the socket
 *	          (up), stdout replaced by /dev/null (down).
 *
 * An end is "ready" from the moment poll reports it until a system call
 * on it says otherwise (EAGAIN, or a short transfer), and only ends not
 * known to be ready are polled: every transition comes from what poll
 * reported or what a system call returned.  An input counts as ended only
 * once what it holds has been read (POLLHUP is read to EOF).
 *
 * Down, a client that reads slower than the server writes keeps the grown
 * stdout pipe full, and each of its reads would wake the relay to top up
 * the few slots it freed: with three quarters of the pipe still unread,
 * the direction rests instead (neither end polled) until about a quarter
 * is left at the client's measured pace, so that the relay wakes once per
 * half pipe, not once per read (sshd's 32 KiB).
 *
 * A direction moves bytes in one of three modes.  RELAY_SPLICE, when its
 * stdio end is a pipe: one splice(2) between that pipe and the socket.
 * RELAY_SPLICE_PIPE, when it is a socket: splice into a private pipe, then
 * out of it.  RELAY_COPY otherwise (a file, a tty): read(2) and write(2).
 * The buffered modes take input only once what they hold is delivered, so
 * that an EAGAIN always names one end.
 *
 * The pipe a direction resizes (sshd's, or the private one) is idle, at
 * its default size, or grown to RELAY_PIPE_BULK while bulk data moves; a
 * grown pipe quiet for RELAY_IDLE_SHRINK_MS is shrunk back, because pipe
 * pages count against the user's pipe-user-pages-soft.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "relay.h"
#include "signals.h"

enum relay_mode {
	RELAY_SPLICE,		/* stdio is a pipe: splice straight to/from the socket */
	RELAY_SPLICE_PIPE,	/* stdio is a socket: splice through a private pipe */
	RELAY_COPY,		/* anything else, or splice refused: read/write */
};

enum dir_state { DIR_OPEN, DIR_DRAINING, DIR_CLOSED };

enum pipe_state { PIPE_IDLE, PIPE_GROWN };

/* What one transfer did. */
enum step { STEP_MOVED, STEP_WAIT, STEP_EOF, STEP_FAILED };

struct direction {
	enum relay_where src_end, dst_end;
	int		 src, dst;
	enum relay_mode	 mode;
	enum dir_state	 state;
	bool		 src_ready, dst_ready;	/* as poll said, until refuted */
	bool		 src_eof;
	/* the buffered modes: bytes taken from src, not yet delivered */
	int		 pipe[2];	/* RELAY_SPLICE_PIPE */
	char		*buf;		/* RELAY_COPY: RELAY_BUF bytes */
	size_t		 queued, off;
	/* the pipe resized for bulk data */
	int		 grow_fd;	/* or -1 */
	int		 pipe_size;
	enum pipe_state	 pipe_state;
	bool		 grow_refused;	/* pipe-user-pages or pipe-max-size */
	bool		 shrink_busy;	/* it held too much: until it moves */
	bool		 moved;		/* since the last idle check */
	uint64_t	 bytes;
	/* down: resting while the client's pipe is backlogged */
	int64_t		 rest_until;	/* ns; 0: not resting */
	int64_t		 rest_start;	/* ns */
	int		 rest_queued;	/* bytes in the pipe then */
	double		 drain_rate;	/* the client's, bytes/ns; 0: unknown */
	/* STEP_FAILED: where, and errno */
	enum relay_where fail_end;
	int		 fail_err;
};

/* The client's stdio flags, restored before we let go of them. */
struct stdio_flags {
	int	fd[2];
	int	saved[2];	/* as we found them */
	bool	changed[2];	/* O_NONBLOCK added by us */
	bool	shared;		/* fds 0 and 1 one socket: its flags are one */
};

struct relay {
	struct direction	 up, down;
	struct stdio_flags	 flags;
	struct relay_result	*res;
	int			 sock;
	int			 null;		/* /dev/null, for stdout's end */
	int64_t			 next_shrink;	/* when to look for idle pipes, ns */
	int64_t			 drain_until;	/* DRAINING: the server's grace, ns */
};

static char up_buf[RELAY_BUF], down_buf[RELAY_BUF];

const char *
relay_where_name(enum relay_where w)
{
	switch (w) {
	case RELAY_AT_SETUP:	return "setup";
	case RELAY_AT_STDIN:	return "stdin";
	case RELAY_AT_STDOUT:	return "stdout";
	case RELAY_AT_SOCKET:	return "socket";
	case RELAY_AT_POLL:	return "poll";
	default:		return "";
	}
}

#define NS_PER_MS	1000000LL
#define NS_PER_S	1000000000LL

/* CLOCK_MONOTONIC, ns. */
static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* --- resting while the client's pipe is backlogged ------------------- */

/* Bytes queued in a pipe (either end), or -1. */
static int
pipe_queued(int fd)
{
	int q;

	return ioctl(fd, FIONREAD, &q) < 0 ? -1 : q;
}

/*
 * RELAY_SPLICE down, into a grown stdout pipe, after a splice that moved
 * something but less than RELAY_TOPUP: when RELAY_REST_FULL_Q quarters of
 * the pipe are still unread, refilling now would only top up the slots the
 * client's last read freed.  Rest instead, neither end polled, until about
 * RELAY_REST_LEFT_Q quarters are left at the client's last measured pace.
 * Nothing waits longer for it: whatever arrives meanwhile would have
 * queued behind that backlog anyway.  (A full pipe, EAGAIN, is waited for
 * with poll as ever: a client that stopped reading never wakes the relay.)
 */
static void
rest_if_backlogged(struct direction *d, size_t moved)
{
	int64_t ns;
	int q;

	if (d->dst_end != RELAY_AT_STDOUT || d->pipe_state != PIPE_GROWN ||
	    moved == 0 || moved >= RELAY_TOPUP ||
	    (q = pipe_queued(d->dst)) < d->pipe_size / 4 * RELAY_REST_FULL_Q)
		return;
	ns = d->drain_rate > 0 ? (int64_t)((q - d->pipe_size / 4 *
	    RELAY_REST_LEFT_Q) / d->drain_rate) : RELAY_REST_FIRST_NS;
	if (ns < RELAY_REST_MIN_NS)
		ns = RELAY_REST_MIN_NS;
	if (ns > RELAY_REST_MAX_NS)
		ns = RELAY_REST_MAX_NS;
	d->rest_start = now_ns();
	d->rest_queued = q;
	d->rest_until = d->rest_start + ns;
	d->src_ready = d->dst_ready = false;
}

/*
 * The rest is over: learn the client's pace from what it read meanwhile;
 * both ends are polled again (neither is assumed ready: the next ppoll
 * returns at once if they are).  A pipe found empty says only "at least
 * this fast": the next rest is shorter.
 */
static void
wake_if_rested(struct direction *d)
{
	int64_t t;
	int q;

	if (d->rest_until == 0 || (t = now_ns()) < d->rest_until)
		return;
	d->rest_until = 0;
	q = pipe_queued(d->dst);
	if (q >= 0 && q < d->rest_queued && t > d->rest_start) {
		double rate = (double)(d->rest_queued - q) /
		    (double)(t - d->rest_start);

		if (q == 0)
			rate = 2 * (rate > d->drain_rate ? rate : d->drain_rate);
		d->drain_rate = rate;
	}
}

/* The mode for a stdio descriptor, or -errno. */
static int
mode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISFIFO(st.st_mode))
		return RELAY_SPLICE;
	if (S_ISSOCK(st.st_mode))
		return RELAY_SPLICE_PIPE;
	return RELAY_COPY;
}

/* --- pipe size ------------------------------------------------------- */

/* n bytes moved: a bulk transfer grows the pipe, once. */
static void
note_moved(struct direction *d, size_t n)
{
	int size;

	d->moved = true;
	d->shrink_busy = false;
	if (d->pipe_state == PIPE_GROWN || d->grow_refused || d->grow_fd < 0 ||
	    n < (size_t)d->pipe_size / 2)
		return;
	if ((size = fcntl(d->grow_fd, F_SETPIPE_SZ, RELAY_PIPE_BULK)) < 0) {
		d->grow_refused = true;
		return;
	}
	d->pipe_size = size;
	d->pipe_state = PIPE_GROWN;
}

/* Hand a grown pipe's pages back; it may hold too much (EBUSY).  0/-1. */
static int
shrink(struct direction *d)
{
	int size;

	if ((size = fcntl(d->grow_fd, F_SETPIPE_SZ, RELAY_PIPE_DEFAULT)) < 0)
		return -1;
	d->pipe_size = size;
	d->pipe_state = PIPE_IDLE;
	return 0;
}

/*
 * Quiet since the last check: shrink.  A pipe that holds too much (a
 * client not reading) is not tried again until bytes move.
 */
static void
shrink_if_idle(struct direction *d)
{
	if (d->pipe_state == PIPE_GROWN && !d->moved && !d->shrink_busy &&
	    shrink(d) < 0)
		d->shrink_busy = true;
	d->moved = false;
}

/* A grown pipe the idle check should look at. */
static bool
has_grown_pipe(const struct direction *d)
{
	return d->state != DIR_CLOSED && d->pipe_state == PIPE_GROWN &&
	    !d->shrink_busy;
}

/* --- stdio flags ----------------------------------------------------- */

/* Buffered modes need non-blocking stdio: fd[i] gets it, once. */
static int
stdio_nonblock(struct stdio_flags *f, int i)
{
	if (f->changed[i])
		return 0;
	if (fcntl(f->fd[i], F_SETFL, f->saved[i] | O_NONBLOCK) < 0)
		return -errno;
	f->changed[i] = true;
	return 0;
}

/*
 * Both flags are saved before either is changed: fds 0 and 1 may share
 * one file description.
 */
static int
stdio_setup(struct stdio_flags *f, int in, int out)
{
	struct stat st[2];
	int i;

	f->fd[0] = in;
	f->fd[1] = out;
	for (i = 0; i < 2; i++)
		if ((f->saved[i] = fcntl(f->fd[i], F_GETFL)) < 0 ||
		    fstat(f->fd[i], &st[i]) < 0)
			return -errno;
	f->shared = S_ISSOCK(st[0].st_mode) && st[0].st_dev == st[1].st_dev &&
	    st[0].st_ino == st[1].st_ino;
	return 0;
}

static void
stdio_restore(struct stdio_flags *f, int i)
{
	if (f->changed[i])
		(void)fcntl(f->fd[i], F_SETFL, f->saved[i]);
	f->changed[i] = false;
}

/*
 * The server's stream ended, or the client stopped reading: EOF for it.
 * fd 1 stays valid, on null (opened at set-up; if that failed, it is
 * closed), so that nothing opened later can land on it.
 */
static void
close_stdout(struct stdio_flags *f, int out, int null)
{
	/* stdin still reads the shared socket: restored with stdin, at exit */
	if (f->shared && !f->changed[0]) {
		f->changed[0] = f->changed[1];
		f->saved[0] = f->saved[1];
	}
	if (f->shared)
		f->changed[1] = false;
	stdio_restore(f, 1);
	(void)shutdown(out, SHUT_WR);	/* a socket shared with stdin */
	if (null < 0 || dup2(null, out) < 0)
		close(out);
}

/* --- one direction ----------------------------------------------------- */

static void
mark_closed(struct relay *r, enum relay_where end)
{
	if (r->res->closed_by == NULL)
		r->res->closed_by = end == RELAY_AT_SOCKET ? "server" : "client";
}

/* The direction is done: half-close its output, forget its pipe. */
static void
direction_close(struct relay *r, struct direction *d)
{
	if (d->state == DIR_CLOSED)
		return;
	d->state = DIR_CLOSED;
	d->queued = 0;
	if (d->pipe_state == PIPE_GROWN)
		(void)shrink(d);	/* best effort: it is handed back */
	d->grow_fd = -1;
	d->pipe_state = PIPE_IDLE;
	if (d == &r->up)
		(void)shutdown(r->sock, SHUT_WR);
	else
		close_stdout(&r->flags, d->dst, r->null);
}

/*
 * A peer is gone at end (EPIPE, ECONNRESET, POLLHUP or POLLERR on an
 * output; err 0 for poll).  What was on its way there is lost.  A client
 * that stopped reading still gets what it already sent delivered; a
 * reset socket ends both directions.
 */
static void
end_gone(struct relay *r, enum relay_where end, int err)
{
	mark_closed(r, end);
	if (end == RELAY_AT_STDOUT) {
		direction_close(r, &r->down);
		if (r->up.state == DIR_OPEN) {
			r->up.state = DIR_DRAINING;
			r->drain_until = now_ns() + RELAY_DRAIN_MS * NS_PER_MS;
		}
	} else if (end == RELAY_AT_STDIN) {
		direction_close(r, &r->up);
	} else {
		direction_close(r, &r->up);
		if (err == ECONNRESET)
			direction_close(r, &r->down);
	}
}

/*
 * A system call on end failed with errno: try again (EINTR), wait for
 * the end (EAGAIN), or a failure for handle_failure().
 */
static enum step
step_failed(struct direction *d, enum relay_where end)
{
	if (errno == EINTR)
		return STEP_WAIT;	/* nothing happened: try again */
	if (errno == EAGAIN) {
		if (end == d->src_end)
			d->src_ready = false;
		else
			d->dst_ready = false;
		return STEP_WAIT;
	}
	d->fail_end = end;
	d->fail_err = errno;
	return STEP_FAILED;
}

/* RELAY_SPLICE: one splice(2) from src straight to dst. */
static enum step
move_direct(struct direction *d)
{
	ssize_t n;

	n = splice(d->src, NULL, d->dst, NULL, RELAY_CHUNK, SPLICE_F_MOVE |
	    SPLICE_F_NONBLOCK);
	if (n > 0) {
		d->bytes += (size_t)n;
		note_moved(d, (size_t)n);
		if ((size_t)n < RELAY_CHUNK) {
			d->src_ready = false;	/* or dst full: EAGAIN says */
			rest_if_backlogged(d, (size_t)n);
		}
		return STEP_MOVED;
	}
	if (n == 0)
		return STEP_EOF;
	if (errno == EINTR)
		return STEP_WAIT;
	if (errno == EAGAIN) {
		/* either end: poll says which */
		d->src_ready = d->dst_ready = false;
		return STEP_WAIT;
	}
	/* splice does not say which end failed: EPIPE is the output, a reset
	 * the socket, anything else is blamed on the input */
	return step_failed(d, errno == EPIPE ? d->dst_end :
	    errno == ECONNRESET ? RELAY_AT_SOCKET : d->src_end);
}

/* Buffered modes: take input; only called with nothing queued. */
static enum step
fill(struct direction *d)
{
	size_t want = d->mode == RELAY_SPLICE_PIPE ? (size_t)d->pipe_size :
	    RELAY_BUF;
	ssize_t n;

	if (d->mode == RELAY_SPLICE_PIPE)
		n = splice(d->src, NULL, d->pipe[1], NULL, want,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = read(d->src, d->buf, want);
	if (n < 0)
		return step_failed(d, d->src_end);
	if (n == 0)
		return STEP_EOF;
	d->queued = (size_t)n;
	d->off = 0;
	note_moved(d, (size_t)n);
	if ((size_t)n < want)
		d->src_ready = false;	/* had no more, or the pipe's slots ran out */
	return STEP_MOVED;
}

/* Buffered modes: deliver what is queued. */
static enum step
drain(struct direction *d)
{
	ssize_t n;

	if (d->mode == RELAY_SPLICE_PIPE)
		n = splice(d->pipe[0], NULL, d->dst, NULL, d->queued,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = write(d->dst, d->buf + d->off, d->queued);
	if (n == 0)
		errno = EPIPE;
	if (n <= 0)
		return step_failed(d, d->dst_end);
	d->queued -= (size_t)n;
	d->off += (size_t)n;
	d->bytes += (size_t)n;
	if (d->queued != 0)
		d->dst_ready = false;	/* a short write: the output is full */
	return STEP_MOVED;
}

/* Nothing queued, and the input not known to hold more (nor to be over). */
static bool
input_unknown(const struct direction *d)
{
	return !d->src_ready && !d->src_eof && d->queued == 0;
}

/*
 * Draining, with the input unknown: a look at it decides between moving
 * on and closing.
 */
static bool
needs_look(const struct direction *d)
{
	return d->state == DIR_DRAINING && input_unknown(d);
}

/* Can the direction go on without waiting for poll? */
static bool
runnable(const struct direction *d)
{
	if (d->state == DIR_CLOSED || d->rest_until != 0)
		return false;
	if (needs_look(d))
		return true;
	if (d->mode == RELAY_SPLICE)
		return d->src_ready && d->dst_ready;
	return d->queued != 0 ? d->dst_ready : d->src_ready && !d->src_eof;
}

/* One transfer of whichever kind the direction can make now. */
static enum step
move(struct direction *d)
{
	if (d->mode == RELAY_SPLICE)
		return move_direct(d);
	return d->queued != 0 ? drain(d) : fill(d);
}

/* Does src hold anything (or EOF) right now?  A zero-timeout ppoll. */
static bool
look_at_src(const struct direction *d)
{
	struct pollfd p = { d->src, POLLIN, 0 };
	struct timespec now = { 0, 0 };

	return ppoll(&p, 1, &now, NULL) > 0 && p.revents != 0;
}

/* Splice refused (EINVAL, ENOSYS): read/write, if nothing moved yet. */
static int
fall_back(struct relay *r, struct direction *d)
{
	int e;

	if (d->bytes != 0 || d->queued != 0)
		return -d->fail_err;
	d->mode = RELAY_COPY;
	d->grow_fd = -1;
	d->pipe_state = PIPE_IDLE;
	if ((e = stdio_nonblock(&r->flags, d == &r->up ? 0 : 1)) < 0)
		d->fail_end = d == &r->up ? RELAY_AT_STDIN : RELAY_AT_STDOUT;
	return e;
}

/* A failed transfer: a peer gone is an end, not an error.  0 or -errno. */
static int
handle_failure(struct relay *r, struct direction *d)
{
	int err = d->fail_err;

	if (err == EPIPE || err == ECONNRESET) {
		end_gone(r, d->fail_end, err);
		return 0;
	}
	if ((err == EINVAL || err == ENOSYS) && d->mode != RELAY_COPY)
		return fall_back(r, d);
	return -err;
}

/*
 * Move what the direction can, at most RELAY_BURST transfers, and close
 * it once it has ended.  Returns 0, or -errno (d->fail_end says where).
 */
static int
direction_run(struct relay *r, struct direction *d)
{
	enum step s;
	int i, e;

	for (i = 0; i < RELAY_BURST && runnable(d) && !needs_look(d); i++) {
		if ((s = move(d)) == STEP_EOF) {
			d->src_eof = true;
			mark_closed(r, d->src_end);
			break;
		}
		if (s == STEP_FAILED && (e = handle_failure(r, d)) < 0)
			return e;
		if (s == STEP_MOVED && d->state == DIR_DRAINING)
			r->drain_until = now_ns() + RELAY_DRAIN_MS * NS_PER_MS;
	}
	if (d->state != DIR_CLOSED && d->queued == 0 && (d->src_eof ||
	    (needs_look(d) && !(d->src_ready = look_at_src(d)))))
		direction_close(r, d);
	return 0;
}

/* --- the loop ---------------------------------------------------------- */

enum { PFD_IN, PFD_SOCK, PFD_OUT, PFD_COUNT };

/* Waiting for its input: open, with the input unknown. */
static bool
wants_src(const struct direction *d)
{
	return d->state == DIR_OPEN && d->rest_until == 0 && input_unknown(d);
}

/* Waiting for its output: something to deliver, output not known ready. */
static bool
wants_dst(const struct direction *d)
{
	if (d->state == DIR_CLOSED || d->dst_ready || d->rest_until != 0)
		return false;
	return d->mode == RELAY_SPLICE || d->queued != 0;
}

static void
build_pollfds(const struct relay *r, struct pollfd pfd[PFD_COUNT])
{
	short sock_events = 0;

	pfd[PFD_IN].fd = wants_src(&r->up) ? r->up.src : -1;
	pfd[PFD_IN].events = POLLIN;
	if (wants_dst(&r->up))
		sock_events |= POLLOUT;
	if (wants_src(&r->down))
		sock_events |= POLLIN;
	/* While up is not closed, a POLLHUP says the server is gone. */
	pfd[PFD_SOCK].fd = sock_events != 0 || r->up.state != DIR_CLOSED ?
	    r->sock : -1;
	pfd[PFD_SOCK].events = sock_events;
	/* Watched while down is not closed: POLLERR says the client is gone. */
	pfd[PFD_OUT].fd = r->down.state != DIR_CLOSED ? r->down.dst : -1;
	pfd[PFD_OUT].events = wants_dst(&r->down) ? POLLOUT : 0;
}

/* Learn from what poll reported: ready ends, and peers gone. */
static void
absorb_events(struct relay *r, const struct pollfd pfd[PFD_COUNT])
{
	const short gone = POLLERR | POLLHUP;
	short in = pfd[PFD_IN].fd >= 0 ? pfd[PFD_IN].revents : 0;
	short sock = pfd[PFD_SOCK].fd >= 0 ? pfd[PFD_SOCK].revents : 0;
	short out = pfd[PFD_OUT].fd >= 0 ? pfd[PFD_OUT].revents : 0;

	if (in != 0)
		r->up.src_ready = true;		/* data, or EOF to read */
	if (sock & (POLLIN | gone))
		r->down.src_ready = true;
	if (sock & POLLOUT)
		r->up.dst_ready = true;
	if (out & POLLOUT)
		r->down.dst_ready = true;
	if (out & gone)
		end_gone(r, RELAY_AT_STDOUT, 0);
	if ((sock & gone) && r->up.state != DIR_CLOSED)
		end_gone(r, RELAY_AT_SOCKET, 0);
}

/*
 * How long ppoll may wait, ns (-1: for an event): nothing if a direction
 * can move; else until the idle check, the end of a draining client's
 * grace or the end of a rest, whichever comes first.
 */
static int64_t
poll_timeout(struct relay *r)
{
	int64_t due = -1, left;

	if (runnable(&r->up) || runnable(&r->down))
		return 0;
	if (has_grown_pipe(&r->up) || has_grown_pipe(&r->down)) {
		if (r->next_shrink == 0)
			r->next_shrink = now_ns() + RELAY_IDLE_SHRINK_MS * NS_PER_MS;
		due = r->next_shrink;
	} else {
		r->next_shrink = 0;
	}
	if (r->up.state == DIR_DRAINING && (due < 0 || r->drain_until < due))
		due = r->drain_until;
	if (r->down.rest_until != 0 && (due < 0 || r->down.rest_until < due))
		due = r->down.rest_until;
	if (due < 0)
		return -1;
	left = due - now_ns();
	return left > 0 ? left : 0;
}

/* The client is gone and the server took nothing for its grace: end. */
static void
end_stalled_drain(struct relay *r)
{
	if (r->up.state == DIR_DRAINING && now_ns() >= r->drain_until)
		direction_close(r, &r->up);
}

static void
shrink_idle_pipes(struct relay *r)
{
	if (r->next_shrink == 0 || now_ns() < r->next_shrink)
		return;
	shrink_if_idle(&r->up);
	shrink_if_idle(&r->down);
	r->next_shrink = 0;
}

static int
relay_loop(struct relay *r, const sigset_t *waitmask)
{
	struct pollfd pfd[PFD_COUNT];
	struct timespec ts;
	unsigned int wakeups = 0;
	int64_t timeout;
	int e;

	while (r->up.state != DIR_CLOSED || r->down.state != DIR_CLOSED) {
		if ((r->res->signo = ++wakeups % RELAY_SIGNAL_CHECK == 0 ?
		    signals_pending() : signals_caught()) != 0)
			return -EINTR;
		build_pollfds(r, pfd);
		timeout = poll_timeout(r);
		ts.tv_sec = timeout / NS_PER_S;
		ts.tv_nsec = timeout % NS_PER_S;
		if (ppoll(pfd, PFD_COUNT, timeout < 0 ? NULL : &ts,
		    waitmask) < 0) {
			if (errno == EINTR)
				continue;
			r->res->err_where = RELAY_AT_POLL;
			return -errno;
		}
		absorb_events(r, pfd);
		wake_if_rested(&r->down);
		shrink_idle_pipes(r);
		if ((e = direction_run(r, &r->up)) < 0) {
			r->res->err_where = r->up.fail_end;
			return e;
		}
		if ((e = direction_run(r, &r->down)) < 0) {
			r->res->err_where = r->down.fail_end;
			return e;
		}
		end_stalled_drain(r);
	}
	return 0;
}

/* --- set-up -------------------------------------------------------------- */

/*
 * Set up a direction from src to dst; stdio_fd is the client's end and
 * decides the mode.  Returns 0 or -errno.
 */
static int
direction_open(struct relay *r, struct direction *d, int src, int dst,
    int stdio_fd, char *buf)
{
	int mode, i = d == &r->up ? 0 : 1;

	d->src = src;
	d->dst = dst;
	d->buf = buf;
	d->dst_ready = true;	/* until a transfer says otherwise */
	d->pipe_size = RELAY_PIPE_DEFAULT;
	if ((mode = mode_of(stdio_fd)) < 0)
		return mode;
	d->mode = (enum relay_mode)mode;
	d->grow_fd = mode == RELAY_SPLICE ? stdio_fd : -1;
	if (mode == RELAY_SPLICE_PIPE) {
		if (pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
			return -errno;
		d->grow_fd = d->pipe[1];
		/* An urgent byte is data in the stream, not a stall (below). */
		if (i == 0)
			(void)setsockopt(stdio_fd, SOL_SOCKET, SO_OOBINLINE,
			    &(int){ 1 }, sizeof(int));
	}
	return mode == RELAY_SPLICE ? 0 : stdio_nonblock(&r->flags, i);
}

static void
direction_free(struct direction *d)
{
	if (d->pipe[0] >= 0)
		close(d->pipe[0]);
	if (d->pipe[1] >= 0)
		close(d->pipe[1]);
	d->pipe[0] = d->pipe[1] = -1;
}

int
relay_run(int in, int out, int sock, const sigset_t *waitmask,
    void (*confine)(void), struct relay_result *ret)
{
	struct relay r = {
		.up = { .src_end = RELAY_AT_STDIN, .dst_end = RELAY_AT_SOCKET,
		    .pipe = { -1, -1 } },
		.down = { .src_end = RELAY_AT_SOCKET, .dst_end = RELAY_AT_STDOUT,
		    .pipe = { -1, -1 } },
		.sock = sock, .res = ret, .null = -1,
	};
	int e;

	memset(ret, 0, sizeof(*ret));
	/*
	 * Larger batches into the socket: its send buffer, not the pipe,
	 * caps each splice c->s (measured: half the relay's CPU per GiB).
	 * Best effort; the kernel clamps it to net.core.wmem_max.
	 */
	(void)setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &(int){ RELAY_SOCK_SNDBUF },
	    sizeof(int));
	/*
	 * An urgent (MSG_OOB) byte would stop every read and splice short of
	 * it while poll kept reporting input: a busy loop.  Inline, it is one
	 * more byte of the stream.
	 */
	(void)setsockopt(sock, SOL_SOCKET, SO_OOBINLINE, &(int){ 1 },
	    sizeof(int));
	/*
	 * Opened now, so that nothing is opened once confined; read-only, as
	 * nothing writes to it.  Without it stdout is closed instead.
	 */
	r.null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((e = stdio_setup(&r.flags, in, out)) < 0 ||
	    (e = direction_open(&r, &r.up, in, sock, in, up_buf)) < 0 ||
	    (e = direction_open(&r, &r.down, sock, out, out, down_buf)) < 0) {
		ret->err_where = RELAY_AT_SETUP;
	} else {
		if (confine != NULL)
			confine();
		e = relay_loop(&r, waitmask);
	}
	if (e < 0 && e != -EINTR)
		ret->err = -e;
	ret->up = r.up.bytes;
	ret->down = r.down.bytes;
	stdio_restore(&r.flags, 0);
	stdio_restore(&r.flags, 1);
	direction_free(&r.up);
	direction_free(&r.down);
	if (r.null >= 0)
		close(r.null);
	return e;
}
