/*
 * cli.c - parse the trusted command line.  Before the subcommand only
 * xpra-proxy's own options are allowed; after "_proxy" every xpra option is
 * accepted and those that do not matter here are ignored, because xpra
 * clients send many.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

const char cli_usage[] =
"usage: xpra-proxy [OPTIONS] [DISPLAY]\n"
"       xpra-proxy [OPTIONS] _proxy [DISPLAY] [XPRA-OPTIONS]\n"
"       xpra-proxy [OPTIONS] _proxy_start... [XPRA-ARGUMENTS]  (runs xpra)\n"
"       xpra-proxy [OPTIONS] list [--json] [--clean]\n"
"       xpra-proxy --restricted [--allow-display=LIST] [OPTIONS]\n"
"       xpra-proxy -c COMMAND\n"
"       xpra-proxy -V | --version | -h | --help\n"
"Relay stdin/stdout to the xpra session DISPLAY (:N, N, wayland-N, /path,\n"
"socket:///path; none: the single live session).\n"
"  --socket-dir=DIR        search DIR first\n"
"  --socket-dirs=A:B       search these instead (repeats accumulate)\n"
"  --wait=SECONDS          wait for a starting server (default 10)\n"
"  --connect-timeout=SECONDS  per connection attempt (default 5)\n"
"  -v, --verbose           more messages (twice: debug)\n"
"  -q, --quiet             errors only\n"
"  --json                  list: one JSON array, no connection made\n"
"  --clean                 list: first remove own dead sockets\n"
"  --restricted            serve the request in SSH_ORIGINAL_COMMAND\n"
"  --allow-display=LIST    restricted: only these displays (100,101)\n"
"  -c COMMAND              restricted, as the account's login shell\n"
"  --env=SSH_AGENT_UUID=U  forward the ssh-agent into the session\n"
"  --sessions-dir=DIR      where session directories are\n"
"Exit: 0 done, 64 usage, 69 no such session, 71 system error,\n"
"74 relay I/O error, 77 permission denied, 128+N signal N.\n";

struct parser {
	int			 argc;
	char *const		*argv;
	int			 i;
	struct proxy_opts	*o;
	char			*err;
	size_t			 errlen;
};

static int __attribute__((format(printf, 2, 3)))
usage_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void
cli_init(struct proxy_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->command = CMD_RELAY;
	o->display.kind = DISPLAY_NONE;
	o->connect_timeout_ms = CLI_CONNECT_TIMEOUT_MS;
	o->wait_ms = CLI_WAIT_MS;
}

void
cli_free(struct proxy_opts *o)
{
	if (o == NULL)
		return;
	strlist_clear(&o->socket_dirs);
	strlist_clear(&o->socket_dir);
	strlist_clear(&o->ignored);
	free(o->forced_text);
	o->forced_text = NULL;
}

int
cli_parse_allowed(const char *list, struct proxy_opts *o)
{
	char buf[1024], *p, *item;
	struct display d;

	if (strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	p = buf;
	while ((item = strsep(&p, ",")) != NULL) {
		if (o->n_allowed == CLI_ALLOW_MAX || display_parse(item, &d) < 0 ||
		    (d.kind != DISPLAY_NUMBER && d.kind != DISPLAY_WAYLAND))
			return -EINVAL;
		o->allowed[o->n_allowed].kind = d.kind;
		o->allowed[o->n_allowed++].number = d.number;
	}
	return 0;
}

int
cli_parse_seconds(const char *s, int *ret_ms)
{
	long ms = 0, scale = 1000;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++)
		if ((ms = ms * 10 + (*p - '0') * 1000) > CLI_TIMEOUT_MAX_MS)
			return -EINVAL;
	if (*p == '.' && isdigit((unsigned char)p[1]))
		for (p++; isdigit((unsigned char)*p); p++)
			ms += (*p - '0') * (scale /= 10);
	if (*p != '\0' || ms > CLI_TIMEOUT_MAX_MS)
		return -EINVAL;
	*ret_ms = (int)ms;
	return 0;
}

/* xpra's --env=NAME=VALUE: only a usable SSH_AGENT_UUID is kept. */
static int
parse_env(struct parser *p, const char *value)
{
	static const char key[] = "SSH_AGENT_UUID=";

	if (strncmp(value, key, sizeof(key) - 1) == 0 &&
	    agent_uuid_valid(value + sizeof(key) - 1)) {
		strlcpy(p->o->agent_uuid, value + sizeof(key) - 1,
		    sizeof(p->o->agent_uuid));
		return 0;
	}
	return strlist_add(&p->o->ignored, value);
}

