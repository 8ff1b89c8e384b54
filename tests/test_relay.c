/*
 * test_relay.c - relay_run() in a child process between real pipes,
 * socketpairs, files and a pty: byte-exact, half-close both ways, peers
 * vanishing, signals, flags restored, pipes grown and shrunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "relay.h"
#include "signals.h"
#include "tests.h"

#define MiB		(1024 * 1024ULL)
#define SEED_UP		11
#define SEED_DOWN	22
#define EXIT_FLAGS	3	/* the child saw its stdio flags changed */

/*
 * Fork a relay between in, out and sock; the child exits 0 for a normal
 * end, 100+N for signal N, 1 for an error.  Only those fds stay open.
 */
static pid_t
spawn_relay(int in, int out, int sock)
{
	const int keep[] = { in, out, sock };
	struct relay_result res;
	int fl_in, fl_out, r;
	sigset_t mask;
	pid_t pid;

	if ((pid = fixture_fork(keep, 3)) != 0)
		return pid;
	fl_in = fcntl(in, F_GETFL);
	fl_out = fcntl(out, F_GETFL);
	if (signals_init(&mask) < 0)
		_exit(2);
	fcntl(sock, F_SETFL, O_NONBLOCK);
	r = relay_run(in, out, sock, &mask, NULL, &res);
	if (fcntl(in, F_GETFL) != fl_in || (!res.closed_by &&
	    fcntl(out, F_GETFL) != fl_out))
		_exit(EXIT_FLAGS);
	_exit(r == 0 ? 0 : r == -EINTR ? 100 + res.signo : 1);
}

/* Wait for pid at most secs seconds; returns its exit code, or -1. */
static int
wait_exit(pid_t pid, int secs)
{
	int status, i;

	for (i = 0; i < secs * 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			    200 + WTERMSIG(status);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* A server on sock in a child: exchange, then exit 0 if all was right. */
static pid_t
spawn_server(int sock, uint64_t send, uint64_t expect, bool read_first)
{
	struct exchange x = { sock, sock, SEED_DOWN, SEED_UP, send, 0, 0, 0 };
	const int keep[] = { sock };
	pid_t pid;

	if ((pid = fixture_fork(keep, 1)) != 0)
		return pid;
	if (read_first) {
		x.wfd = -1;
		if (exchange_run(&x) < 0 || x.read != expect)
			_exit(1);
		x.wfd = sock;
		x.rfd = -1;
		if (exchange_run(&x) < 0)
			_exit(1);
	} else if (exchange_run(&x) < 0) {
		_exit(1);
	}
	_exit(x.read == expect && x.bad == 0 ? 0 : 1);
}

struct rig {
	int	cin[2], cout[2], sv[2];
	pid_t	relay, server;
};

static void
rig_open(struct rig *g)
{
	CU_ASSERT_FATAL(pipe2(g->cin, O_CLOEXEC) == 0);
	CU_ASSERT_FATAL(pipe2(g->cout, O_CLOEXEC) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    g->sv) == 0);
	g->relay = spawn_relay(g->cin[0], g->cout[1], g->sv[0]);
	close(g->cin[0]);
	close(g->cout[1]);
	close(g->sv[0]);
}

/* Client and server both send n bytes at once, then half-close. */
static void
both_ways(uint64_t n)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, n, 0, 0, 0 };
	struct rig g;

	rig_open(&g);
	g.server = spawn_server(g.sv[1], n, n, false);
	close(g.sv[1]);
	x.wfd = g.cin[1];
	x.rfd = g.cout[0];
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(x.read, n);
	CU_ASSERT_EQUAL(x.bad, 0);
	CU_ASSERT_EQUAL(wait_exit(g.server, 60), 0);
	CU_ASSERT_EQUAL(wait_exit(g.relay, 60), 0);
}

static void
test_pipes_256mib_each_way(void)
{
	both_ways(256 * MiB);
}

