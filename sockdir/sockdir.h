/*
 * sockdir.h - find an xpra server's unix socket the way "xpra list" does,
 * and connect to it safely.
 *
 * Nothing in sockdir/ logs, exits, prints or reads the environment: callers
 * pass everything in and get a value or -errno back, so every function can
 * be tested against a temporary directory without a real xpra server.
 * Output parameters named ret_* are written only on success.
 */
#ifndef SOCKDIR_H
#define SOCKDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <time.h>

#define DISPLAY_MAX		INT_MAX	/* largest display number */
#define SOCKDIR_STALE_RECENT	120	/* s: a stale socket this young may be starting */
#define SOCKDIR_CONF_FILE	"xpra.conf"
#define SOCKDIR_CONF_SUBDIR	"conf.d"
#define SOCKDIR_LABEL_MAX	64	/* ":proxy-1234567", ":wayland-3" */

/* --- strlist.c: a growable list of owned strings ------------------------ */

struct strlist {
	char	**v;
	size_t	  n;
};

#define STRLIST_INIT	{ NULL, 0 }

/* Append a copy of s.  Returns 0 or -ENOMEM. */
int	strlist_add(struct strlist *l, const char *s);

/* Append a copy of each non-empty ':'-separated part of s. 0 or -ENOMEM. */
int	strlist_add_split(struct strlist *l, const char *s);

/* Append copies of every string of src.  Returns 0 or -ENOMEM. */
int	strlist_add_all(struct strlist *l, const struct strlist *src);

/* Free every string and the vector; leaves an empty list.  NULL-safe. */
void	strlist_clear(struct strlist *l);

/*
 * Write "dir/name" into buf, without doubling a '/' that ends dir (as
 * Python's os.path.join, so that paths read as xpra prints them).
 * Returns 0 or -ENAMETOOLONG (never a truncated path).
 */
int	path_join(char *buf, size_t len, const char *dir, const char *name);

/* --- display.c: the one display grammar --------------------------------- */

enum display_kind {
	DISPLAY_NONE,		/* not given: pick the single live session */
	DISPLAY_NUMBER,		/* ":N", "N", ":N.S" */
	DISPLAY_WAYLAND,	/* "wayland-N", ":wayland-N" */
	DISPLAY_PATH,		/* "/path", "socket:///path", "socket:/path" */
};

struct display {
	enum display_kind	 kind;
	unsigned int		 number;	/* NUMBER and WAYLAND */
	char			 path[PATH_MAX];	/* PATH only */
};

/*
 * Parse a display argument: ":N", "N", ":N.S" (screen dropped),
 * "wayland-N" (or ":wayland-N", as "list" labels it), "socket:///path",
 * "socket:/path" or "/path", each with an optional ",key=value..." suffix
 * that is ignored.  N is decimal without
 * sign or leading zero, at most DISPLAY_MAX.  Returns 0, -EINVAL or
 * -ENAMETOOLONG; *ret written only on success.
 */
int	display_parse(const char *s, struct display *ret);

/*
 * Write the display as xpra labels it (":100", "wayland-0", or the path)
 * into buf.  Returns 0 or -ENAMETOOLONG.
 */
int	display_label(const struct display *d, char *buf, size_t len);

/*
 * Write the flat socket name "<host>-<N>" or "<host>-wayland-<N>" into buf.
 * Returns 0, -EINVAL (a PATH or NONE display) or -ENAMETOOLONG.
 */
int	display_flat_name(const struct display *d, const char *host, char *buf,
	    size_t len);

/*
 * A session name as xpra-proxy looks one up (--session-name of xpra): 1
 * to SESSION_NAME_MAX of [A-Za-z0-9_.-] starting with a letter or digit,
 * without "wayland-" (xpra's rule: a display), not only digits and dots
 * (xpra reads "0100" as :100, "1.2" as a display too), and not a display (display_parse() refuses it:
 * "100" is a display, so a display number always wins).  Never a path:
 * no '/'.
 */
