/*
 * handover.c - hand a server start over to the real xpra.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/stat.h>

#include "handover.h"
#include "log.h"

#define HANDOVER_MAX_ARGS	4096
#define DEFAULT_PATH		"/usr/bin:/bin"
/*
 * Set in the environment of the xpra we run: seeing it means that "xpra"
 * was a wrapper that ran this program again, which would loop.
 */
#define HANDOVER_MARK		"XPRA_PROXY_HANDED_OVER"

/* Is the file at path an executable that is not this program (self)? */
static bool
is_other_xpra(const char *path, const struct stat *self)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(path, X_OK) < 0)
		return false;
	return st.st_dev != self->st_dev || st.st_ino != self->st_ino;
}

/*
 * This program's file: the one /proc/self/exe names (valgrind, which
 * runs us inside its own executable, reports ours there), else the
 * link's own target.  0 or -errno.
 */
static int
self_stat(struct stat *st)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n > 0) {
		path[n] = '\0';
		if (stat(path, st) == 0)
			return 0;	/* else replaced (" (deleted)") */
	}
	return stat("/proc/self/exe", st) < 0 ? -errno : 0;
}

/* The first other xpra in PATH, into buf; false if there is none. */
static bool
find_xpra(const struct stat *self, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	int n;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_PATH;
	for (p = path; *p != '\0'; p = *end == ':' ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (*p != '/')
			continue;	/* "", ".", relative: never */
		n = snprintf(buf, len, "%.*s/xpra", (int)(end - p), p);
		if (n > 0 && (size_t)n < len && is_other_xpra(buf, self))
			return true;
	}
	return false;
}

int
handover_exec(char *const argv[])
{
	char path[PATH_MAX];
	char *args[HANDOVER_MAX_ARGS + 2];
	struct stat self;
	size_t i;

	if (getenv(HANDOVER_MARK) != NULL) {
		log_error("cannot run 'xpra %s': the xpra in PATH ran "
		    "xpra-proxy again", argv[0]);
		return EX_UNAVAILABLE;
	}
	if (self_stat(&self) < 0) {
		log_error("cannot run 'xpra %s': without /proc this program "
		    "cannot tell itself from xpra", argv[0]);
		return EX_UNAVAILABLE;
	}
	if (!find_xpra(&self, path, sizeof(path))) {
		log_error("cannot run 'xpra %s': no xpra in PATH (other than "
		    "xpra-proxy itself) to start or attach the session",
		    argv[0]);
		return EX_UNAVAILABLE;
	}
	args[0] = (char *)"xpra";
	for (i = 0; argv[i] != NULL && i < HANDOVER_MAX_ARGS; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	if (argv[i] != NULL) {
		log_error("cannot run 'xpra %s': too many arguments", argv[0]);
		return EX_USAGE;
	}
	log_debug("handing '%s' over to %s", argv[0], path);
	if (setenv(HANDOVER_MARK, "1", 1) < 0) {
		log_error("cannot run %s: %s", path, strerror(errno));
		return EX_OSERR;
	}
	execv(path, args);
	log_error("cannot run %s: %s", path, strerror(errno));
	return EX_OSERR;
}