static void
test_small_sizes(void)
{
	both_ways(0);
	both_ways(1);
	both_ways(64 * 1024 - 1);
	both_ways(64 * 1024 + 1);
}

/* The client stops first: the server still answers after its EOF. */
static void
test_half_close_client_first(void)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, 3 * MiB, 0, 0, 0 };
	struct rig g;

	rig_open(&g);
	g.server = spawn_server(g.sv[1], 2 * MiB, 3 * MiB, true);
	close(g.sv[1]);
	x.wfd = g.cin[1];
	x.rfd = g.cout[0];
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(x.read, 2 * MiB);
	CU_ASSERT_EQUAL(x.bad, 0);
	CU_ASSERT_EQUAL(wait_exit(g.server, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(g.relay, 30), 0);
}

/* The server stops first: the client still sends after its EOF. */
static void
test_half_close_server_first(void)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, 2 * MiB, 0, 0, 0 };
	struct exchange s = { -1, -1, SEED_DOWN, SEED_UP, 3 * MiB, 0, 0, 0 };
	struct rig g;
	pid_t pid;

	rig_open(&g);
	if ((pid = fixture_fork(&g.sv[1], 1)) == 0) {
		/* server: send, shut down writing, then read it all */
		s.wfd = s.rfd = g.sv[1];
		_exit(exchange_run(&s) == 0 && s.read == 2 * MiB &&
		    s.bad == 0 ? 0 : 1);
	}
	close(g.sv[1]);
	/* client: read to EOF first, only then send */
	x.rfd = g.cout[0];
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(x.read, 3 * MiB);
	x.rfd = -1;
	x.wfd = g.cin[1];
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(wait_exit(pid, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(g.relay, 30), 0);
}

/* The server dies mid-stream: EOF reaches the client, the relay exits. */
static void
test_server_killed(void)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, 0, 0, 0, 0 };
	struct rig g;
	char buf[4096];

	rig_open(&g);
	g.server = spawn_server(g.sv[1], 1ULL << 40, 1ULL << 40, false);
	close(g.sv[1]);
	CU_ASSERT_EQUAL(read(g.cout[0], buf, sizeof(buf)) > 0, 1);
	kill(g.server, SIGKILL);
	waitpid(g.server, NULL, 0);
	x.rfd = g.cout[0];		/* drain to EOF; stdin stays open */
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(wait_exit(g.relay, 10), 0);
	close(g.cin[1]);
}

/* The client's reader goes away while the server floods. */
static void
test_client_gone(void)
{
	struct rig g;
	char buf[4096];

	rig_open(&g);
	g.server = spawn_server(g.sv[1], 1ULL << 40, 0, false);
	close(g.sv[1]);
	CU_ASSERT(read(g.cout[0], buf, sizeof(buf)) > 0);
	close(g.cout[0]);
	CU_ASSERT_EQUAL(wait_exit(g.relay, 10), 0);
	close(g.cin[1]);
	kill(g.server, SIGKILL);
	waitpid(g.server, NULL, 0);
}

/* SIGTERM mid-session: 100 + 15 from the child. */
static void
test_signal(void)
{
	struct rig g;

	rig_open(&g);
	usleep(100000);
	kill(g.relay, SIGTERM);
	CU_ASSERT_EQUAL(wait_exit(g.relay, 10), 100 + SIGTERM);
	close(g.cin[1]);
	close(g.cout[0]);
	close(g.sv[1]);
}

static void
fill_file(const char *path, uint64_t n, uint32_t seed)
{
	static uint8_t buf[65536];
	uint64_t i;
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (i = 0; i < n; i++) {
		buf[i % sizeof(buf)] = pattern_byte(seed, i);
		if (i % sizeof(buf) == sizeof(buf) - 1 || i == n - 1)
			fwrite(buf, 1, i % sizeof(buf) + 1, f);
	}
	fclose(f);
}

