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

/* Is the file at path an executable that is not this program? */
static bool
is_other_xpra(const char *path, const struct stat *self)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(path, X_OK) < 0)
		return false;
	return self == NULL || st.st_dev != self->st_dev ||
	    st.st_ino != self->st_ino;
}

/* The first other xpra in PATH, into buf; false if there is none. */
static bool
find_xpra(char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat self_st, *self = &self_st;
	int n;

	if (stat("/proc/self/exe", &self_st) < 0)
		self = NULL;	/* no /proc: only a name can tell */
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
	size_t i;

	if (!find_xpra(path, sizeof(path))) {
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
	execv(path, args);
	log_error("cannot run %s: %s", path, strerror(errno));
	return EX_OSERR;
}