#define SESSION_NAME_MAX	64
bool	session_name_valid(const char *s);

/*
 * Write the abstract socket name an xpra >= 6.0 server on Linux binds for
 * the display, as xpra prints it: "@xpra/<N>" or "@xpra/wayland-<N>"
 * (the '@' stands for the leading NUL byte).  Returns 0, -EINVAL (a PATH
 * or NONE display) or -ENAMETOOLONG.
 */
int	display_abstract_name(const struct display *d, char *buf, size_t len);

/* --- dirs.c: the socket directory list ---------------------------------- */

/* Who we are; filled by the program, never from the environment here. */
struct sockdir_user {
	uid_t		 uid;
	gid_t		 gid;
	const char	*name;		/* passwd name */
	const char	*home;		/* passwd home directory */
	const char	*runtime_dir;	/* $XDG_RUNTIME_DIR if usable, or NULL */
};

/*
 * Expand one socket-dirs entry as xpra does: a leading "~" or "~/", and
 * $UID, $GID, $HOME, $USER, $XDG_RUNTIME_DIR (also as ${NAME}).  $HOME is
 * the passwd home; an unset runtime dir expands to /run/user/<uid>.
 * Returns 0, -ENOENT (an unknown $VAR: skip the entry), -EINVAL (empty or
 * relative result) or -ENAMETOOLONG.  buf written only on success.
 */
int	sockdir_expand(const char *entry, const struct sockdir_user *u,
	    char *buf, size_t len);

/*
 * Expand every entry and keep the first of each distinct directory, in
 * order, named as expanded (as "xpra list" 3.1 names it), not resolved.
 * Directories are told apart by the device and inode of what
 * trust_open_dir() opens; no symlink is followed.  An entry that does not
 * expand, does not exist or cannot be searched is skipped silently; one
 * that exists but fails trust_open_dir() (a symlink on the way, an unsafe
 * owner or mode) is kept once, so that the scan or lookup that opens it
 * says why it is ignored.  Returns 0 or -ENOMEM; *ret (empty on entry)
 * receives absolute paths.
 */
int	sockdir_resolve(const struct strlist *entries,
	    const struct sockdir_user *u, struct strlist *ret);

/* --- conf.c: xpra's own configuration files ----------------------------- */

/*
 * Split one configuration line in place into key and value: "key = value",
 * "key=value" or a bare "key" (value "").  Blank lines and '#' comments
 * give -ENOENT.  Returns 0 or -ENOENT; pointers point into line.
 */
int	conf_split_line(char *line, char **ret_key, char **ret_value);

/*
 * Read the "socket-dirs" setting the way xpra 3.1 to 5.x do from
 * confdir/conf.d/ *.conf (in name order) then confdir/xpra.conf, so that
 * xpra.conf wins: repeated keys in one file make a list, a later file
 * replaces an earlier one's list, values are split on ':'.  Returns 1
 * with *ret filled, 0 when no file sets it (or confdir does not exist),
 * or -errno.
 */
int	conf_socket_dirs(const char *confdir, struct strlist *ret);

/* --- trust.c: opening directories by file descriptor -------------------- */

/*
 * Open an absolute directory path for lookups, component by component with
 * O_PATH|O_NOFOLLOW.  Every component must be owned by root or uid and,
 * if group- or other-writable, sticky; the directory itself must be owned
 * by uid and not group- or other-writable, or owned by root and sticky
 * (like /run/xpra).  Returns an O_PATH|O_CLOEXEC fd, or -ENOENT, -ELOOP
 * (a symlink), -ENOTDIR, -EPERM (unsafe owner or mode), -ENAMETOOLONG.
 */
int	trust_open_dir(const char *path, uid_t uid);

/*
 * Open the subdirectory name of dirfd (an xpra session directory) with
 * O_PATH|O_NOFOLLOW; it must be owned by uid and not group- or
 * other-writable.  Returns an fd or -errno as trust_open_dir().
 */
int	trust_open_subdir(int dirfd, const char *name, uid_t uid);

