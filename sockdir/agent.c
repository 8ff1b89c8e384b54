/*
 * agent.c - ssh-agent forwarding into an xpra session directory: the
 * symlink <session dir>/ssh/<uuid> to the user's agent socket that the
 * server hands to the session's applications, made by fd and removed only
 * while it is still ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sockdir.h"

#define AGENT_SUBDIR	"ssh"

bool
agent_uuid_valid(const char *uuid)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	size_t n = strlen(uuid);

	/* the server's own links are "agent" and "agent.default" */
	return n > 0 && n <= AGENT_UUID_MAX && strspn(uuid, chars) == n &&
	    strcmp(uuid, "agent") != 0;
}

/* The agent must be a socket of uid's, named by an absolute path. */
static int
check_agent(const char *agent, uid_t uid)
{
	struct stat st;

	if (agent[0] != '/')
		return -EINVAL;
	if (strlen(agent) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (stat(agent, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	return st.st_uid == uid ? 0 : -EPERM;
}

/* Make room for the link: only a symlink (ours of old, or broken) goes. */
static int
clear_name(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISLNK(st.st_mode))
		return -EEXIST;		/* not ours to replace */
	return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

int
agent_link_create(const char *session_dir, uid_t uid, const char *uuid,
    const char *agent, struct agent_link *ret)
{
	struct agent_link l = AGENT_LINK_INIT;
	int sdir, r;

	if (!agent_uuid_valid(uuid))
		return -EINVAL;
	if ((r = check_agent(agent, uid)) < 0)
		return r;
	if ((sdir = trust_open_dir(session_dir, uid)) < 0)
		return sdir;
	/* made 0700 by the server: never by us, nor followed */
	l.dirfd = trust_open_subdir(sdir, AGENT_SUBDIR, uid);
	close(sdir);
	if (l.dirfd < 0)
		return l.dirfd;
	strlcpy(l.name, uuid, sizeof(l.name));
	strlcpy(l.target, agent, sizeof(l.target));
	if ((r = clear_name(l.dirfd, l.name)) < 0 ||
	    (r = symlinkat(l.target, l.dirfd, l.name) < 0 ? -errno : 0) < 0) {
		close(l.dirfd);
		return r;
	}
	*ret = l;
	return 0;
}

int
agent_link_remove(struct agent_link *l)
{
	char now[PATH_MAX];
	ssize_t n;
	int r = 0;

	if (l->dirfd < 0)
		return 0;
	n = readlinkat(l->dirfd, l->name, now, sizeof(now));
	if (n < 0)
		r = -errno;
	else if ((size_t)n != strlen(l->target) ||
	    memcmp(now, l->target, (size_t)n) != 0)
		r = -ESTALE;	/* replaced since: someone else's now */
	else if (unlinkat(l->dirfd, l->name, 0) < 0)
		r = -errno;
	close(l->dirfd);
	l->dirfd = -1;
	return r;
}
