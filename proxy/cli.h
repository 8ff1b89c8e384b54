/*
 * cli.h - the trusted command line: xpra-proxy's own argv and xpra's
 * "_proxy" argv, parsed into struct proxy_opts.  No I/O, no environment.
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "sockdir.h"

#define CLI_ERR_MAX		256
#define CLI_TIMEOUT_MAX_MS	(3600 * 1000)
#define CLI_CONNECT_TIMEOUT_MS	5000	/* --connect-timeout default */
#define CLI_WAIT_MS		10000	/* --wait default */
#define CLI_ALLOW_MAX		32	/* displays in --allow-display */
#define CLI_FORCED_WORDS	32	/* words of a forced command line */
#define CLI_FORCED_MAX		1024	/* bytes of a forced command line */

enum proxy_command {
	CMD_RELAY,		/* [DISPLAY] or _proxy [DISPLAY] */
	CMD_LIST,		/* list */
	CMD_HELP,
	CMD_VERSION,
	CMD_INITENV,		/* "xpra initenv" when installed as xpra */
	CMD_HANDOVER,		/* _proxy_start...: the real xpra's to run */
};

/* A display number allowed by --allow-display (no path: small). */
struct allowed_display {
	enum display_kind	 kind;		/* NUMBER or WAYLAND */
	unsigned int		 number;
};

struct proxy_opts {
	enum proxy_command	 command;
	struct display		 display;	/* DISPLAY_NONE: pick */
	const char		*display_arg;	/* as given, or NULL */
	const char		*session_name;	/* a name given, not a display */
	struct strlist		 socket_dirs;	/* --socket-dirs, accumulated */
	struct strlist		 socket_dir;	/* --socket-dir, to prepend */
	const char		*sessions_dir;	/* --sessions-dir */
	char			 agent_uuid[AGENT_UUID_MAX + 1]; /* or "" */
	struct strlist		 ignored;	/* xpra options ignored */
	int			 connect_timeout_ms;
	int			 wait_ms;
	int			 verbosity;	/* enum log_level */
	bool			 json;		/* list --json */
	bool			 clean;		/* list --clean */
	bool			 restricted;	/* --restricted, -c, login shell */
	bool			 login_shell;	/* run as a login shell */
	const char		*login_command;	/* -c COMMAND, or NULL */
	bool			 forced;	/* COMMAND was our own line */
	char			*forced_text;	/* its words (owned) */
	char			*forced_argv[CLI_FORCED_WORDS + 1];
	struct allowed_display	 allowed[CLI_ALLOW_MAX]; /* --allow-display */
	size_t			 n_allowed;
	char *const		*handover_argv;	/* from the _proxy_* word on */
};

/*
 * The --help text: every option the parser knows (tests/check-interface.sh
 * holds it, the man page and the bash completion to the same list).
 */
extern const char cli_usage[];

/* Defaults, no lists allocated.  Infallible. */
void	cli_init(struct proxy_opts *o);

/*
 * Parse argv into o (initialised with cli_init()).  argv[0]'s basename
 * "xpra" also allows "initenv".  As a login shell (argv[0] starting with
 * '-', or "-c COMMAND" first) argv is the client's: nothing else is read
 * from it and o->restricted is set, with login_command NULL unless it is
 * exactly "-c COMMAND".  Strings in o point into argv.  Returns 0,
 * -EINVAL with a one-line reason in err, or -ENOMEM.
 */
int	cli_parse(int argc, char *const argv[], struct proxy_opts *o,
	    char *err, size_t errlen);

/*
 * As a login shell run with "-c COMMAND" (cli_parse() set login_command):
 * is COMMAND the administrator's xpra-proxy command line, a ForceCommand
 * or authorized_keys command= that sshd runs through the login shell?  It
 * is when COMMAND, split at blanks (no quoting, no expansion: bytes of
 * [A-Za-z0-9/._,:=+@%~-] and blanks only, at most CLI_FORCED_WORDS words
 * and CLI_FORCED_MAX bytes), is a first word whose basename is
 * "xpra-proxy" or which is exactly self (/proc/self/exe, or NULL), then
 * only options ("-x", "--x", "--x=v"; never "-c" or "--").  Then o is
 * parsed again from those words as xpra-proxy's own argv and set
 * restricted, login_shell and forced: the request is
 * SSH_ORIGINAL_COMMAND, never COMMAND.  Returns 1 so, 0 when COMMAND is
 * not such a line (it is the client's request; o unchanged), -EINVAL with
 * a one-line reason in err (a bad option, --help, --version), or -ENOMEM.
 */
int	cli_parse_forced(const char *self, struct proxy_opts *o, char *err,
	    size_t errlen);

/* Free the lists of o.  NULL-safe. */
void	cli_free(struct proxy_opts *o);

/*
 * Parse --allow-display's list, "100,101" or ":100,wayland-0", into o.
 * Returns 0 or -EINVAL.
 */
int	cli_parse_allowed(const char *list, struct proxy_opts *o);

/* Parse seconds, "10" or "0.5", into milliseconds.  0 or -EINVAL. */
int	cli_parse_seconds(const char *s, int *ret_ms);

#endif /* CLI_H */