/*
 * The two steps of trust_open_subdir(), for a caller that reports an
 * untrusted session directory rather than skipping it:
 * trust_open_nofollow() opens name in dirfd as an O_PATH|O_CLOEXEC
 * directory without following it (an fd, or -ELOOP for a symlink,
 * -ENOTDIR, -ENOENT, -errno; no owner or mode check);
 * trust_check_subdir() says whether the directory open as fd may be
 * trusted as a session directory of uid's: 0, -EPERM, or -errno.
 */
int	trust_open_nofollow(int dirfd, const char *name);
int	trust_check_subdir(int fd, uid_t uid);

/* --- sock.c: connecting, and what "xpra list" calls a state ------------- */

enum sock_state {
	SOCK_LIVE,		/* a server of ours answers */
	SOCK_UNKNOWN,		/* the file exists but nobody answers: stale, or starting */
	SOCK_DEAD,		/* no such file */
	SOCK_INACCESSIBLE,	/* EACCES, not ours, a symlink, or another uid listens */
};

/* Why a candidate was or was not used, finer than its state. */
enum sock_verdict {
	SOCK_OK,		/* connected; the peer runs as uid */
	SOCK_MISSING,		/* ENOENT */
	SOCK_NOT_SOCKET,	/* a file of another type: never a candidate */
	SOCK_SYMLINK,		/* never followed */
	SOCK_FOREIGN_OWNER,	/* the socket file belongs to another uid */
	SOCK_FOREIGN_PEER,	/* the listener runs as another uid */
	SOCK_DENIED,		/* EACCES or EPERM from connect(2) */
	SOCK_REFUSED,		/* ECONNREFUSED: nobody listens */
	SOCK_TIMEOUT,		/* the listener did not accept in time */
	SOCK_UNSAFE_DIR,	/* a directory on the way failed trust_open_dir() */
	SOCK_ERROR,		/* any other error; see err */
};

struct sock_probe {
	enum sock_verdict	 verdict;
	int			 err;	/* errno behind the verdict, or 0 */
	uid_t			 owner;	/* socket file owner, if it was seen */
	uid_t			 peer;	/* listener uid, SOCK_OK/FOREIGN_PEER */
	time_t			 mtime;	/* socket file mtime, if it was seen */
};

/* The state "xpra list" would show for a verdict. */
enum sock_state	sock_state_of(enum sock_verdict v);

/* "LIVE", "UNKNOWN", "DEAD" or "INACCESSIBLE". */
const char	*sock_state_name(enum sock_state s);

/*
 * Classify a candidate socket file for uid from its lstat(2), st: the one
 * place that decides what "xpra list" and a lookup make of a file.  Fills
 * p->owner, p->mtime, p->verdict and p->err: SOCK_OK for a socket of
 * uid's that uid may connect to, else SOCK_SYMLINK, SOCK_NOT_SOCKET,
 * SOCK_FOREIGN_OWNER or SOCK_DENIED (the owner may not write to it, and
 * uid is not root).  Returns p->verdict == SOCK_OK.
 */
bool	sock_classify(const struct stat *st, uid_t uid, struct sock_probe *p);

/*
 * Connect to the socket name in the directory dirfd without following a
 * symlink: open it O_PATH|O_NOFOLLOW, require sock_classify() to accept
 * it, connect through /proc/self/fd (or fchdir when /proc is missing)
 * within timeout_ms, then require SO_PEERCRED uid == uid.  *ret_probe is
 * always written.  Returns a connected non-blocking SOCK_CLOEXEC fd, or
 * -errno (the verdict tells why; -EINTR: a signal handler interrupted the
 * connect, never retried here).  The caller owns the fd.
 */
int	sock_connect_at(int dirfd, const char *name, uid_t uid, int timeout_ms,
	    struct sock_probe *ret_probe);

