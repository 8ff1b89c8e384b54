/*
 * main.c - xpra-proxy: parse, find the session, relay, exit.  The only
 * place that decides exit statuses (sysexits(3), SPEC §3) and turns
 * failures into messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "agentlink.h"
#include "cli.h"
#include "context.h"
#include "handover.h"
#include "log.h"
#include "relay.h"
#include "request.h"
#include "sandbox.h"
#include "sessions.h"
#include "signals.h"

#define WAIT_STEP_MS	100	/* re-try a starting server this often */

static int64_t
usec_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *
verdict_reason(enum sock_verdict v)
{
	switch (v) {
	case SOCK_SYMLINK:	return "a symlink, never followed";
	case SOCK_FOREIGN_OWNER: return "owned by another user";
	case SOCK_FOREIGN_PEER:	return "the listener runs as another user";
	case SOCK_UNSAFE_DIR:	return "unsafe directory owner or mode";
	case SOCK_NOT_SOCKET:	return "not a socket";
	case SOCK_DENIED:	return "permission denied";
	case SOCK_REFUSED:	return "stale: nobody listens";
	case SOCK_TIMEOUT:	return "not answering";
	default:		return "cannot connect";
	}
}

/* Out of descriptors or memory: our failure, not the socket's. */
static bool
is_resource_error(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM ||
	    err == ENOBUFS;
}

/* log_skipped()'s state across the rounds of one lookup. */
struct skip_log {
	int	resource_err;	/* the first EMFILE, ENOMEM... seen, or 0 */
	bool	quiet;		/* a later round: each socket was logged once */
};

/*
 * sockdir_lookup.skipped: trust failures are warnings, the rest debug.
 * arg, if not NULL, is a struct skip_log.
 */
static void
log_skipped(void *arg, const char *path, const struct sock_probe *p)
{
	struct log_fields f = LOG_FIELDS_INIT;
	struct skip_log *sl = arg;
	bool resource = is_resource_error(p->err);
	bool trust = !resource && (p->verdict == SOCK_SYMLINK ||
	    p->verdict == SOCK_FOREIGN_OWNER ||
	    p->verdict == SOCK_FOREIGN_PEER || p->verdict == SOCK_UNSAFE_DIR);

	if (resource && sl != NULL && sl->resource_err == 0)
		sl->resource_err = p->err;
	if (sl != NULL && sl->quiet)
		return;
	f.socket = path;
	f.reason = verdict_reason(p->verdict);
	f.errnum = p->err;
	log_event(trust ? LOG_WARNING : LOG_DEBUG, LOG_ID_SOCKET_SKIPPED, &f,
	    "ignoring %s: %s", path, f.reason);
}