static uint64_t
check_file(const char *path, uint64_t n, uint32_t seed)
{
	uint64_t bad = 0, i = 0;
	FILE *f = fopen(path, "r");
	int c;

	if (f == NULL)
		return 1;
	while ((c = getc(f)) != EOF)
		bad += i < n && (uint8_t)c != pattern_byte(seed, i), i++;
	fclose(f);
	return bad + (i != n);
}

/* Files (read/write fallback), and an O_APPEND stdout. */
static void
test_files(void)
{
	const char *d = fixture_dir();
	char in[PATH_MAX], out[PATH_MAX];
	int fin, fout, sv[2];
	pid_t relay, server;

	strlcpy(in, fixture_path(d, "in"), sizeof(in));
	strlcpy(out, fixture_path(d, "out"), sizeof(out));
	fill_file(in, 5 * MiB + 3, SEED_UP);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == 0);
	fin = open(in, O_RDONLY | O_CLOEXEC);
	fout = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	relay = spawn_relay(fin, fout, sv[0]);
	close(sv[0]);
	server = spawn_server(sv[1], 4 * MiB + 1, 5 * MiB + 3, true);
	close(sv[1]);
	CU_ASSERT_EQUAL(wait_exit(server, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(relay, 30), 0);
	close(fin);
	close(fout);
	CU_ASSERT_EQUAL(check_file(out, 4 * MiB + 1, SEED_DOWN), 0);
}

/* /dev/null on stdin: EOF at once, the server's answer still arrives. */
static void
test_dev_null(void)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, 0, 0, 0, 0 };
	int null, out[2], sv[2];
	pid_t relay, server;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(pipe2(out, O_CLOEXEC) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == 0);
	relay = spawn_relay(null, out[1], sv[0]);
	close(sv[0]);
	close(out[1]);
	close(null);
	server = spawn_server(sv[1], MiB, 0, true);
	close(sv[1]);
	x.rfd = out[0];
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(x.read, MiB);
	CU_ASSERT_EQUAL(x.bad, 0);
	CU_ASSERT_EQUAL(wait_exit(server, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(relay, 30), 0);
}

/*
 * A relay whose stdin and stdout are one socket, client[0] twice (as fds
 * 0 and 1 would be), with sv[0] as its server socket; the ends it took
 * are closed here, client[1] and sv[1] are the test's.
 */
static pid_t
spawn_socket_stdio_relay(int client[2], int sv[2])
{
	pid_t relay;
	int out;

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    client) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == 0);
	out = dup(client[0]);
	relay = spawn_relay(client[0], out, sv[0]);
	close(client[0]);
	close(out);
	close(sv[0]);
	return relay;
}

/* stdin and stdout one socket (inetd style): the private-pipe path. */
static void
test_socket_stdio(void)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, 32 * MiB, 0, 0, 0 };
	int client[2], sv[2];
	pid_t relay, server;

	relay = spawn_socket_stdio_relay(client, sv);
	server = spawn_server(sv[1], 32 * MiB, 32 * MiB, false);
	close(sv[1]);
	x.wfd = x.rfd = client[1];
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(x.read, 32 * MiB);
	CU_ASSERT_EQUAL(x.bad, 0);
	CU_ASSERT_EQUAL(wait_exit(server, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(relay, 30), 0);
	close(client[1]);
}

/* A raw pty as stdout: the copy path delivers every byte. */
static void
test_pty(void)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, 0, 0, 0, 0 };
	struct termios tio;
	int master, slave, in[2], sv[2];
	pid_t relay, server;

	CU_ASSERT_FATAL(openpty(&master, &slave, NULL, NULL, NULL) == 0);
	tcgetattr(slave, &tio);
	cfmakeraw(&tio);
	tcsetattr(slave, TCSANOW, &tio);
	CU_ASSERT_FATAL(pipe2(in, O_CLOEXEC) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == 0);
	relay = spawn_relay(in[0], slave, sv[0]);
	close(in[0]);
	close(sv[0]);
	close(slave);
	close(in[1]);
	server = spawn_server(sv[1], 256 * 1024, 0, true);
	close(sv[1]);
	x.rfd = master;
	while (x.read < 256 * 1024 && exchange_run(&x) == 0 && x.rfd >= 0)
		;
	/* a pty master reports EIO, not EOF, once the slave is closed */
	CU_ASSERT_EQUAL(x.read, 256 * 1024);
	CU_ASSERT_EQUAL(x.bad, 0);
	CU_ASSERT_EQUAL(wait_exit(server, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(relay, 30), 0);
	if (x.rfd >= 0)
		close(x.rfd);
}