/*
 * Connect to the abstract socket name ("@..." as display_abstract_name()
 * writes it) within timeout_ms, then require SO_PEERCRED uid == uid: an
 * abstract name has no owner or mode, anyone may bind it first.  *ret_probe
 * is always written (owner and mtime unknown); nobody bound to the name
 * is SOCK_MISSING.  Returns a connected non-blocking SOCK_CLOEXEC fd, or
 * -errno as sock_connect_at() (-EINVAL: no '@' or nothing after it,
 * -ENAMETOOLONG: longer than a socket address takes).
 */
int	sock_connect_abstract(const char *name, uid_t uid, int timeout_ms,
	    struct sock_probe *ret_probe);

/* --- listeners.c: which socket files have a listener, without connecting */

struct sock_listener {
	uint64_t	dev;	/* st_dev of the bound file */
	uint64_t	ino;	/* st_ino, as the kernel reports it (32 bits) */
	int64_t		uid;	/* the listener's uid, or -1 if the kernel hides it */
};

struct sock_listeners {
	struct sock_listener	*v;
	size_t			 n;
};

/*
 * Ask the kernel (NETLINK_SOCK_DIAG) for every listening AF_UNIX socket
 * bound to a file.  Returns 0 with *ret filled (free with
 * sock_listeners_free()), or -errno when the kernel cannot tell.
 */
int	sock_listeners_get(struct sock_listeners *ret);

/* The listener bound to the file with this st_dev/st_ino, or NULL. */
const struct sock_listener *sock_listeners_find(const struct sock_listeners *l,
	    dev_t dev, ino_t ino);

/* Release what sock_listeners_get() filled.  NULL-safe, idempotent. */
void	sock_listeners_free(struct sock_listeners *l);

/* --- agent.c: ssh-agent forwarding into a session directory ------------ */

#define AGENT_UUID_MAX	128

/*
 * An SSH_AGENT_UUID every xpra server version from 4.4 on takes as a link
 * name: 1 to AGENT_UUID_MAX of [A-Za-z0-9_-] ('/' and '.' are refused by
 * 6.x, the rest by master's valid_uuid()), and not "agent" (the server's
 * own link).  Clients send a 64-digit hex digest.
 */
bool	agent_uuid_valid(const char *uuid);

struct agent_link {
	int	dirfd;			/* <session dir>/ssh, O_PATH; or -1 */
	char	name[AGENT_UUID_MAX + 1];
	char	target[PATH_MAX];	/* what the link points at */
};

#define AGENT_LINK_INIT	{ -1, "", "" }

/*
 * Make <session_dir>/ssh/<uuid> a symbolic link to agent, as "xpra _proxy"
 * 4.4 and later do for the server to pass on to the session.  session_dir
 * is opened with trust_open_dir() and its "ssh" subdirectory (the
 * server's, never made here) with trust_open_subdir(); agent must be an
 * absolute path to a socket of uid's.  A symlink already at that name
 * (an older link, a broken one) is replaced, anything else is left alone.
 * Returns 0 with *ret filled (it holds the directory open until
 * agent_link_remove()), or -EINVAL (a bad uuid or relative agent),
 * -ENOTSOCK, -EPERM (not uid's, or an unsafe directory), -ENOENT (no
 * session directory, no ssh/, no agent), -EEXIST (not a symlink there),
 * -ELOOP, -errno.
 */
int	agent_link_create(const char *session_dir, uid_t uid, const char *uuid,
	    const char *agent, struct agent_link *ret);

/*
 * Remove the link agent_link_create() made, only if it still points where
 * it did (unlinkat() and readlinkat() on l->dirfd alone, so that it works
 * inside the relay's sandbox); close the directory.  Returns 0 (also when
 * l holds nothing), -ESTALE (replaced since: left alone), or -errno.
 */
int	agent_link_remove(struct agent_link *l);

/* --- session.c: what a session directory says ---------------------------- */

/*
 * The session's name as xpra 6 writes it (a "session-name=" line of the
 * "config" file in the session directory, there only when the name was
 * set), into buf.  The directory is opened with trust_open_dir(), the file
 * without following a link and only if it is uid's regular file that
 * nobody else may write.  Returns 0, -ENOENT (no file, or no name in it),
 * -EPERM, -ENAMETOOLONG, or -errno.
 */
