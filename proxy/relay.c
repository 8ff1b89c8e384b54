/*
 * relay.c - the relay: two pumps (client to server, "up", and server to
 * client, "down") driven by one ppoll(2) loop.
 *
 * A pump moves bytes from in to out in one of three modes (relay.h).  In
 * RELAY_SPLICE one splice(2) moves bytes between sshd's pipe and the
 * socket; EAGAIN is ambiguous there (input empty, or output full), so
 * FIONREAD on the input decides which to wait for, and a short splice ends
 * the pump's turn (the input is most likely drained: ppoll says).  The
 * buffered modes know how much they hold and wait accordingly.  Each pump
 * runs only on the events of its own ends.
 *
 * sshd's pipes are grown to RELAY_PIPE_BULK only while bulk data moves and
 * shrunk back after RELAY_IDLE_SHRINK_MS of quiet: pipe pages count
 * against the user's pipe-user-pages-soft, and idle sessions must not
 * hold them.
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

struct pump {
	const char	*in_name, *out_name;
	int		 in, out;
	enum relay_mode	 mode;
	int		 pipe[2];	/* RELAY_SPLICE_PIPE: the private pipe */
	char		*buf;		/* RELAY_COPY: RELAY_BUF bytes */
	size_t		 queued;	/* bytes held in pipe or buf */
	size_t		 off;		/* RELAY_COPY: next byte to write */
	int		 grow_fd;	/* the pipe we resize, or -1 */
	int		 pipe_size;	/* its capacity as far as we know */
	bool		 grown, grow_refused, active;
	bool		 eof;		/* the input ended */
	bool		 done;		/* ... and everything was delivered */
	bool		 wait_out;	/* blocked on output, not input */
	bool		 pipe_full;	/* private pipe out of slots */
	uint64_t	 bytes;
	const char	*err_where;	/* set with a -errno return */
};

static char up_buf[RELAY_BUF], down_buf[RELAY_BUF];

int
relay_mode_of(int fd)
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

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bulk data is moving: give the pipe room for it, once. */
static void
pump_grow(struct pump *p)
{
	int size;

	p->active = true;
	if (p->grown || p->grow_refused || p->grow_fd < 0)
		return;
	if ((size = fcntl(p->grow_fd, F_SETPIPE_SZ, RELAY_PIPE_BULK)) < 0) {
		p->grow_refused = true;	/* pipe-user-pages or pipe-max-size */
		return;
	}
	p->pipe_size = size;
	p->grown = true;
}

/* Quiet since the last check: hand the pages back. */
static void
pump_shrink_if_idle(struct pump *p)
{
	int size;

	if (p->grown && !p->active &&
	    (size = fcntl(p->grow_fd, F_SETPIPE_SZ, RELAY_PIPE_DEFAULT)) > 0) {
		p->pipe_size = size;
		p->grown = false;
	}
	p->active = false;
}

static void
pump_moved(struct pump *p, size_t n)
{
	if (n >= (size_t)p->pipe_size / 2)
		pump_grow(p);
	else
		p->active = true;
}