/* The client writes n pattern bytes to fd, blocking, then closes it. */
static void
send_and_close(int fd, uint64_t n)
{
	uint8_t buf[65536];
	uint64_t i = 0;
	size_t len, j;
	ssize_t w;

	while (i < n) {
		len = n - i < sizeof(buf) ? (size_t)(n - i) : sizeof(buf);
		for (j = 0; j < len; j++)
			buf[j] = pattern_byte(SEED_UP, i + j);
		if ((w = write(fd, buf, len)) <= 0)
			break;
		i += (uint64_t)w;
	}
	CU_ASSERT_EQUAL(i, n);
	close(fd);
}

/*
 * stdin and stdout one socket whose peer sends n bytes and closes it:
 * the POLLHUP on stdout comes with bytes still unread on stdin, and every
 * one of them reaches the server.  What fits in the socket's buffer is
 * sent before the relay starts, so that it sees the POLLHUP at once.
 */
static void
socket_stdio_last_bytes(uint64_t n)
{
	int client[2], sv[2], out;
	bool first = n <= 100000;
	pid_t relay, server;

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    client) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == 0);
	CU_ASSERT_FATAL(setsockopt(client[1], SOL_SOCKET, SO_SNDBUF,
	    &(int){ 1 << 20 }, sizeof(int)) == 0);
	if (first)
		send_and_close(client[1], n);
	out = dup(client[0]);
	relay = spawn_relay(client[0], out, sv[0]);
	close(client[0]);
	close(out);
	close(sv[0]);
	server = spawn_server(sv[1], 0, n, true);
	close(sv[1]);
	if (!first)
		send_and_close(client[1], n);
	CU_ASSERT_EQUAL(wait_exit(server, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(relay, 30), 0);
}

static void
test_socket_stdio_last_bytes(void)
{
	socket_stdio_last_bytes(1000);
	socket_stdio_last_bytes(100000);
	socket_stdio_last_bytes(1000000);
}

/* A server that sleeps delay_ms, then reads n pattern bytes to EOF. */
static pid_t
spawn_late_reader(int sock, uint64_t n, unsigned int delay_ms)
{
	struct exchange x = { -1, sock, SEED_DOWN, SEED_UP, 0, 0, 0, 0 };
	const int keep[] = { sock };
	pid_t pid;

	if ((pid = fixture_fork(keep, 1)) != 0)
		return pid;
	usleep(delay_ms * 1000);
	_exit(exchange_run(&x) == 0 && x.read == n && x.bad == 0 ? 0 : 1);
}

/*
 * Socket stdio: the client sends 4 MiB and closes while the server does
 * not read yet (the relay's socket is full when the client goes): the
 * server, reading within RELAY_DRAIN_MS, still gets all of it.
 */
