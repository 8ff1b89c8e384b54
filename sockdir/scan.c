/*
 * scan.c - enumerate the xpra sockets of one directory in xpra's order,
 * with the state "xpra list" would show for each.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sockdir.h"

#define SESSION_SOCKET	"socket"

struct scan {
	int				 dirfd;
	const char			*dir;
	const char			*host;
	uid_t				 uid;
	const struct sock_listeners	*ls;
	sockdir_entry_fn		 fn;
	void				*arg;
	int				 count;
};

static bool
is_number(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

static int
cmp_numeric(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

static int
cmp_bytes(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The state of a socket file whose stat is st, at dirfd/name. */
static enum sock_state
state_of_file(const struct scan *sc, int dirfd, const char *name,
    const struct stat *st)
{
	const struct sock_listener *l;
	struct sock_probe p;
	int fd;

	if (S_ISLNK(st->st_mode) || st->st_uid != sc->uid ||
	    !(st->st_mode & S_IWUSR))
		return SOCK_INACCESSIBLE;
	if (sc->ls == NULL) {
		fd = sock_connect_at(dirfd, name, sc->uid, 1000, &p);
		if (fd >= 0)
			close(fd);
		return sock_state_of(p.verdict);
	}
	l = sock_listeners_find(sc->ls, st->st_dev, st->st_ino);
	if (l == NULL)
		return SOCK_UNKNOWN;
	if (l->uid >= 0 && (uid_t)l->uid != sc->uid)
		return SOCK_INACCESSIBLE;
	return SOCK_LIVE;
}

static void
report(struct scan *sc, const char *key, const char *path, const char *label,
    enum sock_state state, const struct stat *st)
{
	struct sockdir_entry e = {
		.key = key, .path = path, .state = state,
		.owner = st->st_uid, .mtime = st->st_mtime,
	};

	strlcpy(e.label, label, sizeof(e.label));
	sc->fn(sc->arg, &e);
	sc->count++;
}

/* One session directory "<N>": report N/socket if there is one. */
static void
scan_session(struct scan *sc, const char *n)
{
	char key[PATH_MAX], path[PATH_MAX], label[SOCKDIR_LABEL_MAX];
	enum sock_state state;
	struct stat st, dst;
	int sub;

	sub = openat(sc->dirfd, n, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sub < 0)
		return;
	if (fstatat(sub, SESSION_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (S_ISSOCK(st.st_mode) || S_ISLNK(st.st_mode)) &&
	    fstat(sub, &dst) == 0) {
		if (dst.st_uid != sc->uid || (dst.st_mode & (S_IWGRP | S_IWOTH)))
			state = SOCK_INACCESSIBLE;
		else
			state = state_of_file(sc, sub, SESSION_SOCKET, &st);
		snprintf(label, sizeof(label), ":%s", n);
		if (path_join(key, sizeof(key), sc->dir, n) == 0 &&
		    path_join(path, sizeof(path), key, SESSION_SOCKET) == 0)
			report(sc, key, path, label, state, &st);
	}
	close(sub);
}

/* One flat name "<host>-<rest>". */
static void
scan_flat(struct scan *sc, const char *name)
{
	char path[PATH_MAX], label[SOCKDIR_LABEL_MAX];
	const char *rest = name + strlen(sc->host) + 1;
	struct stat st;

	if (fstatat(sc->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !(S_ISSOCK(st.st_mode) || S_ISLNK(st.st_mode)))
		return;
	if (path_join(path, sizeof(path), sc->dir, name) < 0)
		return;
	snprintf(label, sizeof(label), "%s%s",
	    strncmp(rest, "wayland-", 8) == 0 ? "" : ":", rest);
	report(sc, sc->dir, path, label, state_of_file(sc, sc->dirfd, name,
	    &st), &st);
}

/* Sort the names of dir into session directories and flat names. */
static int
read_names(int dirfd, const char *host, struct strlist *sessions,
    struct strlist *flat)
{
	size_t hlen = strlen(host);
	struct dirent *e;
	DIR *d;
	int fd, r = 0;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (e = readdir(d)) != NULL) {
		if (is_number(e->d_name))
			r = strlist_add(sessions, e->d_name);
		else if (strncmp(e->d_name, host, hlen) == 0 &&
		    e->d_name[hlen] == '-' && e->d_name[hlen + 1] != '\0')
			r = strlist_add(flat, e->d_name);
	}
	closedir(d);
	if (sessions->n > 1)
		qsort(sessions->v, sessions->n, sizeof(char *), cmp_numeric);
	if (flat->n > 1)
		qsort(flat->v, flat->n, sizeof(char *), cmp_bytes);
	return r;
}

int
sockdir_scan(const char *dir, const char *host, uid_t uid,
    const struct sock_listeners *ls, sockdir_entry_fn fn, void *arg)
{
	struct strlist sessions = STRLIST_INIT, flat = STRLIST_INIT;
	struct scan sc = { -1, dir, host, uid, ls, fn, arg, 0 };
	size_t i;
	int r;

	if ((sc.dirfd = trust_open_dir(dir, uid)) < 0)
		return sc.dirfd;
	if ((r = read_names(sc.dirfd, host, &sessions, &flat)) == 0) {
		for (i = 0; i < sessions.n; i++)
			scan_session(&sc, sessions.v[i]);
		for (i = 0; i < flat.n; i++)
			scan_flat(&sc, flat.v[i]);
		r = sc.count;
	}
	strlist_clear(&sessions);
	strlist_clear(&flat);
	close(sc.dirfd);
	return r;
}