/*
 * If argv[i] is "--name=value" or "--name value", point *ret at the value
 * and consume it.  Returns 1 on a match, 0 if not this option, -EINVAL if
 * the value is missing.
 */
static int
option_value(struct parser *p, const char *name, const char **ret)
{
	const char *arg = p->argv[p->i];
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return 0;
	if (arg[n] == '=') {
		*ret = arg + n + 1;
		return 1;
	}
	if (arg[n] != '\0')
		return 0;
	if (p->i + 1 >= p->argc)
		return usage_error(p, "option %s needs a value", name);
	*ret = p->argv[++p->i];
	return 1;
}

static int
timeout_option(struct parser *p, const char *name, const char *v, int *ms)
{
	if (cli_parse_seconds(v, ms) < 0)
		return usage_error(p, "invalid %s value '%s'", name, v);
	return 0;
}

enum value_opt {
	OPT_SOCKET_DIRS,
	OPT_SOCKET_DIR,
	OPT_SESSIONS_DIR,
	OPT_ENV,
	OPT_CONNECT_TIMEOUT,
	OPT_WAIT,
	OPT_ALLOW_DISPLAY,
	OPT_COUNT,
};

static const char *const value_opt_names[OPT_COUNT] = {
	[OPT_SOCKET_DIRS] = "--socket-dirs",
	[OPT_SOCKET_DIR] = "--socket-dir",
	[OPT_SESSIONS_DIR] = "--sessions-dir",
	[OPT_ENV] = "--env",
	[OPT_CONNECT_TIMEOUT] = "--connect-timeout",
	[OPT_WAIT] = "--wait",
	[OPT_ALLOW_DISPLAY] = "--allow-display",
};

/* Apply option id with value v.  Returns 0 or -errno. */
static int
apply_value(struct parser *p, enum value_opt id, const char *v)
{
	struct proxy_opts *o = p->o;

	switch (id) {
	case OPT_SOCKET_DIRS:
		return strlist_add_split(&o->socket_dirs, v);
	case OPT_SOCKET_DIR:
		return strlist_add(&o->socket_dir, v);
	case OPT_SESSIONS_DIR:
		o->sessions_dir = v;
		return 0;
	case OPT_ENV:
		return parse_env(p, v);
	case OPT_CONNECT_TIMEOUT:
		/* 0 would be SO_SNDTIMEO {0, 0}: no time-out at all */
		if (timeout_option(p, value_opt_names[id], v,
		    &o->connect_timeout_ms) < 0 || o->connect_timeout_ms == 0)
			return usage_error(p, "invalid %s value '%s': at least "
			    "0.001 seconds", value_opt_names[id], v);
		return 0;
	case OPT_WAIT:
		return timeout_option(p, value_opt_names[id], v, &o->wait_ms);
	case OPT_ALLOW_DISPLAY:
		if (cli_parse_allowed(v, o) < 0)
			return usage_error(p, "invalid --allow-display list '%s'",
			    v);
		return 0;
	default:
		return -EINVAL;
	}
}

/* One option taking a value.  1 if handled, 0 if unknown, or -errno. */
static int
value_option(struct parser *p)
{
	const char *v;
	int id, r;

	for (id = 0; id < OPT_COUNT; id++) {
		if ((r = option_value(p, value_opt_names[id], &v)) == 0)
			continue;
		if (r > 0)
			r = apply_value(p, id, v);
		return r < 0 ? r : 1;
	}
	return 0;
}

