/*
 * xpb.c - the load generator and measurer behind `make bench`.
 *
 * One run of one measurement of one peer, printed as one JSON line on
 * stdout; tests/bench/bench.py interleaves the peers over several rounds
 * and takes the medians.  Every subcommand starts its own display server
 * on a fresh unix socket (a forked child of this process), then runs the
 * peer the way sshd does: stdin and stdout are anonymous pipes whose other
 * ends this process owns, stderr goes to a log file.  The peer is the
 * argv after "--", with every "@SOCK@" replaced by the socket's path; the
 * argv "direct" means no relay: this process talks to the socket itself.
 *
 *   xpb tput  -d up|down|both -b BYTES [-c CHUNK] [-l] [-t SECS]
 *	     [-S PATH] [-U] [-P SSHD_PID] [-F LOCAL_SOCKET] -- ARGV
 *	bulk transfer after a handshake; wall time, byte counts verified,
 *	CPU (relay, client, server: /proc/PID/task/N/schedstat, ns; host:
 *	/proc/stat) and the relay's VmHWM, all over the transfer only.
 *	-P: also the CPU of every descendant of SSHD_PID (a private sshd
 *	serving only this run), split into the sshd processes and the rest
 *	(the relay sshd runs), for the end-to-end bench.
 *	-F: ARGV is a forwarder (`ssh -N -L LOCAL_SOCKET:@SOCK@ ...`): it
 *	runs beside, and this process talks to LOCAL_SOCKET once it accepts.
 *   xpb start -n N [-l] -- ARGV
 *	N times: fork+exec the peer, write one byte to its stdin, time until
 *	the server's echo of it comes out of its stdout.
 *   xpb floor -n N [-- ARGV]
 *	N times: fork+exec ARGV (default /bin/true) and wait for it.
 *   xpb ping -n N [-s SIZE] [-l] -- ARGV
 *	N SIZE-byte round trips through the peer to an echo server.
 *   xpb idle -n SESSIONS [-B BURST] [-w MS] [-u UID:GID] [-l] -- ARGV
 *	SESSIONS peers at once (as UID:GID when given), each echoing BURST
 *	bytes, then idle for MS: the capacity of their stdio pipes
 *	(F_GETPIPE_SZ on our ends) and of any pipe they opened themselves,
 *	their RSS, and whether the user can still make and grow a pipe.
 *
 * -l: the peer does not exit when its streams end (Debian's `xpra
 * _proxy`): it is sent SIGTERM once the measurement is over.
 * -U: the peer's stdin and stdout are one unix stream socket (a
 * socketpair), not two pipes: the same kind of local end as a forwarder's.
 * -S PATH: the display server listens on PATH (default: a fresh
 * directory in /tmp), e.g. where `xpra-proxy :N` looks for display N.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#define CHUNK_DEFAULT	(128 * 1024)
#define CHUNK_MAX	(4 * 1024 * 1024)
#define PAGE		4096
#define HS_TIMEOUT_MS	30000	/* handshake: xpra _proxy starts slowly */

static const char *prog = "xpb";
static char tmpdir[64], sock_path[108], log_path[PATH_MAX];
static char fwd_path[108];	/* -F: the forwarder's local socket */
static pid_t server_pid = -1;
static pid_t peer_pid = -1;	/* the peer now running, for cleanup() */
static pid_t tree_root;		/* -P: the private sshd */

/* ---- small helpers ---------------------------------------------------- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));

static void
cleanup(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
	/* a peer left running by die(): a forwarder never exits by itself */
	if (peer_pid > 0) {
		kill(peer_pid, SIGKILL);
		waitpid(peer_pid, NULL, 0);
		peer_pid = -1;
	}
	if (sock_path[0] != '\0')
		unlink(sock_path);
	if (tmpdir[0] != '\0')
		rmdir(tmpdir);
	if (fwd_path[0] != '\0')
		unlink(fwd_path);
}

static void
die(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the driver reads stdout: say it there too, as JSON */
	printf("{\"error\": \"");
	for (const char *p = msg; *p != '\0'; p++)
		printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
	printf("\"}\n");
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", prog, msg);
	cleanup();
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK :
	    fl & ~O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
}

