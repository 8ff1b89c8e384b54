/*
 * trust.c - open directories by file descriptor, one component at a time,
 * checking owner and mode the way OpenSSH's safe_path() does, so that no
 * symlink or foreign directory is ever followed on the way to a socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sockdir.h"

#define DIR_FLAGS	(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static bool
writable_by_others(const struct stat *st)
{
	return (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

/* May a component on the way be trusted not to be swapped under us? */
static bool
safe_component(const struct stat *st, uid_t uid)
{
	if (st->st_uid != 0 && st->st_uid != uid)
		return false;
	return !writable_by_others(st) || (st->st_mode & S_ISVTX);
}

/* May the directory holding sockets be trusted? */
static bool
safe_socket_dir(const struct stat *st, uid_t uid)
{
	if (st->st_uid == uid && !writable_by_others(st))
		return true;
	return st->st_uid == 0 && (!writable_by_others(st) ||
	    (st->st_mode & S_ISVTX));
}

int
trust_open_nofollow(int dirfd, const char *name)
{
	struct stat st;
	int fd;

	if ((fd = openat(dirfd, name, DIR_FLAGS)) >= 0)
		return fd;
	if (errno == ENOTDIR && fstatat(dirfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return -ELOOP;
	return -errno;
}

/* fstat(fd) and apply check.  Returns 0, -EPERM or -errno. */
static int
check_fd(int fd, uid_t uid, bool (*check)(const struct stat *, uid_t))
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return check(&st, uid) ? 0 : -EPERM;
}

/* check_fd(), closing fd on failure.  Returns fd or -errno. */
static int
check_fd_or_close(int fd, uid_t uid,
    bool (*check)(const struct stat *, uid_t))
{
	int r;

	if ((r = check_fd(fd, uid, check)) < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int
trust_open_dir(const char *path, uid_t uid)
{
	char buf[PATH_MAX], *p, *name;
	int fd, next;

	if (path[0] != '/')
		return -EINVAL;
	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		return -ENAMETOOLONG;
	if ((fd = open("/", DIR_FLAGS)) < 0)
		return -errno;
	p = buf + 1;
	while ((name = strsep(&p, "/")) != NULL) {
		if (*name == '\0')
			continue;
		if ((fd = check_fd_or_close(fd, uid, safe_component)) < 0)
			return fd;
		next = trust_open_nofollow(fd, name);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	return check_fd_or_close(fd, uid, safe_socket_dir);
}

/* A session directory: ours alone. */
static bool
safe_session_dir(const struct stat *st, uid_t uid)
{
	return st->st_uid == uid && !writable_by_others(st);
}

int
trust_check_subdir(int fd, uid_t uid)
{
	return check_fd(fd, uid, safe_session_dir);
}

int
trust_open_subdir(int dirfd, const char *name, uid_t uid)
{
	int fd;

	if (strchr(name, '/') != NULL)
		return -EINVAL;
	if ((fd = trust_open_nofollow(dirfd, name)) < 0)
		return fd;
	return check_fd_or_close(fd, uid, safe_session_dir);
}
