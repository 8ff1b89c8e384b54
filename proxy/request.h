/*
 * request.h - restricted mode: what an ssh client asked for, read from
 * SSH_ORIGINAL_COMMAND or a login shell's -c argument.  Pure: no I/O, no
 * allocation, nothing executed, ever.  The input is hostile.
 *
 * Only the command shapes real xpra clients send are recognised (the
 * openssh backend's sh -c if/elif chain, the paramiko backend's
 * "<path>" "_proxy" ... and its probes); everything else is refused.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include "cli.h"
#include "sockdir.h"

#define REQUEST_MAX		8192	/* bytes; longer is refused, never cut */
#define REQUEST_WORDS_MAX	256	/* words after tokenising one level */
#define REQUEST_WORD_MAX	REQUEST_MAX	/* bytes of one word: a whole sh -c body */
#define REQUEST_DEPTH_MAX	3	/* nested sh -c quoting levels */

enum request_kind {
	REQUEST_REFUSE,		/* refused: see reason */
	REQUEST_RELAY,		/* relay to display, or to the session
				   named session_name (DISPLAY_NONE and
				   no name: pick) */
	REQUEST_PROBE,		/* answer at once, as a POSIX shell would */
};

enum request_probe {
	PROBE_NONE,
	PROBE_COMMAND,		/* "command": no output */
	PROBE_FIND,		/* "command -v X", "which X": print a path */
	PROBE_TYPE,		/* "type X": print "X is <path>" */
	PROBE_ECHO_OS,		/* "echo %OS%": print "%OS%" */
	PROBE_ECHO_OSTYPE,	/* "echo $OSTYPE": print "linux-gnu" */
};

enum request_reason {
	REASON_NONE,
	REASON_EMPTY,		/* nothing, or only blanks */
	REASON_TOO_LONG,	/* over REQUEST_MAX, a word or word count cap */
	REASON_BAD_BYTE,	/* a control byte or a non-ASCII byte */
	REASON_QUOTING,		/* unterminated quote, trailing backslash */
	REASON_SHELL_SYNTAX,	/* expansion, substitution, globbing, operators */
	REASON_UNKNOWN_COMMAND,	/* not a shape any xpra client sends */
	REASON_SUBCOMMAND,	/* an xpra subcommand other than _proxy */
	REASON_OPTION,		/* an option that is not allowed */
	REASON_DISPLAY,		/* not a display number */
	REASON_MISMATCH,	/* the branches of the chain disagree */
	REASON_TOO_DEEP,	/* sh -c nested deeper than REQUEST_DEPTH_MAX */
	REASON_NO_COMMAND,	/* no command at all: a shell or login request */
	REASON_NOT_ALLOWED,	/* a display the admin did not allow */
	REASON_START,		/* _proxy_start...: would start a server */
	REASON_COUNT,
};

struct request {
	enum request_kind	 kind;
	enum request_reason	 reason;	/* REQUEST_REFUSE only */
	enum request_probe	 probe;		/* REQUEST_PROBE only */
	struct display		 display;	/* REQUEST_RELAY only */
	char			 session_name[SESSION_NAME_MAX + 1]; /* or "" */
	char			 agent_uuid[AGENT_UUID_MAX + 1]; /* or "" */
	char			 probe_arg[REQUEST_WORD_MAX]; /* X of a probe */
};

/*
 * Decide what cmd asks for.  Always fills *ret (kind, and reason when
 * refused); never fails otherwise.  request_parse() itself never gives
 * REASON_NO_COMMAND or REASON_NOT_ALLOWED: those are the caller's.  A
 * relayed display is DISPLAY_NUMBER or DISPLAY_WAYLAND only, written
 * exactly ":N", "N" or "wayland-N".  A word that is none of those is a
 * session name if it starts with a letter and session_name_valid()
 * takes it: no display can be written that way, so neither xpra 3.1
 * nor 6.x reads it as one.  self, if not NULL, is the absolute
 * path the caller answers "command -v xpra" with: that exact path is
 * also accepted as the program (paramiko clients run what the probe
 * printed).  request_parse() is request_parse_self() with self NULL.
 */
void	request_parse_self(const char *cmd, const char *self,
	    struct request *ret);
void	request_parse(const char *cmd, struct request *ret);

/* A stable lower-case name for a reason ("shell-syntax"), for logs. */
const char	*request_reason_name(enum request_reason r);

#endif /* REQUEST_H */
