/* test_cli.c - the trusted command line, xpra's _proxy argv included. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "tests.h"

#define MAXARGS	12

struct cli_case {
	const char	*argv[MAXARGS];
	int		 ret;
	enum proxy_command command;
	const char	*display;	/* display_arg, or NULL */
	const char	*dirs;		/* socket_dirs joined by ':', or NULL */
	const char	*dir;		/* socket_dir joined by ':', or NULL */
};

static void
join(const struct strlist *l, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			strlcat(buf, ":", len);
		strlcat(buf, l->v[i], len);
	}
}

static void
run_case(const struct cli_case *c)
{
	struct proxy_opts o;
	char err[CLI_ERR_MAX], buf[512];
	int argc, r;

	for (argc = 0; c->argv[argc] != NULL; argc++)
		;
	cli_init(&o);
	r = cli_parse(argc, (char *const *)c->argv, &o, err, sizeof(err));
	CU_ASSERT_EQUAL(r, c->ret);
	if (r != c->ret)
		fprintf(stderr, "\n  case \"%s %s\": %d (%s)\n", c->argv[1],
		    c->argv[2] ? c->argv[2] : "", r, err);
	if (r < 0) {
		CU_ASSERT(err[0] != '\0');	/* a reason for the user */
	} else {
		CU_ASSERT_EQUAL(o.command, c->command);
		if (c->display == NULL) {
			CU_ASSERT_PTR_NULL(o.display_arg);
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(o.display_arg);
			CU_ASSERT_STRING_EQUAL(o.display_arg, c->display);
		}
		join(&o.socket_dirs, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, c->dirs ? c->dirs : "");
		join(&o.socket_dir, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, c->dir ? c->dir : "");
	}
	cli_free(&o);
}

