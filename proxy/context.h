/*
 * context.h - who we are and where sockets are: the user, the host name
 * used in socket names, and the socket directories in effect.  The one
 * place that reads the environment and xpra's configuration.
 */
#ifndef CONTEXT_H
#define CONTEXT_H

#include <limits.h>

#include "cli.h"
#include "sockdir.h"

struct context {
	struct sockdir_user	 user;	/* strings point into the fields below */
	char			 name[LOGIN_NAME_MAX + 1];
	char			 home[PATH_MAX];
	char			 runtime_dir[PATH_MAX];
	char			 host[HOST_NAME_MAX + 1];
	struct strlist		 dirs;	/* canonical, in search order */
};

/*
 * Fill ctx for the calling user: passwd entry (never $HOME), a usable
 * $XDG_RUNTIME_DIR, the host name ($XPRA_SOCKET_HOSTNAME if valid, else
 * gethostname()), and the directory list: built-in defaults, replaced by
 * $XPRA_SOCKET_DIRS, replaced by xpra's system configuration (conf_dir),
 * replaced by --socket-dirs, with --socket-dir prepended.  In restricted
 * mode (o->restricted) the XPRA_* variables are the client's to set and
 * are ignored.  To relay to a socket path, only the uid and gid are
 * filled: there is nothing to search.  Returns 0, -ENOENT (no passwd
 * entry), -EINVAL (the host name is not a file name: '/', a leading
 * '.', bytes other than letters, digits, '.', '-', '_') or -errno.  Free
 * with context_free().
 */
int	context_init(struct context *ctx, const struct proxy_opts *o,
	    const char *conf_dir);

/*
 * The session directory of the display labelled label (":100",
 * "wayland-0") into buf, as xpra's get_session_dir(): the label without
 * its ':' in the sessions directory, $XDG_RUNTIME_DIR/xpra (expanded as
 * a socket-dirs entry), or --sessions-dir outside restricted mode.
 * Returns 0 or -errno as sockdir_expand() and path_join().
 */
int	context_session_dir(const struct context *ctx,
	    const struct proxy_opts *o, const char *label, char *buf,
	    size_t len);

/* Release the lists of ctx.  NULL-safe. */
void	context_free(struct context *ctx);

#endif /* CONTEXT_H */