/* One of our options.  1 if handled, 0 if unknown, or -errno. */
static int
own_option(struct parser *p)
{
	const char *arg = p->argv[p->i];
	struct proxy_opts *o = p->o;

	if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0)
		o->verbosity = o->verbosity < 0 ? 1 : o->verbosity + 1;
	else if (strcmp(arg, "-vv") == 0)
		o->verbosity = LOG_DEBUG_LEVEL;
	else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0)
		o->verbosity = LOG_QUIET;
	else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
		o->command = CMD_HELP;
	else if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0)
		o->command = CMD_VERSION;
	else if (strcmp(arg, "--json") == 0 && o->command == CMD_LIST)
		o->json = true;
	else if (strcmp(arg, "--clean") == 0 && o->command == CMD_LIST)
		o->clean = true;
	else if (strcmp(arg, "--restricted") == 0)
		o->restricted = true;
	else
		return value_option(p);
	return 1;
}

static int
set_display(struct parser *p, const char *arg)
{
	int r;

	if (p->o->display_arg != NULL)
		return usage_error(p, "too many arguments: '%s' after '%s'",
		    arg, p->o->display_arg);
	if ((r = display_parse(arg, &p->o->display)) < 0 &&
	    !session_name_valid(arg))
		return usage_error(p, "invalid display '%s'", arg);
	if (r < 0)
		p->o->session_name = arg;	/* display stays NONE */
	p->o->display_arg = arg;
	return 0;
}

/*
 * Everything after the subcommand (or the display): options anywhere,
 * at most one display.  lenient: unknown "--options" are xpra's, ignored.
 */
static int
parse_rest(struct parser *p, bool lenient, bool display_allowed)
{
	const char *arg;
	int r;

	for (; p->i < p->argc; p->i++) {
		arg = p->argv[p->i];
		if (arg[0] == '-' && arg[1] != '\0') {
			if ((r = own_option(p)) < 0)
				return r;
			if (r == 0 && !(lenient && strncmp(arg, "--", 2) == 0))
				return usage_error(p, "unknown option '%s'",
				    arg);
			if (r == 0 && (r = strlist_add(&p->o->ignored, arg)) < 0)
				return r;
		} else if (!display_allowed) {
			return usage_error(p, "unexpected argument '%s'", arg);
		} else if ((r = set_display(p, arg)) < 0) {
			return r;
		}
	}
	return 0;
}

/* The first word that is not an option: a subcommand or a display. */
static int
parse_command(struct parser *p, bool named_xpra)
{
	const char *arg = p->argv[p->i];

	if (strcmp(arg, "_proxy") == 0) {
		p->i++;
		return parse_rest(p, true, true);
	}
	if (strcmp(arg, "list") == 0) {
		p->o->command = CMD_LIST;
		p->i++;
		return parse_rest(p, false, false);
	}
	if (named_xpra && strcmp(arg, "initenv") == 0) {
		p->o->command = CMD_INITENV;
		return 0;
	}
	if (strncmp(arg, "_proxy_", 7) == 0) {
		/* start-or-attach: xpra's own job, with xpra's own argv */
		p->o->command = CMD_HANDOVER;
		p->o->handover_argv = p->argv + p->i;
		return 0;
	}
	if (named_xpra)
		return usage_error(p, "'xpra %s' is not supported here: this "
		    "is xpra-proxy, which only knows _proxy, list and "
		    "initenv", arg);
	return parse_rest(p, false, true);
}