/* Write all of buf to a blocking fd. */
static void
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Read exactly len bytes within timeout_ms; false on EOF or timeout. */
static bool
read_exact(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		if (timeout_ms >= 0) {
			n = poll(&pfd, 1, timeout_ms);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return false;
		}
		if ((n = read(fd, p, len)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return false;
		}
		if (n == 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die("out of memory");
	memset(p, 0xa5, n);	/* touch it: no page faults in the loops */
	return p;
}

static uint64_t
parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		die("bad size '%s'", s);
	switch (*end) {
	case 'G': v <<= 30; break;
	case 'M': v <<= 20; break;
	case 'K': v <<= 10; break;
	case '\0': break;
	default: die("bad size '%s'", s);
	}
	return v;
}

/* ---- CPU, memory ------------------------------------------------------ */

/* Time on CPU of all threads of pid, ns (-1: gone). */
static int64_t
cpu_ns(pid_t pid)
{
	char path[64], line[128];
	struct dirent *de;
	int64_t sum = 0;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/schedstat",
		    (int)pid, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL)
			sum += strtoll(line, NULL, 10);
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* The host's busy time, ns, from /proc/stat (all CPUs). */
static int64_t
host_busy_ns(void)
{
	unsigned long long v[10] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (f == NULL)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
	    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 8 || hz <= 0)
		return 0;
	/* user nice system [idle iowait] irq softirq steal */
	return (int64_t)((v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
	    (1000000000ULL / (unsigned long long)hz));
}

/* -P: the CPU of a process tree, per process. */
#define TREE_MAX	64
struct tree_cpu {
	int	n;
	pid_t	pid[TREE_MAX];
	int64_t	ns[TREE_MAX];
	bool	sshd[TREE_MAX];		/* its comm is "sshd" */
};

/* The descendants of root (not root itself), with their CPU so far. */
static void
tree_sample(pid_t root, struct tree_cpu *t)
{
	static pid_t pid[32768], ppid[32768];
	static bool sshd[32768];
	char path[64], line[512], *rp;
	struct dirent *de;
	int n = 0, i, j;
	DIR *d;
	FILE *f;

	t->n = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < 32768) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL &&
		    (rp = strrchr(line, ')')) != NULL) {
			pid[n] = atoi(line);
			ppid[n] = atoi(rp + 4);		/* ") S PPID" */
			sshd[n] = strstr(line, " (sshd) ") != NULL;
			n++;
		}
		fclose(f);
	}
	closedir(d);
	/* breadth first: parents are added before their children */
	for (i = 0; i < n; i++) {
		if (ppid[i] == root && t->n < TREE_MAX)
			t->pid[t->n++] = pid[i];
	}
	for (j = 0; j < t->n; j++)
		for (i = 0; i < n; i++)
			if (ppid[i] == t->pid[j] && t->n < TREE_MAX)
				t->pid[t->n++] = pid[i];
	for (j = 0; j < t->n; j++) {
		for (i = 0; i < n && pid[i] != t->pid[j]; i++)
			;
		t->sshd[j] = sshd[i];
		t->ns[j] = cpu_ns(t->pid[j]);
	}
}

/* CPU between two samples: of the sshd processes, and of the rest. */
static void
tree_delta(const struct tree_cpu *a, const struct tree_cpu *b,
    int64_t *sshd_ns, int64_t *rest_ns)
{
	*sshd_ns = *rest_ns = 0;
	for (int j = 0; j < b->n; j++) {
		int64_t before = 0, d;

		if (b->ns[j] < 0)
			continue;
		for (int i = 0; i < a->n; i++)
			if (a->pid[i] == b->pid[j] && a->ns[i] >= 0)
				before = a->ns[i];
		d = b->ns[j] - before;
		*(b->sshd[j] ? sshd_ns : rest_ns) += d;
	}
}

struct mem {
	long	hwm_kib, rss_kib, anon_kib, file_kib, pss_kib;
};

static void
mem_of(pid_t pid, struct mem *m)
{
	char path[64], line[256];
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "VmHWM: %ld", &m->hwm_kib);
		sscanf(line, "VmRSS: %ld", &m->rss_kib);
		sscanf(line, "RssAnon: %ld", &m->anon_kib);
		sscanf(line, "RssFile: %ld", &m->file_kib);
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		sscanf(line, "Pss: %ld", &m->pss_kib);
	fclose(f);
}

/* ---- the display server ----------------------------------------------- */

static int
listen_unix(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, sock_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 512) < 0)
		die("listen %s: %s", sock_path, strerror(errno));
	return fd;
}

/* A connected socket to path, or -errno. */
static int
try_connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int
connect_unix(const char *path)
{
	int fd = try_connect_unix(path);

	if (fd < 0)
		die("connect %s: %s", path, strerror(-fd));
	return fd;
}

/* What the tput server tells the client, on its status pipe. */
struct srv_status {
	int64_t		t_in_done;	/* all expected bytes received */
	int64_t		cpu_at_done;	/* its own CPU then */
	uint64_t	in, out;	/* bytes after the handshake */
	int		eof_ok;		/* EOF right after the last byte */
	int		final;
};

/*
 * Accept connections until one sends a byte (a peer may probe the socket
 * with a connection that sends nothing); returns it, blocking, with the
 * byte in *first.  Every other connection is closed.
 */
static int
accept_data_conn(int lfd, char *first)
{
	struct pollfd pfd[64];
	int n = 1, i, r;

	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(2);
		}
		if ((pfd[0].revents & POLLIN) && n < 64) {
			if ((r = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
				pfd[n].fd = r;
				pfd[n].events = POLLIN;
				pfd[n++].revents = 0;
			}
		}
		for (i = 1; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			r = (int)read(pfd[i].fd, first, 1);
			if (r == 1) {
				int fd = pfd[i].fd;

				for (int j = 1; j < n; j++)
					if (j != i)
						close(pfd[j].fd);
				return fd;
			}
			close(pfd[i].fd);
			pfd[i--] = pfd[--n];
		}
	}
}

/*
 * tput server: handshake 'H' -> 'H', then 'G' and `in_n` bytes in, while
 * `out_n` bytes go out once the 'G' arrived; closes once it has sent
 * everything and seen EOF (never a half-close of its own: peers without
 * half-close would lose the other direction).  Status on st.
 */