static void
test_client_gone_server_late(void)
{
	int client[2], sv[2];
	pid_t relay, server, writer;

	relay = spawn_socket_stdio_relay(client, sv);
	server = spawn_late_reader(sv[1], 4 * MiB, RELAY_DRAIN_MS / 2);
	close(sv[1]);
	if ((writer = fixture_fork(&client[1], 1)) == 0) {
		send_and_close(client[1], 4 * MiB);
		_exit(0);
	}
	close(client[1]);
	CU_ASSERT_EQUAL(wait_exit(writer, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(server, 30), 0);
	CU_ASSERT_EQUAL(wait_exit(relay, 30), 0);
}

/*
 * The client goes (stdin's writer and stdout's reader) while the server
 * never reads: the relay ends after RELAY_DRAIN_MS, it does not wait for
 * the server for ever.
 */
static void
test_client_gone_server_stalled(void)
{
	struct rig g;
	pid_t writer;
	char c;

	rig_open(&g);
	if ((g.server = fixture_fork(&g.sv[1], 1)) == 0) {
		(void)!read(g.sv[1], &c, 0);
		sleep(60);		/* never reads */
		_exit(0);
	}
	close(g.sv[1]);
	if ((writer = fixture_fork(&g.cin[1], 1)) == 0) {
		send_and_close(g.cin[1], 1ULL << 40);	/* blocks */
		_exit(0);
	}
	close(g.cin[1]);
	usleep(500000);
	close(g.cout[0]);
	kill(writer, SIGKILL);
	waitpid(writer, NULL, 0);
	CU_ASSERT_EQUAL(wait_exit(g.relay, RELAY_DRAIN_MS / 1000 + 10), 0);
	kill(g.server, SIGKILL);
	waitpid(g.server, NULL, 0);
}

/* utime + stime of pid so far, in clock ticks. */
static long
cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* after "(comm)": state and 10 more fields, then utime, stime */
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* How many times pid has gone to sleep so far, or -1. */
static long
sleeps(pid_t pid)
{
	char path[64], line[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Read fd to EOF into buf (at most size bytes); returns the count. */
static size_t
read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	return got;
}

/*
 * One urgent (MSG_OOB) byte from the server: relayed in order as data,
 * and while the server then says nothing for 1.5 s the relay sleeps
 * (it used to spin at 100%: ~150 ticks).  socket_stdio: the private-pipe
 * path, else sshd's pipes.
 */
static void
urgent_byte(bool socket_stdio)
{
	int client[2], sv[2], in, out, rd, wr;
	char got[16];
	long before, after;
	pid_t relay;
	size_t n;

	if (socket_stdio) {
		CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0, client) == 0);
		in = client[0];
		out = dup(client[0]);
		rd = wr = client[1];
	} else {
		int cin[2], cout[2];

		CU_ASSERT_FATAL(pipe2(cin, O_CLOEXEC) == 0);
		CU_ASSERT_FATAL(pipe2(cout, O_CLOEXEC) == 0);
		in = cin[0], wr = cin[1], out = cout[1], rd = cout[0];
	}
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == 0);
	relay = spawn_relay(in, out, sv[0]);
	close(in);
	close(out);
	close(sv[0]);
	CU_ASSERT_EQUAL(send(sv[1], "ab", 2, 0), 2);
	CU_ASSERT_EQUAL(send(sv[1], "X", 1, MSG_OOB), 1);
	usleep(300000);
	before = cpu_ticks(relay);
	usleep(1500000);
	after = cpu_ticks(relay);
	CU_ASSERT(before >= 0 && after - before < 30);
	CU_ASSERT_EQUAL(send(sv[1], "cd", 2, 0), 2);
	close(sv[1]);
	if (socket_stdio)
		shutdown(wr, SHUT_WR);
	else
		close(wr);
	n = read_all(rd, got, sizeof(got));
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT(n == 5 && memcmp(got, "abXcd", 5) == 0);
	CU_ASSERT_EQUAL(wait_exit(relay, 10), 0);
	close(rd);
}

static void
test_urgent_byte(void)
{
	urgent_byte(false);
	urgent_byte(true);
}

/*
 * After the server's half-close stdout is /dev/null, and the pipe grown
 * for its bulk data is not ours any more: the relay sleeps until the
 * client ends (it used to wake every RELAY_IDLE_SHRINK_MS).
 */
