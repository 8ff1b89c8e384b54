/*
 * refrelay.c - `make bench`'s measuring stick: the least a relay between
 * stdio pipes and a unix socket can do.  It connects to the socket named
 * by argv[1], grows the stdio pipes to 1 MiB, and splices each direction
 * straight between the pipe and the socket, with poll(2) when one side
 * is not ready; stdin's EOF becomes shutdown(SHUT_WR) on the socket, the
 * socket's EOF closes stdout, and it exits when both directions are done.
 * Nothing else: no socket search, no idle pipe shrinking, no signals, no
 * journal, no sandbox, no fallback when stdio is not a pipe.
 *
 * usage: refrelay SOCKET		exit 0, or 1 with a message
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PIPE_BYTES	(1 << 20)
#define CHUNK		(1 << 20)

struct way {
	int	src, dst;
	bool	want_out;	/* the source has data, the sink is full */
	bool	done;
};

static bool
readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0;
}

/*
 * Move what can be moved now; false when the source hit EOF.  On EAGAIN
 * the way waits for its sink if the source still has data, else for
 * the source.
 */
static bool
pump(struct way *w)
{
	ssize_t n;

	for (;;) {
		n = splice(w->src, NULL, w->dst, NULL, CHUNK,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0)
			continue;
		if (n == 0)
			return false;
		if (errno == EAGAIN) {
			w->want_out = readable(w->src);
			return true;
		}
		if (errno != EINTR)
			err(1, "splice");
	}
}

/* The pollfd way w waits on (fd -1 once it is done). */
static struct pollfd
wait_for(const struct way *w)
{
	if (w->done)
		return (struct pollfd){ -1, 0, 0 };
	return w->want_out ? (struct pollfd){ w->dst, POLLOUT, 0 } :
	    (struct pollfd){ w->src, POLLIN, 0 };
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct way up, down;
	struct pollfd p[2];
	bool up_ready = true, down_ready = true;
	int s;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path))
		errx(1, "usage: refrelay SOCKET");
	strcpy(sa.sun_path, argv[1]);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(s, F_SETFL, O_NONBLOCK) < 0)
		err(1, "%s", argv[1]);
	(void)fcntl(0, F_SETPIPE_SZ, PIPE_BYTES);
	(void)fcntl(1, F_SETPIPE_SZ, PIPE_BYTES);
	up = (struct way){ 0, s, false, false };
	down = (struct way){ s, 1, false, false };
	for (;;) {
		if (up_ready && !up.done && !pump(&up)) {
			up.done = true;
			(void)shutdown(s, SHUT_WR);
		}
		if (down_ready && !down.done && !pump(&down)) {
			down.done = true;
			(void)close(1);
		}
		if (up.done && down.done)
			return 0;
		p[0] = wait_for(&up);
		p[1] = wait_for(&down);
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			err(1, "poll");
		up_ready = p[0].revents != 0;
		down_ready = p[1].revents != 0;
	}
}
