/* fixture.c - scratch directories and real sockets for the unit tests. */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tests.h"

static char root[] = "/tmp/xpxunit.XXXXXX";

static void
remove_root(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		warnx("could not remove %s", root);
}

const char *
fixture_dir(void)
{
	static char path[64];
	static int n;

	if (n == 0) {
		if (mkdtemp(root) == NULL)
			err(1, "mkdtemp");
		atexit(remove_root);
	}
	snprintf(path, sizeof(path), "%s/%d", root, ++n);
	if (mkdir(path, 0700) < 0)
		err(1, "mkdir %s", path);
	return path;
}

const char *
fixture_path(const char *dir, const char *name)
{
	static char paths[4][8192];	/* several may be in one call */
	static unsigned int next;
	char *path = paths[next++ % 4];

	if ((size_t)snprintf(path, sizeof(paths[0]), "%s/%s", dir, name) >=
	    sizeof(paths[0]))
		errx(1, "fixture path too long");
	return path;
}

/* Bind a socket at path, relative to its directory when it is long. */
static int
bind_at(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[8192], cwd[8192];
	const char *name = path;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		err(1, "socket");
	if (strlen(path) >= sizeof(sun.sun_path)) {
		name = strrchr(path, '/') + 1;
		snprintf(dir, sizeof(dir), "%.*s", (int)(name - path), path);
		if (getcwd(cwd, sizeof(cwd)) == NULL || chdir(dir) < 0)
			err(1, "chdir %s", dir);
	}
	strlcpy(sun.sun_path, name, sizeof(sun.sun_path));
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		err(1, "bind %s", path);
	if (name != path && chdir(cwd) < 0)
		err(1, "chdir back");
	return fd;
}

int
fixture_listen(const char *path)
{
	int fd = bind_at(path);

	if (listen(fd, 8) < 0)
		err(1, "listen");
	return fd;
}

void
fixture_stale(const char *path)
{
	close(bind_at(path));
}

pid_t
fixture_fork(const int *keep, size_t n)
{
	pid_t pid;
	size_t i;
	int fd;

	if ((pid = fork()) < 0)
		err(1, "fork");
	if (pid > 0)
		return 0 + pid;
	/* An inherited pipe end would hide EOF from the other side. */
	for (fd = 3; fd < 1024; fd++) {
		for (i = 0; i < n && keep[i] != fd; i++)
			;
		if (i == n)
			close(fd);
	}
	return 0;
}
