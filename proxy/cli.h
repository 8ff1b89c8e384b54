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
#define AGENT_UUID_LEN		64	/* hex digits of SSH_AGENT_UUID */
#define CLI_ALLOW_MAX		32	/* displays in --allow-display */

enum proxy_command {
	CMD_RELAY,		/* [DISPLAY] or _proxy [DISPLAY] */
	CMD_LIST,		/* list */
	CMD_HELP,
	CMD_VERSION,
	CMD_INITENV,		/* "xpra initenv" when installed as xpra */
};

/* A display number allowed by --allow-display (no path: small). */
struct allowed_display {
	enum display_kind	 kind;		/* NUMBER or WAYLAND */
	unsigned int		 number;
};

struct proxy_opts {
	enum proxy_command	 command;
	bool			 xpra_argv;	/* the _proxy form */
	struct display		 display;	/* DISPLAY_NONE: pick */
	const char		*display_arg;	/* as given, or NULL */
	struct strlist		 socket_dirs;	/* --socket-dirs, accumulated */
	struct strlist		 socket_dir;	/* --socket-dir, to prepend */
	const char		*sessions_dir;	/* --sessions-dir */
	char			 agent_uuid[AGENT_UUID_LEN + 1]; /* or "" */
	struct strlist		 ignored;	/* xpra options ignored */
	int			 connect_timeout_ms;
	int			 wait_ms;
	int			 verbosity;	/* enum log_level */
	bool			 json;		/* list --json */
	bool			 restricted;	/* --restricted, -c, login shell */
	bool			 login_shell;	/* run as a login shell */
	const char		*login_command;	/* -c COMMAND, or NULL */
	struct allowed_display	 allowed[CLI_ALLOW_MAX]; /* --allow-display */
	size_t			 n_allowed;
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