static void
test_no_wakeups_after_server_eof(void)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, 0, 0, 0, 0 };
	long before, after;
	struct rig g;

	rig_open(&g);
	g.server = spawn_server(g.sv[1], 4 * MiB, 0, false);
	close(g.sv[1]);
	x.rfd = g.cout[0];
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(x.read, 4 * MiB);
	usleep(200000);
	before = sleeps(g.relay);
	usleep((RELAY_IDLE_SHRINK_MS * 5 / 2) * 1000);
	after = sleeps(g.relay);
	CU_ASSERT(before >= 0 && after - before < 2);
	close(g.cin[1]);
	CU_ASSERT_EQUAL(wait_exit(g.server, 10), 0);
	CU_ASSERT_EQUAL(wait_exit(g.relay, 10), 0);
	close(g.cout[0]);
}

static int
pipe_size(int fd)
{
	return fcntl(fd, F_GETPIPE_SZ);
}

/* sshd's pipe grows while bulk data moves, and shrinks when quiet. */
static void
test_pipe_grows_and_shrinks(void)
{
	struct exchange x = { -1, -1, SEED_UP, SEED_DOWN, 16 * MiB, 0, 0, 0 };
	struct rig g;
	uint8_t last;
	int cin_w;

	rig_open(&g);
	g.server = spawn_server(g.sv[1], 0, 16 * MiB + 1, false);
	close(g.sv[1]);
	CU_ASSERT_EQUAL(pipe_size(g.cin[1]), RELAY_PIPE_DEFAULT);
	cin_w = dup(g.cin[1]);		/* keep stdin open after the exchange */
	x.wfd = g.cin[1];
	CU_ASSERT_EQUAL(exchange_run(&x), 0);
	CU_ASSERT_EQUAL(pipe_size(cin_w), RELAY_PIPE_BULK);
	usleep((RELAY_IDLE_SHRINK_MS * 2 + 500) * 1000);
	CU_ASSERT_EQUAL(pipe_size(cin_w), RELAY_PIPE_DEFAULT);
	last = pattern_byte(SEED_UP, 16 * MiB);
	CU_ASSERT_EQUAL(write(cin_w, &last, 1), 1);
	close(cin_w);
	CU_ASSERT_EQUAL(wait_exit(g.server, 30), 0);
	close(g.cout[0]);
	CU_ASSERT_EQUAL(wait_exit(g.relay, 30), 0);
}

CU_TestInfo relay_tests[] = {
	{ "relay: pipes and a socket, 256 MiB each way at once, byte-exact",
	    test_pipes_256mib_each_way },
	{ "relay: 0, 1, 64 KiB-1 and 64 KiB+1 bytes each way",
	    test_small_sizes },
	{ "relay: client EOF first, server answers after it",
	    test_half_close_client_first },
	{ "relay: server EOF first, client sends after it",
	    test_half_close_server_first },
	{ "relay: server killed mid-stream, relay exits", test_server_killed },
	{ "relay: client's reader gone, relay exits", test_client_gone },
	{ "relay: SIGTERM ends it with the signal", test_signal },
	{ "relay: regular file in, O_APPEND file out (read/write)",
	    test_files },
	{ "relay: /dev/null stdin", test_dev_null },
	{ "relay: a socketpair as stdin and stdout (private pipe)",
	    test_socket_stdio },
	{ "relay: a raw pty as stdout (copy path)", test_pty },
	{ "relay: socket stdio, peer sends and closes: every byte arrives",
	    test_socket_stdio_last_bytes },
	{ "relay: client gone while the server is late: all it sent arrives",
	    test_client_gone_server_late },
	{ "relay: client gone, server never reads: the relay ends",
	    test_client_gone_server_stalled },
	{ "relay: an urgent byte from the server, inline, no spinning",
	    test_urgent_byte },
	{ "relay: server EOF after bulk data, then no wake-ups",
	    test_no_wakeups_after_server_eof },
	{ "relay: sshd's pipe grown for bulk data, shrunk when idle",
	    test_pipe_grows_and_shrinks },
	CU_TEST_INFO_NULL,
};