static void
test_cli_table(void)
{
	static const struct cli_case t[] = {
		{ { "xpra-proxy", NULL }, 0, CMD_RELAY, NULL, NULL, NULL },
		{ { "xpra-proxy", ":100", NULL }, 0, CMD_RELAY, ":100" },
		{ { "xpra-proxy", "--socket-dir=/d", "7", NULL }, 0, CMD_RELAY,
		    "7", NULL, "/d" },
		{ { "xpra-proxy", "--socket-dir", "/d", "7", NULL }, 0,
		    CMD_RELAY, "7", NULL, "/d" },
		{ { "xpra-proxy", "_proxy", ":100", NULL }, 0, CMD_RELAY,
		    ":100" },
		/* options before and after the display, accumulated */
		{ { "/usr/bin/xpra-proxy", "_proxy", "--socket-dirs=/a",
		    "100", "--socket-dirs=/b:/c", "--socket-dir=/s", NULL }, 0,
		    CMD_RELAY, "100", "/a:/b:/c", "/s" },
		/* xpra options we do not need are ignored after _proxy */
		{ { "xpra-proxy", "_proxy", "--start=xterm", "--mmap=no",
		    ":100", "--env=SSH_AGENT_UUID=nothex", "--speaker", NULL },
		    0, CMD_RELAY, ":100" },
		{ { "xpra-proxy", "_proxy", NULL }, 0, CMD_RELAY, NULL },
		/* a session name (display NONE), as a display or after _proxy */
		{ { "xpra-proxy", "work", NULL }, 0, CMD_RELAY, "work" },
		/* (not named xpra: initenv is no subcommand, so a name) */
		{ { "xpra-proxy", "initenv", NULL }, 0, CMD_RELAY, "initenv" },
		{ { "xpra-proxy", "_proxy", "my-session", "--x=y", NULL }, 0,
		    CMD_RELAY, "my-session" },
		{ { "xpra-proxy", "-v", "list", "--json", NULL }, 0, CMD_LIST },
		{ { "xpra-proxy", "list", "--socket-dirs=/x", NULL }, 0,
		    CMD_LIST, NULL, "/x" },
		{ { "xpra-proxy", "--help", NULL }, 0, CMD_HELP },
		{ { "xpra-proxy", "--version", NULL }, 0, CMD_VERSION },
		{ { "/usr/bin/xpra", "initenv", NULL }, 0, CMD_INITENV },
		/* server start: the real xpra's, argv untouched */
		{ { "xpra-proxy", "_proxy_start", ":1", "--bogus", NULL }, 0,
		    CMD_HANDOVER },
		{ { "/usr/bin/xpra", "_proxy_shadow_start", NULL }, 0,
		    CMD_HANDOVER },
		{ { "xpra-proxy", "-v", "_proxy_run", "--start=x", NULL }, 0,
		    CMD_HANDOVER },
		{ { "/usr/bin/xpra", "_proxy", ":3", NULL }, 0, CMD_RELAY,
		    ":3" },
		{ { "xpra-proxy", "--wait=0.5", "--connect-timeout", "2",
		    ":1", NULL }, 0, CMD_RELAY, ":1" },
		/* refusals */
		{ { "/usr/bin/xpra", "start", ":3", NULL }, -EINVAL },
		{ { "xpra-proxy", "--bogus", ":1", NULL }, -EINVAL },
		{ { "xpra-proxy", ":1", "--bogus", NULL }, -EINVAL },
		{ { "xpra-proxy", ":1", ":2", NULL }, -EINVAL },
		{ { "xpra-proxy", "_proxy", ":1", ":2", NULL }, -EINVAL },
		{ { "xpra-proxy", "_proxy", "-x", ":1", NULL }, -EINVAL },
		{ { "xpra-proxy", ":abc", NULL }, -EINVAL },
		{ { "xpra-proxy", "_proxyx", ":1", NULL }, -EINVAL },
		{ { "xpra-proxy", "list", ":1", NULL }, -EINVAL },
		{ { "xpra-proxy", "--wait=-1", ":1", NULL }, -EINVAL },
		{ { "xpra-proxy", "--wait=x", ":1", NULL }, -EINVAL },
		{ { "xpra-proxy", "--wait=99999", ":1", NULL }, -EINVAL },
		{ { "xpra-proxy", "--socket-dir", NULL }, -EINVAL },
		{ { "xpra-proxy", "--json", NULL }, -EINVAL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		run_case(&t[i]);
}

static void
test_cli_values(void)
{
	static const char *argv[] = { "xpra-proxy", "_proxy", "--wait=1.25",
	    "--connect-timeout=3", "--env=SSH_AGENT_UUID="
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "-q", ":9.0", NULL };
	struct proxy_opts o;
	char err[CLI_ERR_MAX];
	int ms;

	cli_init(&o);
	CU_ASSERT_EQUAL_FATAL(cli_parse(7, (char *const *)argv, &o, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(o.wait_ms, 1250);
	CU_ASSERT_EQUAL(o.connect_timeout_ms, 3000);
	CU_ASSERT_EQUAL(o.verbosity, -1);
	CU_ASSERT_EQUAL(strlen(o.agent_uuid), 64);
	CU_ASSERT_EQUAL(o.display.kind, DISPLAY_NUMBER);
	CU_ASSERT_EQUAL(o.display.number, 9);
	cli_free(&o);
	CU_ASSERT_EQUAL(cli_parse_seconds("0", &ms), 0);
	CU_ASSERT_EQUAL(ms, 0);
	CU_ASSERT_EQUAL(cli_parse_seconds("3600", &ms), 0);
	CU_ASSERT_EQUAL(ms, 3600000);
	CU_ASSERT_EQUAL(cli_parse_seconds("3601", &ms), -EINVAL);
	CU_ASSERT_EQUAL(cli_parse_seconds(".5", &ms), -EINVAL);
	CU_ASSERT_EQUAL(cli_parse_seconds("1.", &ms), -EINVAL);
}

struct forced_case {
	const char	*command;	/* -c COMMAND */
	const char	*self;		/* /proc/self/exe, or NULL */
	int		 ret;		/* of cli_parse_forced() */
	size_t		 n_allowed;
	const char	*dirs;		/* socket_dirs joined by ':', or NULL */
};

/* login shell + ForceCommand/command=: -c COMMAND is ours or the client's */
static void
test_cli_forced(void)
{
	static const struct forced_case t[] = {
		{ "/usr/bin/xpra-proxy --restricted", NULL, 1 },
		{ "/usr/bin/xpra-proxy --restricted --allow-display=100,101",
		    NULL, 1, 2 },
		{ "xpra-proxy --restricted --socket-dirs=/srv/x:~/.xpra", NULL, 1,
		    0, "/srv/x:~/.xpra" },
		{ "\t /usr/local/bin/xpra-proxy  -v\t--wait=2 ", NULL, 1 },
		{ "/usr/bin/xpra-proxy", NULL, 1 },
		{ "/opt/x/proxy-bin --restricted", "/opt/x/proxy-bin", 1 },
		/* the client's request, not a line of ours */
		{ "/opt/x/proxy-bin --restricted", NULL, 0 },
		{ "/opt/x/proxy-bin --restricted", "/opt/x/proxy", 0 },
		{ "xpra _proxy :100", NULL, 0 },
		{ "/usr/bin/xpra-proxy _proxy :100", NULL, 0 },
		{ "/usr/bin/xpra-proxy :100", NULL, 0 },
		{ "/usr/bin/xpra-proxy --restricted :100", NULL, 0 },
		{ "/usr/bin/xpra-proxy --socket-dir /d", NULL, 0 },
		{ "\"/usr/bin/xpra-proxy\" --restricted", NULL, 0 },
		{ "/usr/bin/xpra-proxy '--restricted'", NULL, 0 },
		{ "/usr/bin/xpra-proxy --restricted; id", NULL, 0 },
		{ "/usr/bin/xpra-proxy --restricted && id", NULL, 0 },
		{ "/usr/bin/xpra-proxy --socket-dirs=$HOME", NULL, 0 },
		{ "/usr/bin/xpra-proxy --socket-dirs=`id`", NULL, 0 },
		{ "/usr/bin/xpra-proxy --restricted\n--bogus", NULL, 0 },
		{ "/usr/bin/xpra-proxy -c --restricted", NULL, 0 },
		{ "/usr/bin/xpra-proxy -- --restricted", NULL, 0 },
		{ "/usr/bin/xpra-proxy -", NULL, 0 },
		{ "-xpra-proxy --restricted", NULL, 0 },
		{ "/usr/bin/xpra-proxyx --restricted", NULL, 0 },
		{ "sh -c 'xpra _proxy'", NULL, 0 },
		{ "", NULL, 0 },
		{ "xpra-proxy -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v "
		    "-v -v -v -v -v -v -v -v -v -v -v -v -v -v", NULL, 0 },
		/* ours, but wrong: a usage error for the administrator */
		{ "/usr/bin/xpra-proxy --restricted --bogus", NULL, -EINVAL },
		{ "/usr/bin/xpra-proxy --allow-display=x", NULL, -EINVAL },
		{ "/usr/bin/xpra-proxy --version", NULL, -EINVAL },
		{ "/usr/bin/xpra-proxy --help", NULL, -EINVAL },
	};
	struct proxy_opts o;
	char err[CLI_ERR_MAX], buf[512];
	const char *argv[4];
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		argv[0] = "-xpra-proxy";
		argv[1] = "-c";
		argv[2] = t[i].command;
		argv[3] = NULL;
		cli_init(&o);
		CU_ASSERT_EQUAL_FATAL(cli_parse(3, (char *const *)argv, &o,
		    err, sizeof(err)), 0);
		CU_ASSERT_PTR_EQUAL(o.login_command, t[i].command);
		r = cli_parse_forced(t[i].self, &o, err, sizeof(err));
		CU_ASSERT_EQUAL(r, t[i].ret);
		if (r != t[i].ret)
			fprintf(stderr, "\n  case %zu \"%s\": %d (%s)\n", i,
			    t[i].command, r, r < 0 ? err : "");
		/* restricted in every case; forced only for a line of ours */
		CU_ASSERT(o.restricted && o.login_shell);
		CU_ASSERT_EQUAL(o.forced, r == 1);
		CU_ASSERT_PTR_EQUAL(o.login_command, t[i].command);
		if (r < 0)
			CU_ASSERT(err[0] != '\0');
		if (r == 1) {
			CU_ASSERT_EQUAL(o.command, CMD_RELAY);
			CU_ASSERT_EQUAL(o.display.kind, DISPLAY_NONE);
			CU_ASSERT_EQUAL(o.n_allowed, t[i].n_allowed);
			join(&o.socket_dirs, buf, sizeof(buf));
			CU_ASSERT_STRING_EQUAL(buf, t[i].dirs ? t[i].dirs : "");
		}
		cli_free(&o);
	}
	/* not a login shell: nothing to look at */
	argv[0] = "xpra-proxy";
	argv[1] = "--restricted";
	argv[2] = NULL;
	cli_init(&o);
	CU_ASSERT_EQUAL(cli_parse(2, (char *const *)argv, &o, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(cli_parse_forced("/usr/bin/xpra-proxy", &o, err,
	    sizeof(err)), 0);
	CU_ASSERT(!o.forced && !o.login_shell);
	cli_free(&o);
}

CU_TestInfo cli_tests[] = {
	{ "cli_parse: own argv and xpra's _proxy argv, accepted and refused",
	    test_cli_table },
	{ "cli_parse: values of --wait, --connect-timeout, --env, -q",
	    test_cli_values },
	{ "cli_parse_forced: a login shell's -c naming xpra-proxy with "
	    "options only is the admin's line, anything else the client's",
	    test_cli_forced },
	CU_TEST_INFO_NULL,
};