static int	no_session(const struct log_fields *base, const char *label,
		    int status, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/*
 * Report, once, that no session can be used; returns status.  base, if
 * not NULL, adds its fields (a restricted request's).
 */
static int
no_session(const struct log_fields *base, const char *label, int status,
    const char *fmt, ...)
{
	struct log_fields f = LOG_FIELDS_INIT;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (base != NULL)
		f = *base;
	f.display = label;
	f.exit_status = status;
	log_event(LOG_ERR, LOG_ID_NO_SESSION, &f, "%s", msg);
	return status;
}

/* A stale socket this young may belong to a server that is starting. */
static bool
may_be_starting(time_t newest_stale)
{
	return newest_stale != 0 &&
	    time(NULL) - newest_stale < SOCKDIR_STALE_RECENT;
}

/*
 * Keep trying?  Only while a socket of the display was recently stale (a
 * server starting: it may also unlink and re-create it) and time is left.
 */
static bool
keep_waiting(int r, const struct sockdir_lookup *l, bool *saw_starting,
    int64_t deadline)
{
	const struct skip_log *sl = l->arg;

	if (sl->resource_err != 0)
		return false;	/* out of descriptors or memory */
	if (r == -ECONNREFUSED && may_be_starting(l->newest_stale))
		*saw_starting = true;
	else if (r != -ENOENT)
		return false;
	return *saw_starting && usec_now() < deadline;
}

#define EINTR_RETRIES	8	/* a connect interrupted, but not by us */

/*
 * Connect to the display given, waiting up to --wait for one that is
 * starting.  l->arg is a struct skip_log.  Returns an fd, or an exit
 * status (negated) already reported; 128+N for a terminating signal.
 */
static int
connect_named(const struct proxy_opts *o, const struct display *d,
    const sigset_t *waitmask, struct sockdir_lookup *l, const char *label)
{
	int64_t deadline = usec_now() + (int64_t)o->wait_ms * 1000;
	struct skip_log *sl = l->arg;
	bool saw_starting = false;
	int fd, eintr = 0;

	for (;;) {
		if (signals_caught() != 0)
			return -(128 + signals_caught());
		if ((fd = sockdir_connect(l, d)) >= 0)
			return fd;
		if (fd == -EINTR && signals_caught() == 0 &&
		    eintr++ < EINTR_RETRIES)
			continue;
		if (!keep_waiting(fd, l, &saw_starting, deadline))
			break;
		sl->quiet = true;	/* warn about a socket once */
		if (signals_sleep(WAIT_STEP_MS, waitmask) < 0)
			return -(128 + signals_caught());
	}
	if (signals_caught() != 0)
		return -(128 + signals_caught());
	if (fd == -ENOMEM)
		return -no_session(NULL, label, EX_OSERR, "out of memory");
	if (sl->resource_err != 0)
		return -no_session(NULL, label, EX_OSERR, "cannot connect to "
		    "display %s: %s", label, strerror(sl->resource_err));
	return -no_session(NULL, label, fd == -EACCES ? EX_NOPERM :
	    EX_UNAVAILABLE, "cannot find live server for display %s", label);
}

/*
 * No display given: the single live one (SPEC §4.4), its label in
 * ret_label (SOCKDIR_LABEL_MAX bytes).
 */
static int
connect_picked(const struct context *ctx, const struct proxy_opts *o,
    struct sockdir_lookup *l, char *ret_label)
{
	char labels[1024];
	struct sock_probe p;
	int r;

	r = sessions_pick(ctx, l->path, sizeof(l->path), ret_label, labels,
	    sizeof(labels));
	if (signals_caught() != 0)	/* its probes were cut short */
		return -(128 + signals_caught());
	if (r == -ENOENT)
		return -no_session(NULL, NULL, EX_UNAVAILABLE,
		    "cannot find any live servers to connect to");
	if (r == -EEXIST)
		return -no_session(NULL, NULL, EX_USAGE, "there are multiple "
		    "servers running, please specify: %s", labels);
	if (r < 0)
		return -no_session(NULL, NULL, EX_OSERR, "cannot list "
		    "sessions: %s", strerror(-r));
	if ((r = sockdir_connect_path(l->path, ctx->user.uid,
	    o->connect_timeout_ms, &p)) >= 0)
		return r;
	if (signals_caught() != 0)
		return -(128 + signals_caught());
	log_skipped(NULL, l->path, &p);
	if (is_resource_error(p.err))
		return -no_session(NULL, NULL, EX_OSERR, "cannot connect to "
		    "%s: %s", l->path, strerror(p.err));
	return -no_session(NULL, NULL, sock_state_of(p.verdict) ==
	    SOCK_INACCESSIBLE ? EX_NOPERM : EX_UNAVAILABLE, "cannot connect to "
	    "%s: %s", l->path, verdict_reason(p.verdict));
}

/* The journal record and exit status of a finished relay. */
static int
relay_done(int r, const struct relay_result *res, const char *label,
    const char *path, int64_t started)
{
	struct log_fields f = LOG_FIELDS_INIT;
	int status = EX_OK;

	if (r == -EINTR)
		status = 128 + res->signo;
	else if (r < 0)		/* not even set up: a system error (EMFILE) */
		status = res->err_where == RELAY_AT_SETUP ? EX_OSERR : EX_IOERR;
	f.display = label;
	f.socket = path;
	f.bytes_up = (int64_t)res->up;
	f.bytes_down = (int64_t)res->down;
	f.duration_usec = usec_now() - started;
	f.closed_by = res->closed_by;
	f.exit_status = status;
	f.errnum = res->err;
	if (status == EX_IOERR || status == EX_OSERR)
		log_event(LOG_ERR, LOG_ID_SESSION_END, &f, "relay to %s failed "
		    "on %s: %s", label, relay_where_name(res->err_where),
		    strerror(res->err));
	else
		log_event(LOG_INFO, LOG_ID_SESSION_END, &f, "session %s ended "
		    "(%s), %llu bytes up, %llu down", label, res->closed_by ?
		    res->closed_by : "signal", (unsigned long long)res->up,
		    (unsigned long long)res->down);
	return status;
}

/* Restricted mode, relay set up: nothing but relaying from here on. */
static void
confine(void)
{
	bool landlock;
	int r;

	if ((r = sandbox_enter(&landlock, agentlink_dirfd())) < 0)
		log_warn("no seccomp filter (%s): relaying unconfined",
		    strerror(-r));
	if (!landlock)
		log_debug("no Landlock on this kernel");
}

/*
 * Relay to display d (DISPLAY_NONE: the single live one), with the
 * client's ssh-agent forwarded when it sent agent_uuid (or "").
 */
static int
run_relay(const struct context *ctx, const struct proxy_opts *o,
    const struct display *d, const char *agent_uuid,
    const sigset_t *waitmask)
{
	struct skip_log sl = { 0, false };
	struct sockdir_lookup l = { &ctx->dirs, ctx->host, ctx->user.uid,
	    o->connect_timeout_ms, log_skipped, &sl, "", 0, false };
	struct relay_result res;
	char label[PATH_MAX], picked[SOCKDIR_LABEL_MAX] = "";
	int64_t started = usec_now();
	int fd, r;

	if (isatty(STDIN_FILENO) || isatty(STDOUT_FILENO))
		return no_session(NULL, NULL, o->restricted ? EX_NOPERM :
		    EX_USAGE, "stdin or stdout is a terminal, which would "
		    "corrupt the stream: use ssh -T");
	/* a terminating signal interrupts a connect that blocks */
	if ((r = signals_unblock(waitmask)) < 0)
		return no_session(NULL, NULL, EX_OSERR, "cannot start: %s",
		    strerror(-r));
	if (d->kind == DISPLAY_NONE) {
		fd = connect_picked(ctx, o, &l, picked);
	} else {
		(void)display_label(d, label, sizeof(label));
		strlcpy(picked, label, sizeof(picked));
		fd = connect_named(o, d, waitmask, &l, label);
	}
	if ((r = signals_block()) < 0 && fd >= 0) {
		close(fd);
		fd = -no_session(NULL, NULL, EX_OSERR, "cannot start: %s",
		    strerror(-r));
	}
	if (fd < 0)
		return -fd;
	if (d->kind == DISPLAY_NONE)
		strlcpy(label, l.path, sizeof(label));
	/* journalled at the end only: loading libsystemd would delay relaying */
	log_debug("relaying %s to %s", label, l.path);
	agentlink_begin(ctx, o, agent_uuid, picked);
	r = relay_run(STDIN_FILENO, STDOUT_FILENO, fd, waitmask,
	    o->restricted ? confine : NULL, &res);
	close(fd);
	agentlink_end();
	return relay_done(r, &res, label, l.path, started);
}

/*
 * A session given by its name: the live display of that name into *ret
 * (a display number never gets here: it wins, see cli_parse()).  base:
 * a restricted request's fields, for the record, or NULL; a restricted
 * client is not told the names of the sessions (--allow-display may
 * keep it from some).  Returns 0, or an exit status already reported.
 */
static int
resolve_name(const struct context *ctx, const struct proxy_opts *o,
    const struct log_fields *base, const char *name, struct display *ret)
{
	char label[SOCKDIR_LABEL_MAX], canonical[SOCKDIR_LABEL_MAX];
	char names[1024];
	int r;

	r = sessions_find_name(ctx, o, name, label, names, sizeof(names));
	if (o->restricted)
		names[0] = '\0';
	if (r == -ENOENT)
		return no_session(base, NULL, EX_UNAVAILABLE, "no live session "
		    "is named '%s'%s%s", name, o->restricted ? "" :
		    names[0] != '\0' ? "; the named ones: " : "; none has a "
		    "name that can be read (xpra 6 writes it in the session "
		    "directory)", names);
	if (r == -EEXIST)
		return no_session(base, NULL, EX_USAGE, "more than one live "
		    "session is named '%s'%s%s", name, names[0] != '\0' ?
		    ": " : "", names);
	if (r < 0)
		return no_session(base, NULL, EX_OSERR, "cannot list sessions: "
		    "%s", strerror(-r));
	/* only a display's own label: ":100,x" names a flat file, not :100 */
	if (display_parse(label, ret) < 0 || display_label(ret, canonical,
	    sizeof(canonical)) < 0 || strcmp(canonical, label) != 0)
		return no_session(base, NULL, EX_UNAVAILABLE, "session '%s' is "
		    "%s, not a display", name, label);
	log_debug("session '%s' is %s", name, label);
	return 0;
}

/* Refuse a restricted request: journal, one line for the user, 77. */
static int
refuse(struct log_fields *f, enum request_reason why)
{
	f->reason = request_reason_name(why);
	f->exit_status = EX_NOPERM;
	log_event(LOG_NOTICE, LOG_ID_REQUEST_REFUSED, f, "refused a %s "
	    "request: %s", f->mode, f->reason);
	log_tell("refused (%s): this account may only attach to its xpra "
	    "sessions", f->reason);
	return EX_NOPERM;
}

/*
 * This program's path, from /proc/self/exe ("(deleted)" suffix dropped:
 * the package was upgraded while we run), in buf; NULL if unknown.
 */
static const char *
self_path(char *buf, size_t len)
{
	static const char deleted[] = " (deleted)";
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	size_t k = sizeof(deleted) - 1;

	if (n <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	if ((size_t)n > k && strcmp(buf + n - k, deleted) == 0)
		buf[n - k] = '\0';
	return buf;
}

/*
 * Answer a paramiko probe at once, as a POSIX shell would.  A relative X
 * is answered with self (request_parse_self() accepts that path back).
 */
static int
answer_probe(struct log_fields *f, const struct request *req,
    const char *self)
{
	const char *path = req->probe_arg;

	if (path[0] != '/')
		path = self != NULL ? self : "/usr/bin/xpra-proxy";
	f->exit_status = EX_OK;
	log_event(LOG_INFO, LOG_ID_REQUEST_PROBE, f, "answered a probe");
	if (req->probe == PROBE_FIND)
		printf("%s\n", path);
	else if (req->probe == PROBE_TYPE)
		printf("%s is %s\n", req->probe_arg, path);
	else if (req->probe == PROBE_ECHO_OS)
		puts("%OS%");
	else if (req->probe == PROBE_ECHO_OSTYPE)
		puts("linux-gnu");
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

/*
 * --allow-display: is d allowed?  A request without a display gets the
 * first allowed one.
 */
static bool
is_allowed(const struct proxy_opts *o, struct display *d)
{
	size_t i;

	if (o->n_allowed == 0)
		return true;
	if (d->kind == DISPLAY_NONE) {
		d->kind = o->allowed[0].kind;
		d->number = o->allowed[0].number;
		return true;
	}
	for (i = 0; i < o->n_allowed; i++)
		if (o->allowed[i].kind == d->kind &&
		    o->allowed[i].number == d->number)
			return true;
	return false;
}

/* The message and exit status of a failed context_init(). */
static int
context_failed(int r)
{
	log_error("cannot start: %s", r == -EINVAL ? "the host name cannot "
	    "be part of a socket file name" : strerror(-r));
	return EX_OSERR;
}

/*
 * An accepted restricted request: its session name resolved (the user's
 * own session directories are read, nothing else), then --allow-display,
 * the journal record and the relay.
 */
static int
relay_request(const struct context *ctx, const struct proxy_opts *o,
    struct log_fields *f, struct request *req, const sigset_t *waitmask)
{
	char label[SOCKDIR_LABEL_MAX] = "";
	int status;

	if (req->session_name[0] != '\0' && (status = resolve_name(ctx, o, f,
	    req->session_name, &req->display)) != EX_OK)
		return status;
	(void)display_label(&req->display, label, sizeof(label));
	f->display = label;
	if (!is_allowed(o, &req->display))
		return refuse(f, REASON_NOT_ALLOWED);
	log_event(LOG_INFO, LOG_ID_REQUEST_ACCEPTED, f, "accepted a %s "
	    "request for %s%s%s%s", f->mode, label[0] ? label :
	    "the live session", req->session_name[0] ? " (session '" : "",
	    req->session_name, req->session_name[0] ? "')" : "");
	return run_relay(ctx, o, &req->display, req->agent_uuid, waitmask);
}

/*
 * ForceCommand, command= or login shell: the request is hostile.  It is
 * SSH_ORIGINAL_COMMAND, or a login shell's -c COMMAND unless that was our
 * own forced command line (cli_parse_forced()).
 */
static int
run_restricted(const struct proxy_opts *o, const sigset_t *waitmask)
{
	const char *cmd = o->login_shell && !o->forced ? o->login_command :
	    getenv("SSH_ORIGINAL_COMMAND");
	struct log_fields f = LOG_FIELDS_INIT;
	char buf[PATH_MAX];
	const char *self = self_path(buf, sizeof(buf));
	struct context ctx;
	struct request req;
	int r, status;

	f.request = cmd;
	f.ssh_connection = getenv("SSH_CONNECTION");
	f.mode = o->forced ? "login-shell-forced" : o->login_shell ?
	    "login-shell" : "restricted";
	if (cmd == NULL)
		return refuse(&f, REASON_NO_COMMAND);
	request_parse_self(cmd, self, &req);
	if (req.kind == REQUEST_REFUSE)
		return refuse(&f, req.reason);
	if (req.kind == REQUEST_PROBE)
		return answer_probe(&f, &req, self);
	if ((r = context_init(&ctx, o, XPRA_CONF_DIR)) < 0)
		return context_failed(r);
	status = relay_request(&ctx, o, &f, &req, waitmask);
	context_free(&ctx);
	return status;
}

static int
run_list(const struct context *ctx, const struct proxy_opts *o)
{
	int n;

	if (o->clean && (n = sessions_clean(ctx)) < 0) {
		log_error("cannot clean the socket directories: %s",
		    strerror(-n));
		return EX_OSERR;
	}
	if ((n = sessions_list(stdout, ctx, o->json)) < 0) {
		log_error("cannot list sessions: %s", strerror(-n));
		return n == -EIO ? EX_IOERR : EX_OSERR;
	}
	return EX_OK;
}

/* Before any work: our own commands, and what is not ours to do. */
static int
run_simple(const struct proxy_opts *o)
{
	if (o->command == CMD_HELP)
		fputs(cli_usage, stdout);
	else if (o->command == CMD_VERSION)
		printf("xpra-proxy %s%s\n", XPRA_PROXY_VERSION, XP_SANDBOX ?
		    "" : " (sandbox disabled at build time)");
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

static void
log_ignored(const struct proxy_opts *o)
{
	size_t i;

	for (i = 0; i < o->ignored.n; i++)
		log_debug("ignoring xpra option %s", o->ignored.v[i]);
}

/*
 * Make fds 0-2 valid before anything is opened: a closed one would be
 * taken by the server socket, and a message could land in the stream.
 */
static int
sanitise_stdio(void)
{
	int fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY)
		    != fd)
			return -1;
	}
	return 0;
}

/* list, or relay to a session, as the user asked (not restricted mode). */
static int
run_unrestricted(struct proxy_opts *o, const sigset_t *waitmask)
{
	struct context ctx;
	int r, status;

	log_ignored(o);
	if ((r = context_init(&ctx, o, XPRA_CONF_DIR)) < 0)
		return context_failed(r);
	if (o->command == CMD_LIST)
		status = run_list(&ctx, o);
	else if (o->session_name != NULL &&
	    (status = resolve_name(&ctx, o, NULL, o->session_name,
	    &o->display)) != EX_OK)
		;	/* reported */
	else
		status = run_relay(&ctx, o, &o->display, o->agent_uuid,
		    waitmask);
	context_free(&ctx);
	return status;
}

/* The parsed command line's work, from start to exit status. */
static int
run_command(struct proxy_opts *o)
{
	sigset_t waitmask;
	int r;

	if (o->command == CMD_HANDOVER)
		return handover_exec(o->handover_argv);
	if (o->command != CMD_RELAY && o->command != CMD_LIST)
		return run_simple(o);
	if ((o->restricted && (r = sandbox_prepare()) < 0) ||
	    (r = signals_init(&waitmask)) < 0) {
		log_error("cannot start: %s", strerror(-r));
		return EX_OSERR;
	}
	if (o->restricted)
		return run_restricted(o, &waitmask);
	return run_unrestricted(o, &waitmask);
}

int
main(int argc, char *argv[])
{
	struct proxy_opts o;
	char err[CLI_ERR_MAX], self[PATH_MAX];
	int r, status;

	if (sanitise_stdio() < 0)
		return EX_OSERR;
	closefrom(STDERR_FILENO + 1);
	cli_init(&o);
	if ((r = cli_parse(argc, argv, &o, err, sizeof(err))) >= 0 &&
	    o.login_command != NULL)
		r = cli_parse_forced(self_path(self, sizeof(self)), &o, err,
		    sizeof(err));
	if (r < 0) {
		/* a forced command line's error: one line, the ssh user sees it */
		fprintf(stderr, "xpra-proxy: %s\n%s", r == -ENOMEM ?
		    "out of memory" : err, o.forced_text != NULL ? "" :
		    "try 'xpra-proxy --help'\n");
		status = r == -ENOMEM ? EX_OSERR : EX_USAGE;
	} else {
		log_init((enum log_level)o.verbosity);
		status = run_command(&o);
	}
	cli_free(&o);
	return status;
}