static void __attribute__((noreturn))
server_tput(int lfd, int st, uint64_t in_n, uint64_t out_n, size_t chunk)
{
	struct srv_status s = { 0 };
	char *buf = xmalloc(chunk), *src = xmalloc(chunk), c;
	uint64_t want_in = in_n + 1, got = 0, sent = 0;
	bool started = false, in_eof = false;
	struct pollfd pfd;
	ssize_t n = 0;
	int fd;

	fd = accept_data_conn(lfd, &c);
	close(lfd);
	if (c != 'H' || write(fd, "H", 1) != 1)
		_exit(3);
	set_nonblock(fd, true);
	while (!in_eof || sent < out_n) {
		pfd.fd = fd;
		pfd.events = (in_eof ? 0 : POLLIN) |
		    (started && sent < out_n ? POLLOUT : 0);
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(2);
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR) && !in_eof) {
			while ((n = read(fd, buf, chunk)) > 0) {
				if (!started) {
					started = buf[0] == 'G';
					if (!started)
						_exit(4);
				}
				got += (uint64_t)n;
				if (in_n > 0 && got >= want_in &&
				    s.t_in_done == 0) {
					s.t_in_done = now_ns();
					s.cpu_at_done = cpu_ns(getpid());
					s.in = in_n;
					if (write(st, &s, sizeof(s)) < 0)
						_exit(2);
				}
				if ((size_t)n < chunk)
					break;
			}
			if (n == 0)
				in_eof = true;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				in_eof = true;	/* reset: counts will say */
		}
		if (started && sent < out_n && (pfd.revents & POLLOUT)) {
			while (sent < out_n) {
				size_t len = out_n - sent < chunk ?
				    (size_t)(out_n - sent) : chunk;

				n = write(fd, src, len);
				if (n <= 0)
					break;
				sent += (uint64_t)n;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				sent = out_n + 1;	/* broken */
		}
		if (pfd.revents & (POLLERR | POLLHUP) && in_eof && sent < out_n)
			break;
	}
	s.final = 1;
	s.in = got - 1;
	s.out = sent;
	s.eof_ok = got == want_in;
	if (write(st, &s, sizeof(s)) < 0)
		_exit(2);
	close(fd);
	_exit(0);
}

/* A connection of the echo server. */
struct econn {
	int	fd;
	size_t	len, off;
	bool	eof;
	char	*buf;
};

/*
 * Echo server: any number of connections, each echoed until EOF, then
 * closed.  Non-blocking, one poll for all.
 */