int
cli_parse(int argc, char *const argv[], struct proxy_opts *o, char *err,
    size_t errlen)
{
	struct parser p = { argc, argv, 1, o, err, errlen };
	const char *base;
	bool named_xpra;
	int r;

	base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	base = base != NULL ? base + 1 : (argc > 0 ? argv[0] : "");
	named_xpra = strcmp(base, "xpra") == 0;
	err[0] = '\0';
	if ((argc > 0 && argv[0][0] == '-') ||
	    (argc > 1 && strcmp(argv[1], "-c") == 0)) {
		/* a login shell: argv is the client's, not the admin's */
		o->restricted = o->login_shell = true;
		if (argc == 3 && strcmp(argv[1], "-c") == 0)
			o->login_command = argv[2];
		return 0;
	}
	for (; p.i < argc && argv[p.i][0] == '-' && argv[p.i][1] != '\0';
	    p.i++) {
		if (strcmp(argv[p.i], "--") == 0) {
			p.i++;
			break;
		}
		if ((r = own_option(&p)) < 0)
			return r;
		if (r == 0)
			return usage_error(&p, "unknown option '%s'", argv[p.i]);
	}
	if (p.i >= argc || o->command == CMD_HELP || o->command == CMD_VERSION)
		return 0;
	if (o->restricted)
		return usage_error(&p, "--restricted takes no arguments: the "
		    "request comes from SSH_ORIGINAL_COMMAND");
	return parse_command(&p, named_xpra);
}

/* What a forced command line may hold: nothing a shell treats specially. */
static const char forced_chars[] = "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._,:=+@%~-";

/*
 * Split buf in place at blanks into at most n words of forced_chars.
 * Returns the number of words, or 0 if buf is not such a line.
 */
static size_t
split_forced(char *buf, char **words, size_t n)
{
	char *p = buf, *w;
	size_t i = 0;

	for (w = buf; *w != '\0'; w++)
		if (*w != ' ' && *w != '\t' && strchr(forced_chars, *w) == NULL)
			return 0;
	while ((w = strsep(&p, " \t")) != NULL) {
		if (*w == '\0')
			continue;
		if (i == n)
			return 0;
		words[i++] = w;
	}
	return i;
}

/* Does w name this program: basename xpra-proxy, or exactly self? */
static bool
names_us(const char *w, const char *self)
{
	const char *base = strrchr(w, '/');

	base = base != NULL ? base + 1 : w;
	return strcmp(base, "xpra-proxy") == 0 ||
	    (self != NULL && strcmp(w, self) == 0);
}

/* Are words 1..n-1 all options, none of them -c or --? */
static bool
only_options(char *const *words, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (words[i][0] != '-' || words[i][1] == '\0' ||
		    strcmp(words[i], "-c") == 0 || strcmp(words[i], "--") == 0)
			return false;
	return true;
}

int
cli_parse_forced(const char *self, struct proxy_opts *o, char *err,
    size_t errlen)
{
	const char *cmd = o->login_command;
	char *buf, *words[CLI_FORCED_WORDS], why[CLI_ERR_MAX];
	size_t n;
	int r;

	if (cmd == NULL || strlen(cmd) > CLI_FORCED_MAX)
		return 0;
	if ((buf = strdup(cmd)) == NULL)
		return -ENOMEM;
	n = split_forced(buf, words, CLI_FORCED_WORDS);
	if (n == 0 || words[0][0] == '-' || !names_us(words[0], self) ||
	    !only_options(words, n)) {
		free(buf);
		return 0;
	}
	cli_free(o);
	cli_init(o);
	o->restricted = o->login_shell = true;	/* whatever the line says */
	o->login_command = cmd;
	o->forced_text = buf;
	memcpy(o->forced_argv, words, n * sizeof(words[0]));
	o->forced_argv[n] = NULL;
	why[0] = '\0';
	if ((r = cli_parse((int)n, o->forced_argv, o, why, sizeof(why))) >= 0 &&
	    o->command != CMD_RELAY) {
		snprintf(why, sizeof(why), "--help and --version do not apply");
		r = -EINVAL;
	}
	if (r < 0) {
		snprintf(err, errlen, "forced command '%s': %s", cmd, why);
		return r;
	}
	o->restricted = o->forced = true;
	return 1;
}
