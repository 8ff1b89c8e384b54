/*
 * agentlink.h - ssh-agent forwarding for the one relay of this process
 * (SPEC §7): <sessions dir>/<display>/ssh/<uuid> links to $SSH_AUTH_SOCK
 * while the relay runs, as "xpra _proxy" 4.4 and later make it, and is
 * removed when the relay ends, at its end or on SIGTERM, SIGHUP or SIGINT
 * (xpra leaves it, #2303).
 */
#ifndef AGENTLINK_H
#define AGENTLINK_H

#include "cli.h"
#include "context.h"

/*
 * Make the link for the session labelled label (":100", "wayland-0",
 * ":wayland-0"; a socket path has no session directory: no link) when
 * the client sent an agent uuid (uuid, "" if not) and
 * SSH_AUTH_SOCK names the user's agent.  The sessions directory is
 * $XDG_RUNTIME_DIR/xpra, as xpra's, or the client's --sessions-dir
 * outside restricted mode.  Forwarding is the client's wish, not a
 * condition of relaying: every reason not to link is a debug message.
 */
void	agentlink_begin(const struct context *ctx, const struct proxy_opts *o,
	    const char *uuid, const char *label);

/* The link's directory, which the sandbox must let us remove it from; -1. */
int	agentlink_dirfd(void);

/*
 * Remove the link if it is still ours; a warning if it cannot be (one
 * replaced meanwhile, or a sandbox without Landlock, which cannot allow
 * removing just that link).
 */
void	agentlink_end(void);

#endif /* AGENTLINK_H */
