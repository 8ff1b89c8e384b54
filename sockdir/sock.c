/*
 * sock.c - connect to one socket file by file descriptor, check who
 * listens, and name the result the way "xpra list" does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "sockdir.h"

enum sock_state
sock_state_of(enum sock_verdict v)
{
	switch (v) {
	case SOCK_OK:
		return SOCK_LIVE;
	case SOCK_MISSING:
	case SOCK_NOT_SOCKET:
		return SOCK_DEAD;
	case SOCK_SYMLINK:
	case SOCK_FOREIGN_OWNER:
	case SOCK_FOREIGN_PEER:
	case SOCK_DENIED:
	case SOCK_UNSAFE_DIR:
		return SOCK_INACCESSIBLE;
	default:
		return SOCK_UNKNOWN;
	}
}

const char *
sock_state_name(enum sock_state s)
{
	static const char *const names[] = {
		[SOCK_LIVE] = "LIVE",
		[SOCK_UNKNOWN] = "UNKNOWN",
		[SOCK_DEAD] = "DEAD",
		[SOCK_INACCESSIBLE] = "INACCESSIBLE",
	};

	return names[s];
}

static enum sock_verdict
verdict_of_connect_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return SOCK_REFUSED;
	case EACCES:
	case EPERM:
		return SOCK_DENIED;
	case ENOENT:
		return SOCK_MISSING;
	case EAGAIN:
	case EINPROGRESS:
	case ETIMEDOUT:
		return SOCK_TIMEOUT;
	default:
		return SOCK_ERROR;
	}
}

static int
connect_path(int s, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	/* EINTR too: the caller decides whether to try again */
	return connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
}

/*
 * Without /proc: connect to name relative to dirfd, then make sure the
 * file connected to is still the inode that was checked (st).
 */
static int
connect_fchdir(int s, int dirfd, const char *name, const struct stat *st)
{
	struct stat now;
	int cwd, r;

	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (fchdir(dirfd) < 0)
		r = -errno;
	else
		r = connect_path(s, name);
	if (fchdir(cwd) < 0 && r == 0)
		r = -errno;
	close(cwd);
	if (r == 0 && (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    now.st_dev != st->st_dev || now.st_ino != st->st_ino))
		r = -ESTALE;
	return r;
}

/* Connect s to the file behind the O_PATH descriptor pfd. */
static int
connect_fd(int s, int pfd, int dirfd, const char *name, const struct stat *st)
{
	char proc[sizeof("/proc/self/fd/") + 12];
	int r;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	r = connect_path(s, proc);
	if (r == -ENOENT && access("/proc/self/fd", F_OK) < 0)
		r = connect_fchdir(s, dirfd, name, st);
	return r;
}

/* A blocking AF_UNIX stream socket whose connect gives up after timeout_ms. */
static int
socket_with_timeout(int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int s;

	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		int err = errno;

		close(s);
		return -err;
	}
	return s;
}

/* Once connected: the listener must run as uid; then go non-blocking. */
static int
peer_checked(int s, uid_t uid, struct sock_probe *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	p->peer = cred.uid;
	if (cred.uid != uid) {
		p->verdict = SOCK_FOREIGN_PEER;
		return -EACCES;
	}
	if (fcntl(s, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	p->verdict = SOCK_OK;
	return 0;
}

/* End of a connect attempt: fill *ret_probe, keep s only on success. */
static int
connect_result(int s, int r, struct sock_probe *p, struct sock_probe *ret_probe)
{
	/* a failure after the file passed sock_classify() */
	if (r < 0 && (p->verdict == SOCK_OK || p->verdict == SOCK_ERROR))
		p->verdict = verdict_of_connect_errno(-r);
	p->err = r < 0 ? -r : 0;
	*ret_probe = *p;
	if (r < 0) {
		if (s >= 0)
			close(s);
		return r;
	}
	return s;
}

bool
sock_classify(const struct stat *st, uid_t uid, struct sock_probe *p)
{
	p->owner = st->st_uid;
	p->mtime = st->st_mtime;
	p->verdict = SOCK_OK;
	p->err = 0;
	if (S_ISLNK(st->st_mode))
		p->verdict = SOCK_SYMLINK, p->err = ELOOP;
	else if (!S_ISSOCK(st->st_mode))
		p->verdict = SOCK_NOT_SOCKET, p->err = ENOTSOCK;
	else if (st->st_uid != uid)
		p->verdict = SOCK_FOREIGN_OWNER, p->err = EACCES;
	/* connect(2) needs write permission, which root does not */
	else if (uid != 0 && !(st->st_mode & S_IWUSR))
		p->verdict = SOCK_DENIED, p->err = EACCES;
	return p->verdict == SOCK_OK;
}

/* Open name in dirfd without following it; classify what is there. */
static int
open_socket_file(int dirfd, const char *name, uid_t uid, struct stat *st,
    struct sock_probe *p)
{
	int pfd;

	if ((pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		p->err = errno;
		p->verdict = errno == ENOENT ? SOCK_MISSING : SOCK_ERROR;
		return -p->err;
	}
	if (fstat(pfd, st) < 0) {
		p->err = errno;
		close(pfd);
		return -p->err;
	}
	if (sock_classify(st, uid, p))
		return pfd;
	close(pfd);
	return -p->err;
}

int
sock_connect_at(int dirfd, const char *name, uid_t uid, int timeout_ms,
    struct sock_probe *ret_probe)
{
	struct sock_probe p = { SOCK_ERROR, 0, (uid_t)-1, (uid_t)-1, 0 };
	struct stat st;
	int pfd, s, r;

	if ((pfd = open_socket_file(dirfd, name, uid, &st, &p)) < 0) {
		*ret_probe = p;
		return pfd;
	}
	if ((s = r = socket_with_timeout(timeout_ms)) >= 0 &&
	    (r = connect_fd(s, pfd, dirfd, name, &st)) < 0)
		p.verdict = verdict_of_connect_errno(-r);
	else if (r >= 0)
		r = peer_checked(s, uid, &p);
	close(pfd);
	return connect_result(s, r, &p, ret_probe);
}

int
sock_connect_abstract(const char *name, uid_t uid, int timeout_ms,
    struct sock_probe *ret_probe)
{
	struct sock_probe p = { SOCK_ERROR, 0, (uid_t)-1, (uid_t)-1, 0 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	socklen_t alen;
	int s, r;

	if (name[0] != '@' || len < 2 || len > sizeof(sun.sun_path)) {
		p.err = len > sizeof(sun.sun_path) ? ENAMETOOLONG : EINVAL;
		*ret_probe = p;
		return -p.err;
	}
	/* sun_path[0] stays NUL; the name is not NUL-terminated */
	memcpy(sun.sun_path + 1, name + 1, len - 1);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if ((s = r = socket_with_timeout(timeout_ms)) >= 0 &&
	    connect(s, (struct sockaddr *)&sun, alen) < 0) {
		r = -errno;
		/* an abstract name nobody binds refuses: there is none */
		p.verdict = r == -ECONNREFUSED ? SOCK_MISSING :
		    verdict_of_connect_errno(-r);
	} else if (r >= 0) {
		r = peer_checked(s, uid, &p);
	}
	return connect_result(s, r, &p, ret_probe);
}
