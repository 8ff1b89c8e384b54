/*
 * context.c - read the environment and the passwd entry once, and build
 * the socket directory list with xpra's precedence (SPEC §4.1).
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"

#define SESSIONS_DIR_DEFAULT	"$XDG_RUNTIME_DIR/xpra"	/* xpra's default */

/* xpra's own defaults, in order (xpra/platform/posix/paths.py). */
static const char *const default_dirs[] = {
	"$XDG_RUNTIME_DIR/xpra",
	"/run/xpra",
	"~/.xpra",
};

/* An absolute path without "." or ".." components. */
static bool
is_clean_absolute(const char *p)
{
	const char *c;
	size_t n;

	if (p[0] != '/')
		return false;
	for (c = p; *c != '\0'; c += n) {
		c += strspn(c, "/");
		n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
	}
	return true;
}

/* Letters, digits, '.', '-' and '_': what can be part of a file name. */
static bool
is_host_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= HOST_NAME_MAX && s[0] != '.' && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_") == n;
}

static int
init_user(struct context *ctx)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwuid(getuid())) == NULL)
		return errno != 0 ? -errno : -ENOENT;
	if (strlcpy(ctx->name, pw->pw_name, sizeof(ctx->name)) >=
	    sizeof(ctx->name) || strlcpy(ctx->home, pw->pw_dir,
	    sizeof(ctx->home)) >= sizeof(ctx->home))
		return -ENAMETOOLONG;
	ctx->user.uid = getuid();
	ctx->user.gid = getgid();
	ctx->user.name = ctx->name;
	ctx->user.home = ctx->home;
	ctx->user.runtime_dir = NULL;
	if (xdg != NULL && is_clean_absolute(xdg) && strlcpy(ctx->runtime_dir,
	    xdg, sizeof(ctx->runtime_dir)) < sizeof(ctx->runtime_dir))
		ctx->user.runtime_dir = ctx->runtime_dir;
	return 0;
}

static int
init_host(struct context *ctx, bool restricted)
{
	const char *env = restricted ? NULL : getenv("XPRA_SOCKET_HOSTNAME");

	if (env != NULL && is_host_name(env)) {
		strlcpy(ctx->host, env, sizeof(ctx->host));
		return 0;
	}
	if (gethostname(ctx->host, sizeof(ctx->host)) < 0)
		return -errno;
	ctx->host[sizeof(ctx->host) - 1] = '\0';
	/* It becomes part of a file name: no '/', no "..". */
	return is_host_name(ctx->host) ? 0 : -EINVAL;
}

/*
 * The unexpanded entries in effect, highest precedence last applied.  The
 * system configuration is read as xpra 3.1 to 5.x read it, xpra.conf over
 * conf.d/ (sockdir/conf.c says why), in restricted mode too: it is the
 * admin's, like argv.
 */
static int
effective_entries(const struct proxy_opts *o, const char *conf_dir,
    struct strlist *ret)
{
	struct strlist base = STRLIST_INIT;
	const char *env = o->restricted ? NULL : getenv("XPRA_SOCKET_DIRS");
	size_t i;
	int r = 0;

	if (o->socket_dirs.n > 0) {
		r = strlist_add_all(&base, &o->socket_dirs);
	} else if ((r = conf_socket_dirs(conf_dir, &base)) == 0) {
		if (env != NULL && *env != '\0')
			r = strlist_add_split(&base, env);
		for (i = 0; r == 0 && base.n == 0 &&
		    i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
			r = strlist_add(&base, default_dirs[i]);
	}
	if (r >= 0)
		r = strlist_add_all(ret, &o->socket_dir);
	if (r >= 0)
		r = strlist_add_all(ret, &base);
	strlist_clear(&base);
	return r < 0 ? r : 0;
}

int
context_init(struct context *ctx, const struct proxy_opts *o,
    const char *conf_dir)
{
	struct strlist entries = STRLIST_INIT;
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->user.uid = getuid();
	ctx->user.gid = getgid();
	/* A socket path given: no directory to search, nothing to read. */
	if (o->command == CMD_RELAY && o->display.kind == DISPLAY_PATH)
		return 0;
	if ((r = init_user(ctx)) < 0 || (r = init_host(ctx, o->restricted)) < 0)
		return r;
	if ((r = effective_entries(o, conf_dir, &entries)) == 0)
		r = sockdir_resolve(&entries, &ctx->user, &ctx->dirs);
	strlist_clear(&entries);
	return r;
}

void
context_free(struct context *ctx)
{
	if (ctx != NULL)
		strlist_clear(&ctx->dirs);
}

int
context_session_dir(const struct context *ctx, const struct proxy_opts *o,
    const char *label, char *buf, size_t len)
{
	const char *entry = o->sessions_dir != NULL && !o->restricted ?
	    o->sessions_dir : SESSIONS_DIR_DEFAULT;
	char sessions[PATH_MAX];
	int r;

	if ((r = sockdir_expand(entry, &ctx->user, sessions,
	    sizeof(sessions))) < 0)
		return r;
	return path_join(buf, len, sessions, label + (label[0] == ':'));
}
