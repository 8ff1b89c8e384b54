/*
 * find.c - the connection to relay: the first live candidate for a
 * display, in directory order, kept open once it has proved live.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockdir.h"

#define SESSION_SOCKET	"socket"

/* Remember what a failed candidate says about the display's state. */
static void
note_failure(struct sockdir_lookup *l, const char *path,
    const struct sock_probe *p)
{
	if (p->verdict == SOCK_MISSING)
		return;
	switch (sock_state_of(p->verdict)) {
	case SOCK_UNKNOWN:
		if (p->mtime > l->newest_stale)
			l->newest_stale = p->mtime;
		break;
	case SOCK_INACCESSIBLE:
		l->saw_inaccessible = true;
		break;
	default:
		break;
	}
	if (l->skipped != NULL)
		l->skipped(l->arg, path, p);
}

/* What trust_open_dir() failing with err says of the sockets below. */
static enum sock_verdict
dir_verdict(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return SOCK_MISSING;
	case ELOOP:
		return SOCK_SYMLINK;	/* a symlink on the way: not followed */
	case EACCES:
		return SOCK_DENIED;
	default:
		return SOCK_UNSAFE_DIR;
	}
}

/* A candidate's outcome, fd, for path: kept as the one used, or noted. */
static int
candidate_tried(struct sockdir_lookup *l, const char *path, int fd,
    const struct sock_probe *p)
{
	if (fd >= 0)
		strlcpy(l->path, path, sizeof(l->path));
	else if (fd != -EINTR)
		note_failure(l, path, p);
	return fd;
}

/* Try dirfd/name, shown as prefix/name.  Returns an fd or -errno. */
static int
try_candidate(struct sockdir_lookup *l, int dirfd, const char *prefix,
    const char *name)
{
	char path[PATH_MAX];
	struct sock_probe p;
	int fd;

	if (path_join(path, sizeof(path), prefix, name) < 0)
		return -ENAMETOOLONG;
	fd = sock_connect_at(dirfd, name, l->uid, l->timeout_ms, &p);
	return candidate_tried(l, path, fd, &p);
}

/*
 * Report a directory that exists but may not be trusted.  Only the
 * display's own session directory makes the display INACCESSIBLE: an
 * unsafe socket directory says nothing about whether it holds it.
 */
static void
note_unsafe_dir(struct sockdir_lookup *l, const char *path, int err,
    bool display_own)
{
	struct sock_probe p = { dir_verdict(-err), -err, (uid_t)-1, (uid_t)-1,
	    0 };
	bool inaccessible = l->saw_inaccessible;

	if (p.verdict == SOCK_MISSING)
		return;
	note_failure(l, path, &p);
	if (!display_own)
		l->saw_inaccessible = inaccessible;
}

/* The session directory candidate "<dir>/<N>/socket". */
static int
try_session(struct sockdir_lookup *l, int dirfd, const char *dir,
    unsigned int number)
{
	char name[16], sub_path[PATH_MAX];
	int sub, fd;

	snprintf(name, sizeof(name), "%u", number);
	if (path_join(sub_path, sizeof(sub_path), dir, name) < 0)
		return -ENAMETOOLONG;
	if ((sub = trust_open_subdir(dirfd, name, l->uid)) < 0) {
		note_unsafe_dir(l, sub_path, sub, true);
		return sub;
	}
	fd = try_candidate(l, sub, sub_path, SESSION_SOCKET);
	close(sub);
	return fd;
}

/* Both candidates of one directory, session directory first. */
static int
try_dir(struct sockdir_lookup *l, const char *dir, const struct display *d,
    const char *flat)
{
	int dirfd, fd = -ENOENT;

	if ((dirfd = trust_open_dir(dir, l->uid)) < 0) {
		note_unsafe_dir(l, dir, dirfd, false);
		return dirfd;
	}
	if (d->kind == DISPLAY_NUMBER)
		fd = try_session(l, dirfd, dir, d->number);
	if (fd < 0 && fd != -EINTR)
		fd = try_candidate(l, dirfd, dir, flat);
	close(dirfd);
	return fd;
}

/* The display's abstract socket, after its files (xpra >= 6.0). */
static int
try_abstract(struct sockdir_lookup *l, const struct display *d)
{
	char name[SOCKDIR_LABEL_MAX];
	struct sock_probe p;
	int fd, r;

	if ((r = display_abstract_name(d, name, sizeof(name))) < 0)
		return r;
	fd = sock_connect_abstract(name, l->uid, l->timeout_ms, &p);
	return candidate_tried(l, name, fd, &p);
}

/* The lookup's overall failure, from what the candidates said. */
static int
lookup_failure(const struct sockdir_lookup *l)
{
	if (l->newest_stale != 0)
		return -ECONNREFUSED;
	if (l->saw_inaccessible)
		return -EACCES;
	return -ENOENT;
}

int
sockdir_connect(struct sockdir_lookup *l, const struct display *d)
{
	char flat[NAME_MAX + 1];
	struct sock_probe p;
	size_t i;
	int fd, r;

	l->path[0] = '\0';
	l->newest_stale = 0;
	l->saw_inaccessible = false;
	if (d->kind == DISPLAY_PATH) {
		fd = sockdir_connect_path(d->path, l->uid, l->timeout_ms, &p);
		if (fd >= 0) {
			strlcpy(l->path, d->path, sizeof(l->path));
			return fd;
		}
		if (fd == -EINTR)
			return fd;
		note_failure(l, d->path, &p);
		return lookup_failure(l);
	}
	if ((r = display_flat_name(d, l->host, flat, sizeof(flat))) < 0)
		return r;
	for (i = 0; i < l->dirs->n; i++)
		if ((fd = try_dir(l, l->dirs->v[i], d, flat)) >= 0 ||
		    fd == -EINTR)
			return fd;
	if ((fd = try_abstract(l, d)) >= 0 || fd == -EINTR)
		return fd;
	return lookup_failure(l);
}

int
sockdir_connect_path(const char *path, uid_t uid, int timeout_ms,
    struct sock_probe *ret_probe)
{
	struct sock_probe p = { SOCK_MISSING, ENOENT, (uid_t)-1, (uid_t)-1, 0 };
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int dirfd, fd;

	if (path[0] != '/' || slash[1] == '\0') {
		p.verdict = SOCK_ERROR;
		p.err = EINVAL;
		*ret_probe = p;
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	/* The path as given, each component opened without following it. */
	if ((dirfd = trust_open_dir(dir, uid)) < 0) {
		p.verdict = dir_verdict(-dirfd);
		p.err = -dirfd;
		*ret_probe = p;
		return dirfd;
	}
	fd = sock_connect_at(dirfd, slash + 1, uid, timeout_ms, ret_probe);
	close(dirfd);
	return fd;
}
