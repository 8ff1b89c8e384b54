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
#define PROBE_MS	1000	/* connect timeout without a listener table */

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

/* The listener table's verdict on a file that passed sock_classify(). */
static void
listener_verdict(const struct sock_listeners *ls, const struct stat *st,
    uid_t uid, struct sock_probe *p)
{
	const struct sock_listener *l;

	l = sock_listeners_find(ls, st->st_dev, st->st_ino);
	if (l == NULL) {
		p->verdict = SOCK_REFUSED;
		p->err = ECONNREFUSED;
	} else if (l->uid >= 0 && (uid_t)l->uid != uid) {
		p->verdict = SOCK_FOREIGN_PEER;
		p->err = EACCES;
		p->peer = (uid_t)l->uid;
	} else {
		p->peer = uid;
	}
}

/*
 * What "xpra list" would say of dirfd/name, in a directory that may be
 * trusted or not (dir_safe).  Returns false if it is no candidate at all:
 * missing, or neither a socket nor a symlink.
 */
static bool
probe_entry(const struct scan *sc, int dirfd, const char *name,
    bool dir_safe, struct sock_probe *p)
{
	struct stat st;
	bool usable;
	int fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	usable = sock_classify(&st, sc->uid, p);
	if (p->verdict == SOCK_NOT_SOCKET)
		return false;
	if (!dir_safe) {
		p->verdict = SOCK_UNSAFE_DIR;
	} else if (usable && sc->ls != NULL) {
		listener_verdict(sc->ls, &st, sc->uid, p);
	} else if (usable) {
		/* no table: connect, through the same checks as a relay */
		if ((fd = sock_connect_at(dirfd, name, sc->uid, PROBE_MS,
		    p)) >= 0)
			close(fd);
	}
	return true;
}

static void
report(struct scan *sc, const char *key, const char *path, const char *label,
    const struct sock_probe *p)
{
	struct sockdir_entry e = {
		.key = key, .path = path, .state = sock_state_of(p->verdict),
		.owner = p->owner, .mtime = p->mtime,
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
	struct sock_probe p;
	int sub;

	/* a symlink or a file named like one is no session directory */
	if ((sub = trust_open_nofollow(sc->dirfd, n)) < 0)
		return;
	if (probe_entry(sc, sub, SESSION_SOCKET,
	    trust_check_subdir(sub, sc->uid) == 0, &p) &&
	    path_join(key, sizeof(key), sc->dir, n) == 0 &&
	    path_join(path, sizeof(path), key, SESSION_SOCKET) == 0) {
		snprintf(label, sizeof(label), ":%s", n);
		report(sc, key, path, label, &p);
	}
	close(sub);
}

/*
 * One flat name "<host>-<rest>", labelled ":<rest>" as xpra 3.1 and 4.x
 * do, ":wayland-0" included (xpra 5.0 and later print "wayland-0").
 */
static void
scan_flat(struct scan *sc, const char *name)
{
	char path[PATH_MAX], label[SOCKDIR_LABEL_MAX];
	struct sock_probe p;

	if (!probe_entry(sc, sc->dirfd, name, true, &p) ||
	    path_join(path, sizeof(path), sc->dir, name) < 0)
		return;
	snprintf(label, sizeof(label), ":%s", name + strlen(sc->host) + 1);
	report(sc, sc->dir, path, label, &p);
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
