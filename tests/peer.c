/* peer.c - both ends of a verified byte stream, written and read at once. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tests.h"

#define CHUNK	(128 * 1024)

uint8_t
pattern_byte(uint32_t seed, uint64_t i)
{
	uint64_t x = (i >> 3) * 0x9e3779b97f4a7c15ULL + seed;

	x ^= x >> 29;
	return (uint8_t)(x >> (8 * (i & 7)));
}

static void
fill(uint8_t *buf, size_t n, uint32_t seed, uint64_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = pattern_byte(seed, off + i);
}

static uint64_t
check(const uint8_t *buf, size_t n, uint32_t seed, uint64_t off)
{
	uint64_t bad = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bad += buf[i] != pattern_byte(seed, off + i);
	return bad;
}

/* Done writing: a socket is shut down (the caller closes it), a pipe
 * end closed. */
static void
half_close(struct exchange *x)
{
	if (shutdown(x->wfd, SHUT_WR) < 0)
		close(x->wfd);
	x->wfd = -1;
}

static int
write_some(struct exchange *x, uint64_t *sent)
{
	static uint8_t buf[CHUNK];
	size_t n = x->wlen - *sent < CHUNK ? x->wlen - *sent : CHUNK;
	ssize_t w;

	fill(buf, n, x->wseed, *sent);
	if ((w = write(x->wfd, buf, n)) < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	*sent += (uint64_t)w;
	if (*sent == x->wlen)
		half_close(x);
	return 0;
}

static int
read_some(struct exchange *x)
{
	static uint8_t buf[CHUNK];
	ssize_t n;

	if ((n = read(x->rfd, buf, sizeof(buf))) < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0) {
		x->rfd = -1;	/* the caller closes it */
		return 0;
	}
	x->bad += check(buf, (size_t)n, x->rseed, x->read);
	x->read += (uint64_t)n;
	return 0;
}

int
exchange_run(struct exchange *x)
{
	struct pollfd pfd[2];
	uint64_t sent = 0;
	int r = 0;

	if (x->wfd >= 0 && x->wlen == 0)
		half_close(x);
	if (x->wfd >= 0)
		fcntl(x->wfd, F_SETFL, O_NONBLOCK);
	while (r == 0 && (x->wfd >= 0 || x->rfd >= 0)) {
		pfd[0] = (struct pollfd){ x->wfd, POLLOUT, 0 };
		pfd[1] = (struct pollfd){ x->rfd, POLLIN, 0 };
		if (poll(pfd, 2, 30000) <= 0)
			return -ETIMEDOUT;
		if (pfd[0].revents)
			r = write_some(x, &sent);
		if (r == 0 && pfd[1].revents)
			r = read_some(x);
	}
	x->err = -r;
	return r;
}
