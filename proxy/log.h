/*
 * log.h - diagnostics: stderr (which the ssh user sees) and the systemd
 * journal.  Never stdout: stdout is the wire.  The only module with state.
 */
#ifndef LOG_H
#define LOG_H

#include <stdint.h>
#include <syslog.h>

/* Stable MESSAGE_IDs, one per kind of event (journalctl MESSAGE_ID=...). */
#define LOG_ID_SESSION_END	"a739d9cb45ba4a65af244fa4c599ea21"
#define LOG_ID_NO_SESSION	"c686c30bf35d499c876d618ab276b829"
#define LOG_ID_SOCKET_SKIPPED	"64c718daf34d44ec96b7785a1c68c21b"
#define LOG_ID_REQUEST_ACCEPTED	"e5e74a1bf1b64565a64019743df8fc7a"
#define LOG_ID_REQUEST_PROBE	"538d03437ec743498e035a699ec315df"
#define LOG_ID_REQUEST_REFUSED	"80bac464cb6e4bba817d4028cee298d6"
#define LOG_ID_SOCKET_REMOVED	"3f0e8b2c6d7a4e51a9c2b7d4e8f10a63"

enum log_level {
	LOG_QUIET = -1,		/* errors only */
	LOG_NORMAL = 0,		/* errors and warnings */
	LOG_VERBOSE = 1,	/* and notices, info */
	LOG_DEBUG_LEVEL = 2,	/* and debug */
};

/* Structured fields of one journal record; NULL / -1 fields are left out. */
struct log_fields {
	const char	*display;
	const char	*socket;
	const char	*reason;
	int64_t		 bytes_up;	/* client to server */
	int64_t		 bytes_down;	/* server to client */
	int64_t		 duration_usec;
	const char	*closed_by;
	int		 exit_status;
	int		 errnum;	/* ERRNO=, or 0 */
	const char	*request;	/* the client's command (restricted) */
	const char	*ssh_connection; /* $SSH_CONNECTION */
	const char	*mode;		/* "restricted", "login-shell" */
};

#define LOG_FIELDS_INIT	{ NULL, NULL, NULL, -1, -1, -1, NULL, -1, 0, NULL, \
	NULL, NULL }
#define LOG_REQUEST_MAX	512	/* bytes of a request kept in a record */

/* Set how much reaches stderr.  Default LOG_NORMAL. */
void	log_init(enum log_level level);

/*
 * Log one event: the message goes to stderr if level allows it for prio,
 * prefixed "xpra-proxy: ", and, with msgid and fields, to the journal.
 */
void	log_event(int prio, const char *msgid, const struct log_fields *f,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* One line for the user on stderr only, whatever the level. */
void	log_tell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Shorthands without structured fields. */
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* LOG_H */