int	session_read_name(const char *session_dir, uid_t uid, char *buf,
	    size_t len);

/* --- clean.c: removing what dead servers left --------------------------- */

/*
 * Remove the socket file at the absolute path if it is provably dead and
 * uid's: its directory passes trust_open_dir(), it is a socket (not a
 * link) owned by uid, unchanged for SOCKDIR_STALE_RECENT seconds before
 * now (younger: a server may be starting), and nobody listens on it (the
 * listener table ls, or, when ls is NULL, a connection refused).  A
 * session directory "<dir>/<N>" whose "socket" it was is removed too if
 * that left it empty.  Returns 0, -EBUSY (live, starting, or replaced
 * meanwhile: left), -EPERM (someone else's), -ENOTSOCK, -EINVAL (not
 * absolute), or -errno.
 */
int	sockdir_remove_stale(const char *path, uid_t uid,
	    const struct sock_listeners *ls, time_t now);

/* --- scan.c: enumerating sessions --------------------------------------- */

struct sockdir_entry {
	const char	*key;		/* what xpra list prints: dir or dir/N */
	const char	*path;		/* full socket path */
	char		 label[SOCKDIR_LABEL_MAX];	/* ":100", ":wayland-0" */
	enum sock_state	 state;
	uid_t		 owner;
	time_t		 mtime;
};

typedef void	(*sockdir_entry_fn)(void *arg, const struct sockdir_entry *e);

/*
 * Call fn for every xpra socket in dir, in xpra's order: session
 * directories "<N>/socket" in numeric order, then flat "<host>-*" names in
 * byte order (other hosts' names are ignored).  States come from the
 * listener table when ls is non-NULL, so no server sees a connection;
 * otherwise each socket is probed with a connection that is closed at once.
 * Returns the number of entries, or -errno if dir cannot be opened.
 */
int	sockdir_scan(const char *dir, const char *host, uid_t uid,
	    const struct sock_listeners *ls, sockdir_entry_fn fn, void *arg);

/* --- find.c: the connection to relay ------------------------------------ */

/* Called for each existing candidate that was not used. */
typedef void	(*sockdir_skip_fn)(void *arg, const char *path,
		    const struct sock_probe *p);

struct sockdir_lookup {
	/* in */
	const struct strlist	*dirs;		/* from sockdir_resolve() */
	const char		*host;		/* flat name prefix */
	uid_t			 uid;
	int			 timeout_ms;	/* per connect */
	sockdir_skip_fn		 skipped;	/* may be NULL */
	void			*arg;
	/* out, written by every call */
	char			 path[PATH_MAX];	/* the socket used */
	time_t			 newest_stale;	/* newest UNKNOWN mtime, or 0 */
	bool			 saw_inaccessible;
};

/*
 * Connect to display d: for each directory in order try "<N>/socket", then
 * the flat name, then the abstract socket (display_abstract_name()), and
 * return the first that is LIVE, keeping that connection (it is the one
 * to relay: nothing connects twice).  A PATH display is tried alone.
 * Returns a connected fd (l->path names it), or
 * -ENOENT (nothing there), -ECONNREFUSED (only stale sockets), -EACCES
 * (only inaccessible ones), -EINVAL (d is DISPLAY_NONE), -ENOMEM, or
 * -EINTR (a signal interrupted a connect: the lookup stopped there).
 */
int	sockdir_connect(struct sockdir_lookup *l, const struct display *d);

/*
 * Connect to the socket at an absolute path with the same checks: the
 * directory through trust_open_dir(), the socket through
 * sock_connect_at().  Returns an fd or -errno; *ret_probe always written.
 */
int	sockdir_connect_path(const char *path, uid_t uid, int timeout_ms,
	    struct sock_probe *ret_probe);

#endif /* SOCKDIR_H */
