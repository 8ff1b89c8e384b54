/*
 * session.c - what an xpra session directory says about its session:
 * the name xpra 6 writes into its "config" file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sockdir.h"

#define SESSION_CONFIG		"config"
#define SESSION_CONFIG_MAX	(64 * 1024)	/* xpra's is ~2 KiB */
#define NAME_KEY		"session-name="

/* Read the whole config file of the session directory dirfd into buf. */
static ssize_t
read_config(int dirfd, uid_t uid, char *buf, size_t len)
{
	struct stat st;
	ssize_t n, got = 0;
	int fd;

	fd = openat(dirfd, SESSION_CONFIG, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) < 0) {
		n = -errno;
	} else if (!S_ISREG(st.st_mode) || st.st_uid != uid ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		n = -EPERM;	/* not the server's file */
	} else {
		while ((n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
			got += n;
		n = n < 0 ? -errno : got;
	}
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int
session_read_name(const char *session_dir, uid_t uid, char *buf, size_t len)
{
	char text[SESSION_CONFIG_MAX + 1], *line, *save = NULL;
	const char *name = NULL;
	ssize_t n;
	int dirfd;

	if ((dirfd = trust_open_dir(session_dir, uid)) < 0)
		return dirfd;
	n = read_config(dirfd, uid, text, sizeof(text));
	close(dirfd);
	if (n < 0)
		return (int)n;
	/* "key=value" lines; the last one of the key counts, as in xpra */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, NAME_KEY, sizeof(NAME_KEY) - 1) == 0)
			name = line + sizeof(NAME_KEY) - 1;
	if (name == NULL || name[0] == '\0')
		return -ENOENT;
	return strlcpy(buf, name, len) < len ? 0 : -ENAMETOOLONG;
}
