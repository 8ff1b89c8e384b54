/*
 * agentlink.c - the ssh-agent link of this process's relay.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agentlink.h"
#include "log.h"

static struct agent_link link_made = AGENT_LINK_INIT;

void
agentlink_begin(const struct context *ctx, const struct proxy_opts *o,
    const char *uuid, const char *label)
{
	const char *agent = getenv("SSH_AUTH_SOCK");
	char dir[PATH_MAX] = "";
	struct display d;
	int r;

	if (uuid[0] == '\0')
		return;
	if (display_parse(label, &d) < 0 || (d.kind != DISPLAY_NUMBER &&
	    d.kind != DISPLAY_WAYLAND)) {
		log_debug("no ssh-agent link: %s has no session directory",
		    label);
		return;
	}
	if (agent == NULL || agent[0] == '\0') {
		log_debug("no ssh-agent link: SSH_AUTH_SOCK is not set");
		return;
	}
	if ((r = context_session_dir(ctx, o, label, dir, sizeof(dir))) == 0)
		r = agent_link_create(dir, ctx->user.uid, uuid, agent,
		    &link_made);
	if (r < 0)
		log_debug("no ssh-agent link for %s in %s: %s", label, dir,
		    strerror(-r));
	else
		log_debug("ssh-agent link %s/ssh/%s to %s", dir, uuid, agent);
}

int
agentlink_dirfd(void)
{
	return link_made.dirfd;
}

void
agentlink_end(void)
{
	char name[sizeof(link_made.name)];
	int r;

	strlcpy(name, link_made.name, sizeof(name));
	if ((r = agent_link_remove(&link_made)) == -ENOENT)
		log_debug("ssh-agent link %s already removed", name);
	else if (r == -ESTALE)
		log_warn("ssh-agent link %s replaced while we ran: left alone",
		    name);
	else if (r < 0)
		log_warn("cannot remove the ssh-agent link %s: %s", name,
		    strerror(-r));
}