static bool
has_input(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

static int
fail(struct pump *p, const char *where)
{
	p->err_where = where;
	return -errno;
}

/* Switch to read/write; allowed only before anything moved. */
static int
pump_fall_back(struct pump *p, const char *where)
{
	if (p->bytes != 0 || p->queued != 0)
		return fail(p, where);
	p->mode = RELAY_COPY;
	p->grow_fd = -1;
	return 0;
}

/*
 * splice(2) does not say which end failed: EPIPE is the output, a reset is
 * the socket, anything else is blamed on the input.
 */
static const char *
splice_failed_end(const struct pump *p, int err)
{
	if (err == EPIPE)
		return p->out_name;
	if (err == ECONNRESET)
		return strcmp(p->out_name, "socket") == 0 ? p->out_name :
		    p->in_name;
	return p->in_name;
}

/* RELAY_SPLICE: in and out joined by one splice per chunk. */
static int
pump_splice(struct pump *p)
{
	ssize_t n;
	int i;

	for (i = 0; i < RELAY_BURST; i++) {
		n = splice(p->in, NULL, p->out, NULL, RELAY_CHUNK,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			p->bytes += (size_t)n;
			pump_moved(p, (size_t)n);
			if ((size_t)n < RELAY_CHUNK)
				break;	/* drained, most likely: ppoll says */
		} else if (n == 0) {
			p->eof = p->done = true;
			return 0;
		} else if (errno == EAGAIN) {
			if ((p->wait_out = has_input(p->in)))
				pump_grow(p);	/* output full: bulk */
			return 0;
		} else if (errno == EINVAL || errno == ENOSYS) {
			return pump_fall_back(p, p->out_name);
		} else if (errno != EINTR) {
			return fail(p, splice_failed_end(p, errno));
		}
	}
	p->wait_out = false;
	return 0;
}

/* Buffered modes: take input.  1 if progress, 0 if none, or -errno. */
static int
pump_fill(struct pump *p)
{
	ssize_t n;

	if (p->eof)
		return 0;
	if (p->mode == RELAY_SPLICE_PIPE) {
		if (p->queued >= (size_t)p->pipe_size)
			return 0;
		n = splice(p->in, NULL, p->pipe[1], NULL,
		    (size_t)p->pipe_size - p->queued, SPLICE_F_MOVE |
		    SPLICE_F_NONBLOCK);
	} else {
		if (p->queued != 0)
			return 0;
		p->off = 0;
		n = read(p->in, p->buf, RELAY_BUF);
	}
	if (n > 0) {
		p->queued += (size_t)n;
		pump_moved(p, (size_t)n);
		return 1;
	}
	if (n == 0) {
		p->eof = true;
		return 0;
	}
	if (errno == EAGAIN && p->mode == RELAY_SPLICE_PIPE && p->queued != 0 &&
	    has_input(p->in))
		p->pipe_full = true;	/* slots, not bytes: small writes fill it */
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	if (p->mode == RELAY_SPLICE_PIPE && (errno == EINVAL || errno == ENOSYS))
		return pump_fall_back(p, p->in_name) < 0 ? -EINVAL : 1;
	return fail(p, p->in_name);
}

/* Buffered modes: deliver.  1 if progress, 0 if none, or -errno. */
static int
pump_drain(struct pump *p)
{
	ssize_t n;

	if (p->queued == 0)
		return 0;
	if (p->mode == RELAY_SPLICE_PIPE)
		n = splice(p->pipe[0], NULL, p->out, NULL, p->queued,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = write(p->out, p->buf + p->off, p->queued);
	if (n > 0) {
		p->queued -= (size_t)n;
		p->off += (size_t)n;
		p->bytes += (size_t)n;
		p->pipe_full = false;
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == 0)
		errno = EPIPE;
	return fail(p, p->out_name);
}

static int
pump_buffered(struct pump *p)
{
	int i, filled, drained;

	for (i = 0; i < RELAY_BURST; i++) {
		if ((filled = pump_fill(p)) < 0)
			return filled;
		if ((drained = pump_drain(p)) < 0)
			return drained;
		if (!filled && !drained)
			break;
	}
	if (p->eof && p->queued == 0)
		p->done = true;
	p->wait_out = p->queued != 0;
	return 0;
}

static int
pump_run(struct pump *p)
{
	if (p->done)
		return 0;
	return p->mode == RELAY_SPLICE ? pump_splice(p) : pump_buffered(p);
}

/* What the pump waits for now. */
static bool
pump_wants_in(const struct pump *p)
{
	if (p->done || p->eof)
		return false;
	if (p->mode == RELAY_SPLICE)
		return !p->wait_out;
	if (p->mode == RELAY_SPLICE_PIPE)
		return !p->pipe_full && p->queued < (size_t)p->pipe_size;
	return p->queued == 0;
}

static bool
pump_wants_out(const struct pump *p)
{
	return !p->done && (p->mode == RELAY_SPLICE ? p->wait_out :
	    p->queued != 0);
}

/*
 * Set up a pump from in to out; stdio_fd is the client's descriptor and
 * decides the mode.  Returns 0 or -errno (the private pipe).
 */
static int
pump_open(struct pump *p, int in, int out, int stdio_fd, char *buf)
{
	int mode;

	p->in = in;
	p->out = out;
	p->buf = buf;
	p->pipe[0] = p->pipe[1] = -1;
	p->pipe_size = RELAY_PIPE_DEFAULT;
	if ((mode = relay_mode_of(stdio_fd)) < 0)
		return mode;
	p->mode = (enum relay_mode)mode;
	p->grow_fd = mode == RELAY_SPLICE ? stdio_fd : -1;
	if (mode == RELAY_SPLICE_PIPE) {
		if (pipe2(p->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
			return -errno;
		p->grow_fd = p->pipe[1];
	}
	return 0;
}

static void
pump_close(struct pump *p)
{
	if (p->pipe[0] >= 0)
		close(p->pipe[0]);
	if (p->pipe[1] >= 0)
		close(p->pipe[1]);
	p->pipe[0] = p->pipe[1] = -1;
}

/* The client's stdio flags, restored before we let go of them. */
struct stdio_flags {
	int	fd[2];
	int	saved[2];	/* as we found them */
	bool	changed[2];	/* O_NONBLOCK added by us */
};

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
 * Both flags are saved before either is changed (fds 0 and 1 may share
 * one file description), also for a pump that splices: it may fall back
 * to read/write later (run_pump), and then needs non-blocking stdio too.
 */
static int
stdio_setup(struct stdio_flags *f, int in, int out, const struct pump *up,
    const struct pump *down)
{
	int i, e;

	f->fd[0] = in;
	f->fd[1] = out;
	for (i = 0; i < 2; i++)
		if ((f->saved[i] = fcntl(f->fd[i], F_GETFL)) < 0)
			return -errno;
	if ((up->mode != RELAY_SPLICE && (e = stdio_nonblock(f, 0)) < 0) ||
	    (down->mode != RELAY_SPLICE && (e = stdio_nonblock(f, 1)) < 0))
		return e;
	return 0;
}

static void
stdio_restore(struct stdio_flags *f, int i)
{
	if (f->changed[i])
		(void)fcntl(f->fd[i], F_SETFL, f->saved[i]);
	f->changed[i] = false;
}

/* The server's stream ended: let the client see EOF on stdout. */
static void
close_stdout(struct stdio_flags *f, int out)
{
	int null;

	stdio_restore(f, 1);
	(void)shutdown(out, SHUT_WR);	/* a socket shared with stdin */
	/* Keep fd 1 valid, so that nothing opened later can land on it. */
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
		(void)dup2(null, out);
		close(null);
	} else {
		close(out);
	}
}

enum { PFD_IN, PFD_SOCK, PFD_OUT, PFD_COUNT };

struct relay {
	struct pump		 up, down;
	struct stdio_flags	 flags;
	struct relay_result	*res;
	int			 sock;
	bool			 out_closed;	/* stdout handed back */
	bool			 sock_shut;	/* SHUT_WR sent */
	int64_t			 next_shrink;
};

static void
mark_closed(struct relay *r, const char *who)
{
	if (r->res->closed_by == NULL)
		r->res->closed_by = who;
}

/* Finish what a direction that just ended needs finishing. */
static void
finish_directions(struct relay *r)
{
	if (r->up.done && r->up.eof && !r->sock_shut) {
		mark_closed(r, "client");
		(void)shutdown(r->sock, SHUT_WR);
		r->sock_shut = true;
	}
	if (r->down.done && !r->out_closed) {
		mark_closed(r, "server");
		close_stdout(&r->flags, r->down.out);
		r->out_closed = true;
	}
}

static void
build_pollfds(const struct relay *r, struct pollfd pfd[PFD_COUNT])
{
	short sock_events = 0;

	pfd[PFD_IN].fd = pump_wants_in(&r->up) ? r->up.in : -1;
	pfd[PFD_IN].events = POLLIN;
	if (pump_wants_out(&r->up))
		sock_events |= POLLOUT;
	if (pump_wants_in(&r->down))
		sock_events |= POLLIN;
	/* Once the server's stream ended, watch for it going away. */
	pfd[PFD_SOCK].fd = sock_events != 0 || r->down.done ? r->sock : -1;
	pfd[PFD_SOCK].events = sock_events;
	/* Always watched while open: POLLERR says the client is gone. */
	pfd[PFD_OUT].fd = r->out_closed ? -1 : r->down.out;
	pfd[PFD_OUT].events = pump_wants_out(&r->down) ? POLLOUT : 0;
}

static int
poll_timeout(struct relay *r)
{
	int64_t left;

	if (!r->up.grown && !r->down.grown)
		return -1;
	if (r->next_shrink == 0)
		r->next_shrink = now_ms() + RELAY_IDLE_SHRINK_MS;
	left = r->next_shrink - now_ms();
	return left > 0 ? (int)left : 0;
}

static void
shrink_idle_pipes(struct relay *r)
{
	if (r->next_shrink == 0 || now_ms() < r->next_shrink)
		return;
	pump_shrink_if_idle(&r->up);
	pump_shrink_if_idle(&r->down);
	r->next_shrink = 0;
}

/* Run one pump; a peer gone is the end of the session, not an error. */
static int
run_pump(struct relay *r, struct pump *p)
{
	enum relay_mode was = p->mode;
	int e;

	/* Fell back from splice: read/write must not block on stdio. */
	if ((e = pump_run(p)) >= 0 && p->mode != was &&
	    (e = stdio_nonblock(&r->flags, p == &r->up ? 0 : 1)) < 0)
		p->err_where = p == &r->up ? p->in_name : p->out_name;
	if (e >= 0)
		return 0;
	if (e != -EPIPE && e != -ECONNRESET) {
		r->res->err_where = p->err_where;
		return e;
	}
	if (p == &r->up && p->err_where == p->out_name) {
		p->done = true;		/* the server stopped reading */
		return 0;
	}
	mark_closed(r, p->err_where == r->down.out_name ? "client" : "server");
	return 1;
}

/*
 * Run the pumps poll said may move.  Returns 1 when the session is over,
 * 0 to go on, or -errno for an I/O error.
 */
static int
step(struct relay *r, const struct pollfd pfd[PFD_COUNT])
{
	const short gone = POLLERR | POLLHUP;
	short sock = pfd[PFD_SOCK].revents;
	int e;

	if (pfd[PFD_OUT].revents & gone) {
		mark_closed(r, "client");
		return 1;
	}
	/*
	 * The socket's events go to the pump they concern: a splice tried
	 * on an end that is not ready is a syscall wasted per wake-up.
	 */
	if ((pfd[PFD_IN].revents || ((sock & (POLLOUT | gone)) &&
	    pump_wants_out(&r->up))) && (e = run_pump(r, &r->up)) != 0)
		return e;
	if ((pfd[PFD_OUT].revents || ((sock & (POLLIN | gone)) &&
	    pump_wants_in(&r->down))) && (e = run_pump(r, &r->down)) != 0)
		return e;
	finish_directions(r);
	if (r->up.done && r->down.done)
		return 1;
	/* The server hung up entirely: nothing more can reach it. */
	return r->down.done && (sock & gone) ? 1 : 0;
}

static int
relay_loop(struct relay *r, const sigset_t *waitmask)
{
	struct pollfd pfd[PFD_COUNT];
	struct timespec ts, *tp;
	unsigned int wakeups = 0;
	int timeout, n, e;

	for (;;) {
		if ((r->res->signo = ++wakeups % RELAY_SIGNAL_CHECK == 0 ?
		    signals_pending() : signals_caught()) != 0)
			return -EINTR;
		build_pollfds(r, pfd);
		timeout = poll_timeout(r);
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (long)(timeout % 1000) * 1000000;
		tp = timeout < 0 ? NULL : &ts;
		if ((n = ppoll(pfd, PFD_COUNT, tp, waitmask)) < 0) {
			if (errno == EINTR)
				continue;
			r->res->err_where = "poll";
			return -errno;
		}
		shrink_idle_pipes(r);
		if (n > 0 && (e = step(r, pfd)) != 0)
			return e < 0 ? e : 0;
	}
}

int
relay_run(int in, int out, int sock, const sigset_t *waitmask,
    struct relay_result *ret)
{
	struct relay r = { .sock = sock, .res = ret };
	int e;

	memset(ret, 0, sizeof(*ret));
	/*
	 * Larger batches into the socket: its send buffer, not the pipe,
	 * caps each splice c->s (measured: half the relay's CPU per GiB).
	 * Best effort; the kernel clamps it to net.core.wmem_max.
	 */
	(void)setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &(int){ RELAY_SOCK_SNDBUF },
	    sizeof(int));
	r.up.in_name = "stdin";
	r.up.out_name = r.down.in_name = "socket";
	r.down.out_name = "stdout";
	r.up.pipe[0] = r.up.pipe[1] = r.down.pipe[0] = r.down.pipe[1] = -1;
	if ((e = pump_open(&r.up, in, sock, in, up_buf)) < 0 ||
	    (e = pump_open(&r.down, sock, out, out, down_buf)) < 0 ||
	    (e = stdio_setup(&r.flags, in, out, &r.up, &r.down)) < 0)
		ret->err_where = "setup";
	else
		e = relay_loop(&r, waitmask);
	if (e < 0 && e != -EINTR)
		ret->err = -e;
	ret->up = r.up.bytes;
	ret->down = r.down.bytes;
	ret->mode_up = r.up.mode;
	ret->mode_down = r.down.mode;
	stdio_restore(&r.flags, 0);
	stdio_restore(&r.flags, 1);
	pump_close(&r.up);
	pump_close(&r.down);
	return e;
}
