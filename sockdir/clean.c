/*
 * clean.c - remove a socket file its server left behind, only when it is
 * the user's and provably dead, and the session directory it leaves empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sockdir.h"

#define PROBE_MS	1000

/* Split an absolute path into its directory (in buf) and last name. */
static const char *
split_path(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (path[0] != '/' || slash == NULL || slash[1] == '\0' ||
	    (size_t)(slash - path) + 2 > len)
		return NULL;
	snprintf(buf, len, "%.*s", slash == path ? 1 : (int)(slash - path),
	    path);
	return slash + 1;
}

/* Nobody listens on the socket file st (dirfd/name): by the table or by
 * a refused connection. */
static bool
nobody_listens(int dirfd, const char *name, const struct stat *st,
    uid_t uid, const struct sock_listeners *ls)
{
	struct sock_probe p;
	int fd;

	if (ls != NULL)
		return sock_listeners_find(ls, st->st_dev, st->st_ino) == NULL;
	if ((fd = sock_connect_at(dirfd, name, uid, PROBE_MS, &p)) >= 0) {
		close(fd);
		return false;
	}
	return p.verdict == SOCK_REFUSED;
}

/* The session directory "<parent>/<N>" of a removed "<N>/socket", if now
 * empty. */
static void
remove_session_dir(const char *dir, uid_t uid)
{
	char parent[PATH_MAX];
	const char *n = split_path(dir, parent, sizeof(parent));
	int pfd;

	if (n == NULL || strspn(n, "0123456789") != strlen(n) ||
	    (pfd = trust_open_dir(parent, uid)) < 0)
		return;
	(void)unlinkat(pfd, n, AT_REMOVEDIR);	/* ENOTEMPTY: it stays */
	close(pfd);
}

int
sockdir_remove_stale(const char *path, uid_t uid,
    const struct sock_listeners *ls, time_t now)
{
	char dir[PATH_MAX];
	const char *name = split_path(path, dir, sizeof(dir));
	struct stat st, again;
	int dirfd, r = 0;

	if (name == NULL)
		return -EINVAL;
	if ((dirfd = trust_open_dir(dir, uid)) < 0)
		return dirfd;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	else if (!S_ISSOCK(st.st_mode))
		r = -ENOTSOCK;
	else if (st.st_uid != uid)
		r = -EPERM;
	else if (now - st.st_mtime < SOCKDIR_STALE_RECENT)
		r = -EBUSY;	/* a server may be starting */
	else if (!nobody_listens(dirfd, name, &st, uid, ls))
		r = -EBUSY;
	/* still that file (a new server makes a new one), then it goes */
	else if (fstatat(dirfd, name, &again, AT_SYMLINK_NOFOLLOW) < 0 ||
	    again.st_dev != st.st_dev || again.st_ino != st.st_ino)
		r = -EBUSY;
	else if (unlinkat(dirfd, name, 0) < 0)
		r = -errno;
	close(dirfd);
	if (r == 0 && strcmp(name, "socket") == 0)
		remove_session_dir(dir, uid);
	return r;
}
