/*
 * conf.c - the "socket-dirs" setting of xpra's own configuration files,
 * read with xpra's precedence rules.
 *
 * File order: conf.d/ *.conf in name order first, xpra.conf last, so that
 * xpra.conf wins.  That is what xpra 3.1 to 5.x do (xpra/scripts/config.py
 * conf_files(), used by read_xpra_conf(), at v3.1.3, v4.4 and v5.0: "ie:
 * [".../conf.d/15_features.conf", ..., "/etc/xpra/xpra.conf"]"), what
 * Debian 12's xpra 3.1.3 does, and what the header of xpra.conf says in
 * every version up to master ("The configuration files in the conf.d
 * directory will be parsed first").  xpra 6.0 and later read xpra.conf
 * first and conf.d/ in unsorted glob order (read_xpra_conf() since commit
 * e0df5f35da, "simplify using glob", first in v6.0; still so in v6.5.3
 * and master), so there conf.d/ wins; README and xpra-proxy(1) say so.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockdir.h"

#define CONF_KEY	"socket-dirs"

static char *
trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int
conf_split_line(char *line, char **ret_key, char **ret_value)
{
	char *s, *eq;

	s = trim(line);
	if (*s == '\0' || *s == '#')
		return -ENOENT;
	if ((eq = strchr(s, '=')) == NULL) {
		*ret_key = s;
		*ret_value = s + strlen(s);
		return 0;
	}
	*eq = '\0';
	*ret_key = trim(s);
	*ret_value = trim(eq + 1);
	return 0;
}

/*
 * Collect the socket-dirs values of one file (at dirfd/name) into *ret.
 * Returns 1 if the file sets the key, 0 if not (or it cannot be read).
 */
static int
conf_read_file(int dirfd, const char *name, struct strlist *ret)
{
	struct strlist found = STRLIST_INIT;
	char *line = NULL, *key, *value;
	size_t cap = 0;
	FILE *f;
	int fd, r = 0;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return 0;
	}
	while (r == 0 && getline(&line, &cap, f) >= 0) {
		if (conf_split_line(line, &key, &value) < 0 ||
		    strcmp(key, CONF_KEY) != 0)
			continue;
		r = strlist_add_split(&found, value);
	}
	free(line);
	fclose(f);
	if (r < 0 || found.n == 0) {
		strlist_clear(&found);
		return r;
	}
	strlist_clear(ret);
	*ret = found;
	return 1;
}

static int
conf_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_conf_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && e->d_name[0] != '.' &&
	    strcmp(e->d_name + n - 5, ".conf") == 0;
}

/*
 * Read every conf.d/ *.conf of dfd in name order, then xpra.conf, each
 * replacing what the earlier ones set.  Returns 1, 0 or -errno as
 * conf_socket_dirs().
 */
static int
conf_read_all(int dfd, struct strlist *ret)
{
	struct dirent **names = NULL;
	int sub, n, i, found = 0, r = 0;

	sub = openat(dfd, SOCKDIR_CONF_SUBDIR, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	n = sub < 0 ? 0 : scandirat(sub, ".", &names, is_conf_name,
	    conf_name_cmp);
	for (i = 0; i < n; i++) {
		if (r >= 0 && (r = conf_read_file(sub, names[i]->d_name,
		    ret)) > 0)
			found = 1;
		free(names[i]);
	}
	free(names);
	if (sub >= 0)
		close(sub);
	/* Last, so that the admin's xpra.conf wins over packaged files. */
	if (r >= 0 && (r = conf_read_file(dfd, SOCKDIR_CONF_FILE, ret)) > 0)
		found = 1;
	return r < 0 ? r : found;
}

int
conf_socket_dirs(const char *confdir, struct strlist *ret)
{
	struct strlist dirs = STRLIST_INIT;
	int dfd, r;

	if ((dfd = open(confdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -errno;
	r = conf_read_all(dfd, &dirs);
	close(dfd);
	if (r > 0)
		*ret = dirs;
	else
		strlist_clear(&dirs);
	return r;
}