static void __attribute__((noreturn))
server_echo(int lfd, size_t chunk)
{
	struct econn *c = NULL;
	struct pollfd *pfd = NULL;
	size_t nc = 0, cap = 0, i;
	ssize_t n;
	int fd;

	set_nonblock(lfd, true);
	for (;;) {
		if (nc + 1 > cap) {
			cap = cap ? cap * 2 : 64;
			c = realloc(c, cap * sizeof(*c));
			pfd = realloc(pfd, (cap + 1) * sizeof(*pfd));
			if (c == NULL || pfd == NULL)
				_exit(2);
		}
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nc; i++) {
			pfd[i + 1].fd = c[i].fd;
			pfd[i + 1].events = c[i].len ? POLLOUT : POLLIN;
		}
		if (poll(pfd, nc + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(2);
		}
		for (i = 0; i < nc; i++) {
			struct econn *e = &c[i];

			if (pfd[i + 1].revents == 0)
				continue;
			if (e->len == 0 && !e->eof) {
				n = read(e->fd, e->buf, chunk);
				if (n > 0) {
					e->len = (size_t)n;
					e->off = 0;
				} else if (n == 0 || (errno != EAGAIN &&
				    errno != EINTR)) {
					e->eof = true;
				}
			}
			while (e->len > 0) {
				n = write(e->fd, e->buf + e->off, e->len);
				if (n < 0) {
					if (errno != EAGAIN && errno != EINTR)
						e->eof = true, e->len = 0;
					break;
				}
				e->off += (size_t)n;
				e->len -= (size_t)n;
			}
			if (e->eof && e->len == 0) {
				close(e->fd);
				free(e->buf);
				c[i] = c[--nc];
				pfd[i + 1] = pfd[nc + 1];
				i--;
			}
		}
		if (pfd[0].revents & POLLIN) {
			while ((fd = accept4(lfd, NULL, NULL,
			    SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
				if (nc + 1 > cap)
					break;	/* the next loop grows c */
				c[nc].fd = fd;
				c[nc].len = c[nc].off = 0;
				c[nc].eof = false;
				c[nc].buf = xmalloc(chunk);
				nc++;
			}
		}
	}
}

/*
 * Ping server: the first connection that sends a byte, echoed with
 * blocking read/write (no poll: the fastest echo there is).
 */
static void __attribute__((noreturn))
server_ping(int lfd)
{
	char buf[65536], c;
	ssize_t n;
	int fd = accept_data_conn(lfd, &c);

	close(lfd);
	if (write(fd, &c, 1) != 1)
		_exit(2);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	_exit(0);
}

/* Make the socket directory, and start a server with fn(lfd). */
static void
server_setup(void)
{
	atexit(cleanup);
	if (sock_path[0] != '\0') {	/* -S */
		unlink(sock_path);
		return;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/xpb.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	snprintf(sock_path, sizeof(sock_path), "%s/socket", tmpdir);
}

static pid_t
fork_server(void)
{
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	return pid;
}

/* ---- the peer ----------------------------------------------------------- */

struct peer {
	pid_t	pid;
	int	in_w;		/* our end of its stdin */
	int	out_r;		/* our end of its stdout */
	bool	direct;		/* no peer process: we are on the socket */
	bool	sock_io;	/* in_w == out_r, a socket (direct, -F, -U) */
	bool	forwarder;	/* -F: it never exits by itself */
	int	exit_status;	/* wait status, -1 if killed by us */
	bool	exited_alone;
	int64_t	exit_ms;	/* after its streams ended */
	struct rusage ru;
};

static char **peer_argv;
static int peer_argc;
static bool peer_lingers;
static bool stdio_socket;	/* -U */

static bool
is_direct(void)
{
	return peer_argc == 1 && strcmp(peer_argv[0], "direct") == 0;
}

/* The peer's argv, @SOCK@ replaced. */
static char **
expand_argv(void)
{
	char **v = calloc((size_t)peer_argc + 1, sizeof(*v));
	int i;

	if (v == NULL)
		die("out of memory");
	for (i = 0; i < peer_argc; i++) {
		const char *a = peer_argv[i], *at = strstr(a, "@SOCK@");
		size_t len;

		if (at == NULL) {
			v[i] = peer_argv[i];
			continue;
		}
		len = strlen(a) + strlen(sock_path);
		if ((v[i] = malloc(len)) == NULL)
			die("out of memory");
		snprintf(v[i], len, "%.*s%s%s", (int)(at - a), a, sock_path,
		    at + 6);
	}
	return v;
}

static char **peer_exec_argv;

/*
 * -F: the peer is a forwarder; once its local socket accepts (within
 * HS_TIMEOUT_MS), talk to that instead of its stdio.
 */
static void
forwarder_connect(struct peer *p)
{
	int64_t deadline = now_ns() + (int64_t)HS_TIMEOUT_MS * 1000000;
	int fd, st;

	while ((fd = try_connect_unix(fwd_path)) < 0) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			p->pid = peer_pid = -1;
			die("the forwarder exited (status %d; see %s)", st,
			    log_path);
		}
		if (now_ns() > deadline)
			die("the forwarder's %s never accepted", fwd_path);
		usleep(2000);
	}
	if (p->sock_io)
		close(p->in_w);
	else {
		close(p->in_w);
		close(p->out_r);
	}
	p->sock_io = p->forwarder = true;
	p->in_w = p->out_r = fd;
}

/* fork+exec the peer with fresh pipes as stdin/stdout (-F: see above). */
static void
peer_spawn(struct peer *p)
{
	int in[2], out[2], err;

	memset(p, 0, sizeof(*p));
	if ((p->direct = is_direct())) {
		p->pid = -1;
		p->sock_io = true;
		p->in_w = p->out_r = connect_unix(sock_path);
		return;
	}
	if (peer_exec_argv == NULL)
		peer_exec_argv = expand_argv();
	if (stdio_socket) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
			die("socketpair: %s", strerror(errno));
		out[0] = in[1];		/* ours */
		out[1] = in[0];		/* its stdout */
	} else if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	if ((p->pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (p->pid == 0) {
		sigset_t none;

		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		err = open(log_path[0] ? log_path : "/dev/null",
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    (err >= 0 && dup2(err, 2) < 0))
			_exit(126);
		/* nothing else, as under sshd (and not our caller's fds) */
		syscall(SYS_close_range, 3U, ~0U, 0U);
		execvp(peer_exec_argv[0], peer_exec_argv);
		_exit(127);
	}
	peer_pid = p->pid;
	close(in[0]);
	if (!stdio_socket)
		close(out[1]);
	p->sock_io = stdio_socket;
	p->in_w = in[1];
	p->out_r = out[0];
	if (fwd_path[0] != '\0')
		forwarder_connect(p);
}

static int
pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/*
 * The peer's streams are over (stdin closed by us, or EOF seen): wait for
 * it to exit, up to wait_ms; a lingering peer and a forwarder get SIGTERM
 * at once, any other one after wait_ms, then SIGKILL.
 */
static void
peer_reap(struct peer *p, int wait_ms)
{
	int64_t t0 = now_ns();
	struct pollfd pfd;
	int fd, st = 0, r;

	if (p->direct || p->pid <= 0)
		return;
	fd = pidfd_of(p->pid);
	if (peer_lingers || p->forwarder) {
		kill(p->pid, SIGTERM);
		wait_ms = 3000;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (fd >= 0) {
		while ((r = poll(&pfd, 1, wait_ms)) < 0 && errno == EINTR)
			;
		if (r == 0) {
			kill(p->pid, peer_lingers ? SIGKILL : SIGTERM);
			if (poll(&pfd, 1, 2000) == 0)
				kill(p->pid, SIGKILL);
		}
		close(fd);
	}
	while (wait4(p->pid, &st, 0, &p->ru) < 0 && errno == EINTR)
		;
	p->exit_status = st;
	p->exited_alone = !peer_lingers && !p->forwarder && WIFEXITED(st);
	p->exit_ms = (now_ns() - t0) / 1000000;
	if (peer_pid == p->pid)
		peer_pid = -1;
	p->pid = -1;
}

/* Close our end of its stdin (a socket: SHUT_WR). */
static void
peer_close_in(struct peer *p)
{
	if (p->sock_io)
		shutdown(p->in_w, SHUT_WR);
	else if (p->in_w >= 0)
		close(p->in_w);
	if (!p->sock_io)
		p->in_w = -1;
}

static void
peer_close_all(struct peer *p)
{
	if (!p->sock_io && p->in_w >= 0)
		close(p->in_w);
	if (p->out_r >= 0)
		close(p->out_r);
	p->in_w = p->out_r = -1;
}

/*
 * Drain its stdout until EOF, up to ms: the number of bytes seen; *eof
 * says whether the EOF came.
 */
static int64_t
drain_to_eof(int fd, int ms, bool *eof)
{
	char buf[65536];
	int64_t extra = 0, deadline = now_ns() + (int64_t)ms * 1000000;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	*eof = false;
	for (;;) {
		int left = (int)((deadline - now_ns()) / 1000000);

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return extra;
		if ((n = read(fd, buf, sizeof(buf))) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			*eof = true;	/* a reset ends it too */
			return extra;
		}
		if (n == 0) {
			*eof = true;
			return extra;
		}
		extra += n;
	}
}

/* ---- tput --------------------------------------------------------------- */

static int
cmd_tput(const char *dir, uint64_t bytes, size_t chunk, int timeout_s)
{
	bool up = strcmp(dir, "up") == 0 || strcmp(dir, "both") == 0;
	bool down = strcmp(dir, "down") == 0 || strcmp(dir, "both") == 0;
	uint64_t to_write, to_read, wrote = 0, got = 0;
	int64_t t0, t1, t_read_done = 0, deadline, c_relay0, c_self0, c_srv0,
	    host0, c_relay1 = -1, c_self1, c_srv1, host1, extra = 0;
	struct srv_status s_done = { 0 }, s_final = { 0 }, s;
	char *wbuf, *rbuf, c;
	struct pollfd pfd[3];
	struct peer p;
	struct mem m = { 0 };
	struct tree_cpu tree0, tree1;
	int64_t tree_sshd = 0, tree_rest = 0;
	int st[2], lfd, r;
	bool in_done = !up, final_ok, counts_ok, eof;
	ssize_t n = 0;

	if (!up && !down)
		die("-d up|down|both");
	server_setup();
	lfd = listen_unix();
	if (pipe2(st, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	if ((server_pid = fork_server()) == 0) {
		close(st[0]);
		server_tput(lfd, st[1], up ? bytes : 0, down ? bytes : 0,
		    chunk);
	}
	close(lfd);
	close(st[1]);
	wbuf = xmalloc(chunk);
	rbuf = xmalloc(chunk);

	peer_spawn(&p);
	write_all(p.in_w, "H", 1);
	if (!read_exact(p.out_r, &c, 1, HS_TIMEOUT_MS) || c != 'H')
		die("no handshake through the peer (see %s)", log_path);
	set_nonblock(p.in_w, true);
	set_nonblock(p.out_r, true);

	to_write = 1 + (up ? bytes : 0);
	to_read = down ? bytes : 0;
	wbuf[0] = 'G';
	if (tree_root > 0)
		tree_sample(tree_root, &tree0);
	c_relay0 = p.direct ? 0 : cpu_ns(p.pid);
	c_self0 = cpu_ns(getpid());
	c_srv0 = cpu_ns(server_pid);
	host0 = host_busy_ns();
	t0 = now_ns();
	deadline = t0 + (int64_t)timeout_s * 1000000000;
	while (wrote < to_write || got < to_read || !in_done) {
		int nf = 0, iw = -1, ir = -1, is = -1;

		if (wrote < to_write) {
			pfd[iw = nf].fd = p.in_w;
			pfd[nf++].events = POLLOUT;
		}
		if (got < to_read) {
			pfd[ir = nf].fd = p.out_r;
			pfd[nf++].events = POLLIN;
		}
		if (!in_done) {
			pfd[is = nf].fd = st[0];
			pfd[nf++].events = POLLIN;
		}
		r = poll(pfd, (nfds_t)nf, 1000);
		if (r < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (now_ns() > deadline)
			die("tput %s: timed out after %d s: %" PRIu64 "/%"
			    PRIu64 " written, %" PRIu64 "/%" PRIu64 " read",
			    dir, timeout_s, wrote, to_write, got, to_read);
		if (r <= 0)
			continue;
		if (iw >= 0 && pfd[iw].revents) {
			while (wrote < to_write) {
				size_t len = to_write - wrote < chunk ?
				    (size_t)(to_write - wrote) : chunk;

				if ((n = write(p.in_w, wbuf, len)) <= 0)
					break;
				wbuf[0] = (char)0xa5;	/* 'G' went first */
				wrote += (uint64_t)n;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				die("write to the peer: %s", strerror(errno));
		}
		if (ir >= 0 && pfd[ir].revents) {
			while (got < to_read && (n = read(p.out_r, rbuf,
			    chunk)) > 0)
				got += (uint64_t)n;
			if (got >= to_read)
				t_read_done = now_ns();
			else if (n == 0)
				die("tput %s: EOF after %" PRIu64 " of %"
				    PRIu64 " bytes", dir, got, to_read);
		}
		if (is >= 0 && pfd[is].revents) {
			if (!read_exact(st[0], &s, sizeof(s), 1000))
				die("the server died (%" PRIu64 " bytes "
				    "written)", wrote);
			if (s.final) {
				s_final = s;
				die("the server ended early: in %" PRIu64
				    " out %" PRIu64, s.in, s.out);
			}
			s_done = s;
			in_done = true;
		}
	}
	t1 = up && s_done.t_in_done > t_read_done ? s_done.t_in_done :
	    t_read_done;
	c_self1 = cpu_ns(getpid());
	host1 = host_busy_ns();
	if (tree_root > 0) {
		tree_sample(tree_root, &tree1);
		tree_delta(&tree0, &tree1, &tree_sshd, &tree_rest);
	}
	if (!p.direct) {
		c_relay1 = cpu_ns(p.pid);
		mem_of(p.pid, &m);
	}
	/* the server's CPU: when it finished, if the direction was up */
	c_srv1 = cpu_ns(server_pid);
	if (up && !down)
		c_srv1 = s_done.cpu_at_done;

	/* teardown: stdin EOF, then the stream's EOF, then the exit */
	set_nonblock(p.out_r, false);
	peer_close_in(&p);
	if (!peer_lingers)
		extra = drain_to_eof(p.out_r, 10000, &eof);
	peer_reap(&p, 10000);	/* a lingering peer: SIGTERM now */
	if (peer_lingers)
		extra = drain_to_eof(p.out_r, 2000, &eof);
	/*
	 * A lingering peer behind sshd (`ssh host xpra _proxy`) outlives
	 * its session and never closes the server's connection: the byte
	 * counts still say whether everything arrived.
	 */
	final_ok = read_exact(st[0], &s_final, sizeof(s_final),
	    peer_lingers ? 2000 : 10000) && s_final.final;
	counts_ok = got == to_read && extra == 0 && (final_ok ?
	    s_final.in == (up ? bytes : 0) &&
	    s_final.out == (down ? bytes : 0) : !up || s_done.in == bytes);
	peer_close_all(&p);
	if (!final_ok)
		kill(server_pid, SIGKILL);
	waitpid(server_pid, NULL, 0);
	server_pid = -1;

	printf("{\"test\": \"tput\", \"dir\": \"%s\", \"bytes\": %" PRIu64
	    ", \"chunk\": %zu, \"secs\": %.6f, \"gibps\": %.4f,"
	    " \"cpu_relay\": %.6f, \"cpu_client\": %.6f,"
	    " \"cpu_server\": %.6f, \"cpu_host\": %.6f,"
	    " \"cpu_sshd\": %.6f, \"cpu_sshd_child\": %.6f,"
	    " \"sshd_procs\": %d,"
	    " \"hwm_kib\": %ld, \"rss_kib\": %ld, \"anon_kib\": %ld,"
	    " \"file_kib\": %ld,"
	    " \"verified\": %s, \"server_in\": %" PRIu64 ", \"server_out\": %"
	    PRIu64 ", \"client_in\": %" PRIu64 ", \"extra\": %" PRId64 ","
	    " \"stdout_eof\": %s,"
	    " \"exited_alone\": %s, \"exit_ms\": %" PRId64 ","
	    " \"ru_cpu\": %.6f, \"ru_maxrss_kib\": %ld}\n",
	    dir, bytes, chunk, (double)(t1 - t0) / 1e9,
	    (double)bytes * (up && down ? 2 : 1) / (double)(1ULL << 30) /
	    ((double)(t1 - t0) / 1e9),
	    p.direct ? 0.0 : (double)(c_relay1 - c_relay0) / 1e9,
	    (double)(c_self1 - c_self0) / 1e9, (double)(c_srv1 - c_srv0) / 1e9,
	    (double)(host1 - host0) / 1e9,
	    (double)tree_sshd / 1e9, (double)tree_rest / 1e9,
	    tree_root > 0 ? tree1.n : 0,
	    m.hwm_kib, m.rss_kib, m.anon_kib, m.file_kib,
	    counts_ok && (peer_lingers || (final_ok && s_final.eof_ok &&
	    eof)) ? "true" : "false",
	    s_final.in, s_final.out, got, extra, eof ? "true" : "false",
	    p.exited_alone ? "true" : "false", p.exit_ms,
	    (double)(p.ru.ru_utime.tv_sec + p.ru.ru_stime.tv_sec) +
	    (double)(p.ru.ru_utime.tv_usec + p.ru.ru_stime.tv_usec) / 1e6,
	    p.ru.ru_maxrss);
	return 0;
}

/* ---- start, floor -------------------------------------------------------- */

static void
print_samples(const char *name, const int64_t *v, int n)
{
	printf("\"%s\": [", name);
	for (int i = 0; i < n; i++)
		printf("%s%" PRId64, i ? ", " : "", v[i]);
	printf("]");
}

static int
cmd_start(int n)
{
	int64_t *ns = calloc((size_t)n, sizeof(*ns)), t0;
	long *hwm = calloc((size_t)n, sizeof(*hwm));
	int lfd, i, alone = 0;
	struct mem m;
	struct peer p;
	bool eof;
	char c;

	if (ns == NULL || hwm == NULL)
		die("out of memory");
	if (is_direct())
		die("start: needs a peer");
	server_setup();
	lfd = listen_unix();
	if ((server_pid = fork_server()) == 0)
		server_echo(lfd, 65536);
	close(lfd);
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		peer_spawn(&p);
		write_all(p.in_w, "S", 1);
		if (!read_exact(p.out_r, &c, 1, HS_TIMEOUT_MS) || c != 'S')
			die("start: no echo through the peer (see %s)",
			    log_path);
		ns[i] = now_ns() - t0;
		mem_of(p.pid, &m);
		hwm[i] = m.hwm_kib;
		peer_close_in(&p);
		(void)drain_to_eof(p.out_r, peer_lingers ? 0 : 5000, &eof);
		peer_close_all(&p);
		peer_reap(&p, 5000);
		alone += p.exited_alone;
	}
	printf("{\"test\": \"start\", \"n\": %d, \"exited_alone\": %d, ", n,
	    alone);
	print_samples("ns", ns, n);
	printf(", \"hwm_kib\": [");
	for (i = 0; i < n; i++)
		printf("%s%ld", i ? ", " : "", hwm[i]);
	printf("]}\n");
	return 0;
}

static int
cmd_floor(int n)
{
	char *def[] = { "/bin/true", NULL };
	char **argv = peer_argc > 0 ? peer_argv : def;
	int64_t *ns = calloc((size_t)n, sizeof(*ns)), t0;
	pid_t pid;
	int i, st;

	if (ns == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if ((pid = fork()) < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);

			/* quiet: our stdout is the driver's JSON */
			if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
				_exit(126);
			execv(argv[0], argv);
			_exit(127);
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		ns[i] = now_ns() - t0;
	}
	printf("{\"test\": \"floor\", \"n\": %d, ", n);
	print_samples("ns", ns, n);
	printf("}\n");
	return 0;
}

/* ---- ping ---------------------------------------------------------------- */

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmd_ping(int n, size_t size)
{
	int64_t *ns = calloc((size_t)n, sizeof(*ns)), t0, c0 = 0, c1 = 0;
	char *buf = xmalloc(size), *rb = xmalloc(size), c;
	int lfd, i, warm = n / 10 + 10;
	struct peer p;
	bool eof;

	if (ns == NULL)
		die("out of memory");
	server_setup();
	lfd = listen_unix();
	if ((server_pid = fork_server()) == 0)
		server_ping(lfd);
	close(lfd);
	peer_spawn(&p);
	write_all(p.in_w, "P", 1);
	if (!read_exact(p.out_r, &c, 1, HS_TIMEOUT_MS))
		die("ping: no echo through the peer (see %s)", log_path);
	for (i = -warm; i < n; i++) {
		if (i == 0 && !p.direct)
			c0 = cpu_ns(p.pid);
		t0 = now_ns();
		write_all(p.in_w, buf, size);
		if (!read_exact(p.out_r, rb, size, -1))
			die("ping: short echo");
		if (i >= 0)
			ns[i] = now_ns() - t0;
	}
	if (!p.direct)
		c1 = cpu_ns(p.pid);
	peer_close_in(&p);
	(void)drain_to_eof(p.out_r, peer_lingers ? 0 : 5000, &eof);
	peer_close_all(&p);
	peer_reap(&p, 5000);
	qsort(ns, (size_t)n, sizeof(*ns), cmp64);
	printf("{\"test\": \"ping\", \"n\": %d, \"size\": %zu, "
	    "\"p50_ns\": %" PRId64 ", \"p99_ns\": %" PRId64
	    ", \"relay_cpu_ns_per_rt\": %.1f, ", n, size, ns[n / 2],
	    ns[(int)((int64_t)n * 99 / 100)], (double)(c1 - c0) / n);
	print_samples("ns", ns, n);
	printf("}\n");
	return 0;
}

/* ---- idle ---------------------------------------------------------------- */

static long
pipe_sz(int fd)
{
	int r = fcntl(fd, F_GETPIPE_SZ);

	return r < 0 ? 0 : r;
}

/*
 * Pipes pid opened itself (not its stdin/stdout): how many, and their
 * total capacity (each opened read-only through /proc to ask).
 */
static void
own_pipes(pid_t pid, ino_t in_ino, ino_t out_ino, int *count, long *bytes)
{
	char path[64], fdp[96], link[64];
	struct dirent *de;
	unsigned long ino;
	DIR *d;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(fdp, sizeof(fdp), "%s/%.16s", path, de->d_name);
		if ((n = readlink(fdp, link, sizeof(link) - 1)) < 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "pipe:[%lu]", &ino) != 1 ||
		    ino == (unsigned long)in_ino ||
		    ino == (unsigned long)out_ino)
			continue;
		(*count)++;
		if ((fd = open(fdp, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) >= 0) {
			*bytes += pipe_sz(fd);
			close(fd);
		}
	}
	closedir(d);
}

static ino_t
ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* What n sessions hold: stdio pipe bytes, own pipes, RSS and PSS. */
struct census {
	long	stdio_bytes, own_bytes, rss_kib, pss_kib;
	int	own_n;
};

static void
pipe_census(struct peer *ps, int n, struct census *c)
{
	struct mem m;

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < n; i++) {
		c->stdio_bytes += pipe_sz(ps[i].in_w) + pipe_sz(ps[i].out_r);
		own_pipes(ps[i].pid, ino_of(ps[i].in_w), ino_of(ps[i].out_r),
		    &c->own_n, &c->own_bytes);
		mem_of(ps[i].pid, &m);
		c->rss_kib += m.rss_kib;
		c->pss_kib += m.pss_kib;
	}
}

/* Can this user make a pipe now: its capacity, and can it grow to 1 MiB? */
static void
probe_new_pipe(long *size, bool *grows)
{
	int np[2];

	*size = 0;
	*grows = false;
	if (pipe2(np, O_CLOEXEC) < 0)
		return;
	*size = pipe_sz(np[1]);
	*grows = fcntl(np[1], F_SETPIPE_SZ, 1 << 20) >= (1 << 20);
	close(np[0]);
	close(np[1]);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
print_census(const char *name, const struct census *c)
{
	printf("\"%s\": {\"stdio_pages\": %ld, \"own_pipes\": %d, "
	    "\"own_pages\": %ld, \"rss_kib\": %ld, \"pss_kib\": %ld}, ", name,
	    c->stdio_bytes / PAGE, c->own_n, c->own_bytes / PAGE, c->rss_kib,
	    c->pss_kib);
}

static int
cmd_idle(int n, uint64_t burst, int settle_ms, const char *ug)
{
	struct peer *ps = calloc((size_t)n, sizeof(*ps));
	char *buf = xmalloc(65536), *rb = xmalloc(65536), c;
	struct census fresh, one, after, idle;
	long soft = 0, peak_one = 0, sz_burst, sz_idle;
	int lfd, i, short_pipes = 0;
	unsigned uid = 0, gid = 0;
	bool grow_burst, grow_idle, eof;
	FILE *f;

	if (ps == NULL)
		die("out of memory");
	if (is_direct())
		die("idle: needs a peer");
	server_setup();
	if (ug != NULL) {
		if (sscanf(ug, "%u:%u", &uid, &gid) != 2)
			die("-u UID:GID");
		if (chown(tmpdir, uid, gid) < 0)
			die("chown: %s", strerror(errno));
		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 ||
		    setuid(uid) < 0)
			die("cannot become %u:%u: %s", uid, gid,
			    strerror(errno));
		log_path[0] = '\0';	/* it may not write there */
	}
	lfd = listen_unix();
	if ((server_pid = fork_server()) == 0)
		server_echo(lfd, 65536);
	close(lfd);

	/* n sessions, connected and idle */
	for (i = 0; i < n; i++) {
		peer_spawn(&ps[i]);
		if (pipe_sz(ps[i].in_w) < 65536)
			short_pipes++;
		if (pipe_sz(ps[i].out_r) < 65536)
			short_pipes++;
		write_all(ps[i].in_w, "I", 1);
		if (!read_exact(ps[i].out_r, &c, 1, HS_TIMEOUT_MS))
			die("idle: session %d: no echo", i);
	}
	sleep_ms(500);
	pipe_census(ps, n, &fresh);

	/* then each in turn moves a burst both ways, in 64 KiB steps */
	for (i = 0; burst > 0 && i < n; i++) {
		uint64_t left = burst;

		while (left > 0) {
			size_t len = left < 65536 ? (size_t)left : 65536;

			write_all(ps[i].in_w, buf, len);
			if (!read_exact(ps[i].out_r, rb, len, 10000))
				die("idle: session %d: burst not echoed", i);
			left -= len;
		}
		pipe_census(&ps[i], 1, &one);
		if (one.stdio_bytes + one.own_bytes > peak_one)
			peak_one = one.stdio_bytes + one.own_bytes;
	}
	pipe_census(ps, n, &after);
	probe_new_pipe(&sz_burst, &grow_burst);
	sleep_ms(settle_ms);
	pipe_census(ps, n, &idle);
	probe_new_pipe(&sz_idle, &grow_idle);
	if ((f = fopen("/proc/sys/fs/pipe-user-pages-soft", "r")) != NULL) {
		if (fscanf(f, "%ld", &soft) != 1)
			soft = 0;
		fclose(f);
	}

	for (i = 0; i < n; i++)
		peer_close_in(&ps[i]);
	for (i = 0; i < n; i++) {
		(void)drain_to_eof(ps[i].out_r, peer_lingers ? 0 : 5000, &eof);
		peer_close_all(&ps[i]);
		peer_reap(&ps[i], 5000);
	}
	printf("{\"test\": \"idle\", \"sessions\": %d, \"burst\": %" PRIu64
	    ", \"settle_ms\": %d, \"uid\": %u, \"user_pages_soft\": %ld, ",
	    n, burst, settle_ms, (unsigned)getuid(), soft);
	print_census("fresh", &fresh);
	print_census("after_bursts", &after);
	print_census("settled", &idle);
	printf("\"one_session_peak_pages\": %ld, \"short_stdio_pipes\": %d, "
	    "\"new_pipe_after_bursts\": %ld, \"grows_after_bursts\": %s, "
	    "\"new_pipe_settled\": %ld, \"grows_settled\": %s}\n",
	    peak_one / PAGE, short_pipes, sz_burst,
	    grow_burst ? "true" : "false", sz_idle,
	    grow_idle ? "true" : "false");
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s tput|start|floor|ping|idle [options] "
	    "-- ARGV|direct\n", prog);
	exit(64);
}

int
main(int argc, char *argv[])
{
	const char *cmd, *dir = "up", *ug = NULL;
	uint64_t bytes = 1ULL << 30, burst = 4 << 20;
	size_t chunk = CHUNK_DEFAULT, size = 64;
	int n = 50, timeout_s = 300, settle_ms = 3000, opt;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argv++, argc--;
	while ((opt = getopt(argc, argv, "d:b:c:lt:n:s:B:w:u:L:S:P:F:U")) !=
	    -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'b': bytes = parse_size(optarg); break;
		case 'c': chunk = (size_t)parse_size(optarg); break;
		case 'l': peer_lingers = true; break;
		case 't': timeout_s = atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 's': size = (size_t)parse_size(optarg); break;
		case 'B': burst = parse_size(optarg); break;
		case 'w': settle_ms = atoi(optarg); break;
		case 'u': ug = optarg; break;
		case 'L': snprintf(log_path, sizeof(log_path), "%s", optarg);
			  break;
		case 'S': if (strlen(optarg) >= sizeof(sock_path))
				  die("-S: path too long");
			  strcpy(sock_path, optarg);
			  break;
		case 'P': tree_root = atoi(optarg); break;
		case 'U': stdio_socket = true; break;
		case 'F': if (strlen(optarg) >= sizeof(fwd_path))
				  die("-F: path too long");
			  strcpy(fwd_path, optarg);
			  break;
		default: usage();
		}
	}
	peer_argv = argv + optind;
	peer_argc = argc - optind;
	if (n <= 0 || chunk == 0 || chunk > CHUNK_MAX || size == 0 ||
	    size > 65536)
		usage();
	if (strcmp(cmd, "floor") != 0 && peer_argc == 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(cmd, "tput") == 0)
		return cmd_tput(dir, bytes, chunk, timeout_s);
	if (strcmp(cmd, "start") == 0)
		return cmd_start(n);
	if (strcmp(cmd, "floor") == 0)
		return cmd_floor(n);
	if (strcmp(cmd, "ping") == 0)
		return cmd_ping(n, size);
	if (strcmp(cmd, "idle") == 0)
		return cmd_idle(n, burst, settle_ms, ug);
	usage();
}
