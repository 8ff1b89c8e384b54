/*
 * dirs.c - the socket directory list: xpra's expansion of an entry, and
 * de-duplication by the identity of the directory, never by following a
 * symlink.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockdir.h"

struct outbuf {
	char	*p;
	size_t	 len, used;
	bool	 overflow;
};

static void
out_append(struct outbuf *o, const char *s, size_t n)
{
	if (o->overflow || n >= o->len - o->used) {
		o->overflow = true;
		return;
	}
	memcpy(o->p + o->used, s, n);
	o->used += n;
	o->p[o->used] = '\0';
}

/*
 * The value of the variable name[0..n) for user u into val (size len).
 * Returns 0 or -ENOENT for a variable xpra-proxy does not know.
 */
static int
var_value(const char *name, size_t n, const struct sockdir_user *u,
    char *val, size_t len)
{
#define IS(s)	(n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
	if (IS("UID"))
		snprintf(val, len, "%u", (unsigned int)u->uid);
	else if (IS("GID"))
		snprintf(val, len, "%u", (unsigned int)u->gid);
	else if (IS("HOME"))
		snprintf(val, len, "%s", u->home);
	else if (IS("USER"))
		snprintf(val, len, "%s", u->name);
	else if (IS("XDG_RUNTIME_DIR") && u->runtime_dir != NULL)
		snprintf(val, len, "%s", u->runtime_dir);
	else if (IS("XDG_RUNTIME_DIR"))
		snprintf(val, len, "/run/user/%u", (unsigned int)u->uid);
	else
		return -ENOENT;
	return 0;
#undef IS
}

/*
 * At s (just after a '$'), the length of the variable reference and its
 * name span.  Returns the characters consumed, or 0 if malformed.
 */
static size_t
var_span(const char *s, const char **ret_name, size_t *ret_n)
{
	size_t n;

	if (*s == '{') {
		n = strcspn(s + 1, "}");
		if (s[1 + n] != '}' || n == 0)
			return 0;
		*ret_name = s + 1;
		*ret_n = n;
		return n + 2;
	}
	for (n = 0; s[n] == '_' || (s[n] >= 'A' && s[n] <= 'Z') ||
	    (s[n] >= 'a' && s[n] <= 'z') || (n > 0 && s[n] >= '0' &&
	    s[n] <= '9'); n++)
		;
	*ret_name = s;
	*ret_n = n;
	return n;
}

int
sockdir_expand(const char *entry, const struct sockdir_user *u, char *buf,
    size_t len)
{
	char val[PATH_MAX];
	struct outbuf o = { buf, len, 0, false };
	const char *s = entry, *name;
	size_t n, used;

	if (len == 0)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	if (s[0] == '~' && (s[1] == '/' || s[1] == '\0')) {
		out_append(&o, u->home, strlen(u->home));
		s++;
	}
	while (*s != '\0') {
		n = strcspn(s, "$");
		out_append(&o, s, n);
		s += n;
		if (*s != '$')
			break;
		s++;
		if ((used = var_span(s, &name, &n)) == 0 ||
		    var_value(name, n, u, val, sizeof(val)) < 0)
			return -ENOENT;
		out_append(&o, val, strlen(val));
		s += used;
	}
	if (o.overflow)
		return -ENAMETOOLONG;
	if (buf[0] != '/')
		return -EINVAL;
	return 0;
}

/* Is path already in l? */
static bool
strlist_has(const struct strlist *l, const char *path)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], path) == 0)
			return true;
	return false;
}

struct dir_id {
	dev_t	dev;
	ino_t	ino;
};

/*
 * Is the directory at path (expanded) one to list?  1: a new one, its
 * identity added to ids[*n]; 0: one already listed, or one that does not
 * exist or cannot be searched (skipped silently, as xpra does); -errno
 * from trust_open_dir() for one that exists but may not be trusted (a
 * symlink on the way, an unsafe owner or mode): listed, so that whoever
 * opens it again says why it is ignored.
 */
static int
dir_is_new(const char *path, uid_t uid, struct dir_id *ids, size_t *n)
{
	struct stat st;
	size_t i;
	int fd, r = 0;

	if ((fd = trust_open_dir(path, uid)) < 0)
		return fd == -ENOENT || fd == -EACCES || fd == -ENOTDIR ?
		    0 : fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	for (i = 0; i < *n; i++)
		if (ids[i].dev == st.st_dev && ids[i].ino == st.st_ino)
			return 0;
	ids[(*n)++] = (struct dir_id){ st.st_dev, st.st_ino };
	return 1;
}

int
sockdir_resolve(const struct strlist *entries, const struct sockdir_user *u,
    struct strlist *ret)
{
	char expanded[PATH_MAX];
	struct dir_id *ids;
	size_t i, n = 0;
	int r = 0;

	if ((ids = calloc(entries->n + 1, sizeof(*ids))) == NULL)
		return -ENOMEM;
	for (i = 0; i < entries->n && r >= 0; i++) {
		if (sockdir_expand(entries->v[i], u, expanded,
		    sizeof(expanded)) < 0 || strlist_has(ret, expanded) ||
		    dir_is_new(expanded, u->uid, ids, &n) == 0)
			continue;
		r = strlist_add(ret, expanded);
	}
	free(ids);
	return r < 0 ? r : 0;
}
