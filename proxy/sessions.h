/*
 * sessions.h - every session in the socket directories: "list", and the
 * choice of the single live session when no display is given.  Neither
 * connects to a server when the kernel can say who listens.
 */
#ifndef SESSIONS_H
#define SESSIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "context.h"

/*
 * Print the sessions as "xpra list" does (or a JSON array with json) to
 * out.  Returns the number of sessions, or -errno.
 */
int	sessions_list(FILE *out, const struct context *ctx, bool json);

/*
 * Pick the one live display: entries labelled ":proxy-*" count only when
 * nothing else is live.  Returns 0 with the first socket of that display
 * in ret_path (size len) and its label (":100", ":wayland-0") in
 * ret_label (SOCKDIR_LABEL_MAX bytes), -ENOENT if none is live, -EEXIST
 * if several are (their labels, ", "-separated, in reterr_labels), or
 * -errno.
 */
int	sessions_pick(const struct context *ctx, char *ret_path, size_t len,
	    char *ret_label, char *reterr_labels, size_t labels_len);

/*
 * The live display whose session is named name: xpra 6 writes the name
 * into its session directory (context_session_dir(), session_read_name()),
 * so no server is asked.  Returns 0 with its label (":100") in ret_label
 * (SOCKDIR_LABEL_MAX bytes); -ENOENT if no live session has that name
 * (the live ones that have a name, as "label (name)", ", "-separated,
 * in reterr_names); -EEXIST if several have (their labels there); or
 * -errno.
 */
int	sessions_find_name(const struct context *ctx,
	    const struct proxy_opts *o, const char *name, char *ret_label,
	    char *reterr_names, size_t names_len);

/*
 * list --clean: remove the user's own sockets that are provably dead
 * (sockdir_remove_stale(): nobody listens, unchanged for two minutes) and
 * the session directories that leaves empty, each one journalled.
 * Returns the number removed, or -errno.
 */
int	sessions_clean(const struct context *ctx);

#endif /* SESSIONS_H */
