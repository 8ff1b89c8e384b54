/*
 * test_request.c - the restricted-mode request parser: every real client
 * command (tests/data/ssh-commands.tsv) and the attacker's checklist
 * (reference/security.md §6.1, P1-P17), several cases each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "tests.h"

#define TSV	"tests/data/ssh-commands.tsv"

static const char *
kind_name(enum request_kind k)
{
	return k == REQUEST_RELAY ? "accept" : k == REQUEST_PROBE ? "probe" :
	    "refuse";
}

/* Split a tsv line in place into at most n fields. */
static size_t
split_tabs(char *line, char **f, size_t n)
{
	size_t i = 0;

	line[strcspn(line, "\n")] = '\0';
	while (i < n && (f[i] = strsep(&line, "\t")) != NULL)
		i++;
	return i;
}

/*
 * Every row: the kind (accept, probe, refuse), the display (or session
 * name) of an accepted one, and the reason of a refusal when the row names one (column 6).
 */
static void
test_client_vectors(void)
{
	char line[16384], *f[6], label[SESSION_NAME_MAX + 1];
	struct request r;
	int rows = 0;
	size_t nf;
	FILE *fp;

	fp = fopen(TSV, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || (nf = split_tabs(line, f, 6)) < 4)
			continue;
		rows++;
		request_parse(f[3], &r);
		CU_ASSERT_STRING_EQUAL(kind_name(r.kind), f[1]);
		if (strcmp(kind_name(r.kind), f[1]) != 0)
			fprintf(stderr, "\n  %s: %s (%s)\n", f[0],
			    kind_name(r.kind), request_reason_name(r.reason));
		if (r.kind == REQUEST_REFUSE && nf == 6 && f[5][0] != '\0') {
			CU_ASSERT_STRING_EQUAL(request_reason_name(r.reason),
			    f[5]);
			if (strcmp(request_reason_name(r.reason), f[5]) != 0)
				fprintf(stderr, "\n  %s: %s, want %s\n", f[0],
				    request_reason_name(r.reason), f[5]);
		}
		if (r.kind != REQUEST_RELAY)
			continue;
		strlcpy(label, r.session_name, sizeof(label));
		if (r.display.kind != DISPLAY_NONE)
			snprintf(label, sizeof(label), "%u", r.display.number);
		CU_ASSERT_STRING_EQUAL(label, f[2]);
	}
	fclose(fp);
	CU_ASSERT(rows >= 50);
}

struct req_case {
	const char		*cmd;
	enum request_kind	 kind;
	int			 n;	/* display, -1 none; or the reason */
};

#define ACCEPT(c, n)	{ c, REQUEST_RELAY, n }
#define PROBE(c, p)	{ c, REQUEST_PROBE, p }
#define REFUSE(c, why)	{ c, REQUEST_REFUSE, why }

#define CHAIN(then1, then2)						\
	"sh -c 'if command -v \"xpra\" > /dev/null 2>&1; then "	\
	then1 ";elif [ -x /usr/local/bin/xpra ]; then " then2		\
	";else echo \"no xpra command found\"; exit 1; fi'"

static void
run_cases(const struct req_case *t, size_t n)
{
	struct request r;
	size_t i;
	bool ok;

	for (i = 0; i < n; i++) {
		request_parse(t[i].cmd, &r);
		ok = r.kind == t[i].kind;
		if (ok && r.kind == REQUEST_RELAY)
			ok = t[i].n < 0 ? r.display.kind == DISPLAY_NONE :
			    r.display.kind != DISPLAY_NONE &&
			    r.display.number == (unsigned int)t[i].n;
		else if (ok && r.kind == REQUEST_PROBE)
			ok = (int)r.probe == t[i].n;
		else if (ok)
			ok = (int)r.reason == t[i].n;
		CU_ASSERT(ok);
		if (!ok)
			fprintf(stderr, "\n  case %zu \"%.100s\": %s %s\n", i,
			    t[i].cmd, kind_name(r.kind),
			    request_reason_name(r.reason));
	}
}

/* P1-P4: no command, empty, subsystems, probes. */
static void
test_probes_and_nothing(void)
{
	static const struct req_case t[] = {
		REFUSE("", REASON_EMPTY),
		REFUSE("   \t ", REASON_EMPTY),
		REFUSE("/usr/lib/openssh/sftp-server", REASON_UNKNOWN_COMMAND),
		REFUSE("internal-sftp", REASON_UNKNOWN_COMMAND),
		REFUSE("scp -t /tmp", REASON_UNKNOWN_COMMAND),
		PROBE("echo %OS%", PROBE_ECHO_OS),
		PROBE("echo $OSTYPE", PROBE_ECHO_OSTYPE),
		PROBE("command", PROBE_COMMAND),
		PROBE("command -v xpra", PROBE_FIND),
		PROBE("command -v /usr/bin/xpra-proxy", PROBE_FIND),
		PROBE("which xpra", PROBE_FIND),
		PROBE("which $XDG_RUNTIME_DIR/xpra/run-xpra", PROBE_FIND),
		PROBE("type xpra", PROBE_TYPE),
		REFUSE("which bash", REASON_UNKNOWN_COMMAND),
		REFUSE("which \\$\\(id\\)/xpra", REASON_UNKNOWN_COMMAND),
		REFUSE("which '/tmp/a b/xpra'", REASON_UNKNOWN_COMMAND),
		REFUSE("command -v sh", REASON_UNKNOWN_COMMAND),
		REFUSE("echo hello", REASON_UNKNOWN_COMMAND),
		REFUSE("echo $(id)", REASON_SHELL_SYNTAX),
		REFUSE("echo %OS% %OS%", REASON_UNKNOWN_COMMAND),
		REFUSE("command -v xpra; id", REASON_SHELL_SYNTAX),
		REFUSE("ver", REASON_UNKNOWN_COMMAND),
	};

	run_cases(t, sizeof(t) / sizeof(t[0]));
}

/* P5-P8: real shapes, extra commands, branch disagreement, subcommands. */
static void
test_shapes(void)
{
	static const struct req_case t[] = {
		ACCEPT(CHAIN("xpra _proxy \"7\"", "/usr/local/bin/xpra _proxy \"7\""), 7),
		ACCEPT(CHAIN("xpra _proxy", "/usr/local/bin/xpra _proxy"), -1),
		ACCEPT(CHAIN("xpra _proxy \"7\" --socket-dirs=/tmp/a --socket-dirs=/run/user/$UID/xpra",
		    "/usr/local/bin/xpra _proxy \"7\" --socket-dirs=/tmp/a --socket-dirs=/run/user/$UID/xpra"), 7),
		ACCEPT(CHAIN("xpra _proxy \"7\" \"--env=SSH_AGENT_UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
		    "/usr/local/bin/xpra _proxy \"7\" \"--env=SSH_AGENT_UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\""), 7),
		/* nested quoting, one level per extra ssh hop */
		ACCEPT("sh -c ''\"'\"'if [ -x /usr/bin/xpra-proxy ]; then /usr/bin/xpra-proxy _proxy \"9\";else echo \"no xpra command found\"; exit 1; fi'\"'\"''", 9),
		ACCEPT("xpra _proxy :3", 3),
		ACCEPT("'/usr/bin/xpra' '_proxy' '3'", 3),
		ACCEPT("\"/usr/bin/xpra\" \"_proxy\" \"--socket-dir=/tmp/xs\" \"100\"", 100),
		ACCEPT("\"xpra\" \"_proxy\" \"wayland-0\"", 0),
		ACCEPT("~/.xpra/run-xpra _proxy :5", 5),
		/* a long real chain: 5 branches, agent uuid, a long socket dir */
		ACCEPT("sh -c 'if command -v \"xpra\" > /dev/null 2>&1; then xpra _proxy \"100\" \"--env=SSH_AGENT_UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\" --socket-dir=/home/someuser/.local/xpra-sockets;"
		    "elif [ -x $XDG_RUNTIME_DIR/xpra/run-xpra ]; then $XDG_RUNTIME_DIR/xpra/run-xpra _proxy \"100\" \"--env=SSH_AGENT_UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\" --socket-dir=/home/someuser/.local/xpra-sockets;"
		    "elif [ -x /usr/local/bin/xpra ]; then /usr/local/bin/xpra _proxy \"100\" \"--env=SSH_AGENT_UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\" --socket-dir=/home/someuser/.local/xpra-sockets;"
		    "elif [ -x ~/.xpra/run-xpra ]; then ~/.xpra/run-xpra _proxy \"100\" \"--env=SSH_AGENT_UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\" --socket-dir=/home/someuser/.local/xpra-sockets;"
		    "elif [ -x Xpra_cmd.exe ]; then Xpra_cmd.exe _proxy \"100\" \"--env=SSH_AGENT_UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\" --socket-dir=/home/someuser/.local/xpra-sockets;"
		    "else echo \"no run-xpra command found\"; exit 1; fi'", 100),
		/* P6 */
		REFUSE("xpra _proxy :1; rm -rf ~", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy :1 && id", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy :1 | nc 127.0.0.1 9", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy `id`", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy :1 >/tmp/x", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy :1 </etc/passwd", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy :1 &", REASON_SHELL_SYNTAX),
		REFUSE(CHAIN("xpra _proxy \"7\"; id", "/usr/local/bin/xpra _proxy \"7\""), REASON_UNKNOWN_COMMAND),
		REFUSE("sh -c 'if command -v \"xpra\" > /dev/null 2>&1; then xpra _proxy \"7\";else echo x; exit 1; fi; id'", REASON_UNKNOWN_COMMAND),
		REFUSE("sh -c 'id'", REASON_UNKNOWN_COMMAND),
		REFUSE("sh -c 'xpra _proxy :1' extra", REASON_UNKNOWN_COMMAND),
		/* P7 */
		REFUSE(CHAIN("xpra _proxy \"7\"", "/usr/local/bin/xpra _proxy \"8\""), REASON_MISMATCH),
		REFUSE(CHAIN("xpra _proxy \"7\"", "/usr/local/bin/xpra _proxy"), REASON_MISMATCH),
		REFUSE(CHAIN("xpra _proxy \"7\"", "/usr/bin/other _proxy \"7\""), REASON_UNKNOWN_COMMAND),
		REFUSE(CHAIN("/bin/sh _proxy \"7\"", "/usr/local/bin/xpra _proxy \"7\""), REASON_UNKNOWN_COMMAND),
		/* P8 */
		REFUSE("xpra _proxy_start :1", REASON_START),
		REFUSE("xpra _proxy_start_desktop :1", REASON_START),
		REFUSE("xpra _proxy_shadow_start :1", REASON_START),
		REFUSE("xpra start :1", REASON_SUBCOMMAND),
		REFUSE("xpra shell", REASON_SUBCOMMAND),
		REFUSE("xpra attach :1", REASON_SUBCOMMAND),
		REFUSE("xpra initenv", REASON_SUBCOMMAND),
		REFUSE("xpra", REASON_UNKNOWN_COMMAND),
		REFUSE(CHAIN("xpra _proxy_start \"7\"", "/usr/local/bin/xpra _proxy_start \"7\""), REASON_START),
	};

	run_cases(t, sizeof(t) / sizeof(t[0]));
}

/* P9-P12: displays, client socket dirs, options, environment prefixes. */
static void
test_arguments(void)
{
	static const struct req_case t[] = {
		REFUSE("xpra _proxy :", REASON_DISPLAY),
		REFUSE("xpra _proxy :-1", REASON_DISPLAY),
		REFUSE("xpra _proxy -1", REASON_OPTION),
		REFUSE("xpra _proxy :+1", REASON_DISPLAY),
		REFUSE("xpra _proxy :0x10", REASON_DISPLAY),
		REFUSE("xpra _proxy :1e3", REASON_DISPLAY),
		REFUSE("xpra _proxy ': 1'", REASON_DISPLAY),
		REFUSE("xpra _proxy :1 :2", REASON_DISPLAY),
		REFUSE("xpra _proxy :99999999999999999999", REASON_DISPLAY),
		REFUSE("xpra _proxy :0100", REASON_DISPLAY),
		REFUSE("xpra _proxy :10.0", REASON_DISPLAY),
		REFUSE("xpra _proxy :10,opt=1", REASON_DISPLAY),
		REFUSE("xpra _proxy @100", REASON_DISPLAY),
		REFUSE("xpra _proxy /run/user/1000/xpra/100/socket", REASON_DISPLAY),
		REFUSE("xpra _proxy socket:///run/xpra/host-1", REASON_DISPLAY),
		REFUSE("xpra _proxy vnc://localhost:5910/", REASON_DISPLAY),
		REFUSE("xpra _proxy ssh://h/1", REASON_DISPLAY),
		REFUSE("xpra _proxy :1/../2", REASON_DISPLAY),
		REFUSE("xpra _proxy 100/socket", REASON_DISPLAY),
		ACCEPT("xpra _proxy :2147483647", 2147483647),
		/* P10: ignored, never used */
		ACCEPT("xpra _proxy --socket-dir=/tmp/evil :4", 4),
		ACCEPT("xpra _proxy --socket-dirs=/run/user/1001/xpra --socket-dirs=/tmp/x :4", 4),
		ACCEPT("xpra _proxy '--socket-dirs=/tmp/../etc' :4", 4),
		/* P11 */
		REFUSE("xpra _proxy --help", REASON_OPTION),
		REFUSE("xpra _proxy -h :1", REASON_OPTION),
		REFUSE("xpra _proxy --version", REASON_OPTION),
		REFUSE("xpra _proxy --start=xterm :1", REASON_OPTION),
		REFUSE("xpra _proxy --env=LD_PRELOAD=/tmp/x.so :1", REASON_OPTION),
		REFUSE("xpra _proxy --env=SSH_AGENT_UUID=../../x :1", REASON_OPTION),
		REFUSE("xpra _proxy --bind=/tmp/s :1", REASON_OPTION),
		REFUSE("xpra _proxy -- :1", REASON_OPTION),
		REFUSE("xpra _proxy --socket-dir /tmp/x :1", REASON_OPTION),
		REFUSE("-xpra _proxy :1", REASON_UNKNOWN_COMMAND),
		/* P12 */
		REFUSE("LD_PRELOAD=x xpra _proxy :1", REASON_UNKNOWN_COMMAND),
		REFUSE("XDG_RUNTIME_DIR=/tmp xpra _proxy :1", REASON_UNKNOWN_COMMAND),
		REFUSE("PATH=. xpra _proxy :1", REASON_UNKNOWN_COMMAND),
		REFUSE("env xpra _proxy :1", REASON_UNKNOWN_COMMAND),
		REFUSE("exec xpra _proxy :1", REASON_UNKNOWN_COMMAND),
	};

	run_cases(t, sizeof(t) / sizeof(t[0]));
}

/* P13-P14: quoting and bytes. */
static void
test_quoting_and_bytes(void)
{
	static const struct req_case t[] = {
		REFUSE("xpra _proxy ':1", REASON_QUOTING),
		REFUSE("xpra _proxy \":1", REASON_QUOTING),
		REFUSE("xpra _proxy :1\\", REASON_QUOTING),
		ACCEPT("x'p'\"ra\" _pr\\oxy :1", 1),
		REFUSE("xpra \"_proxy\" \"\\:1\"", REASON_DISPLAY),
		REFUSE("xpra _proxy \"\"", REASON_DISPLAY),
		REFUSE("xpra _proxy \"$HOME\"", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy \"${IFS}\"", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy $'\\x3a1'", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy :1 #", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy :*", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy :[1]", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy {:1,:2}", REASON_SHELL_SYNTAX),
		REFUSE("xpra\t_proxy\t:1\t!", REASON_SHELL_SYNTAX),
		ACCEPT("xpra\t_proxy\t:1", 1),
		REFUSE("xpra _proxy :1\n", REASON_BAD_BYTE),
		REFUSE("xpra _proxy :1\r", REASON_BAD_BYTE),
		REFUSE("xpra\n_proxy :1", REASON_BAD_BYTE),
		REFUSE("xpra _proxy \x1b[2J:1", REASON_BAD_BYTE),
		REFUSE("xpra _proxy :1\x7f", REASON_BAD_BYTE),
		REFUSE("xpra _proxy \xef\xbc\x9a""1", REASON_BAD_BYTE),
		REFUSE("xpra\xc2\xa0_proxy :1", REASON_BAD_BYTE),
		REFUSE("xpra _proxy \xc0\xba""1", REASON_BAD_BYTE),
	};

	run_cases(t, sizeof(t) / sizeof(t[0]));
}

/* P15: size caps, refused, never truncated; nesting and branch counts. */
static void
test_limits(void)
{
	static const char head[] = "xpra _proxy :1 --socket-dir=/";
	size_t big = 128 * 1024, len;
	char *s = malloc(big + 1), *p;
	struct request r;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* exactly the cap: accepted; one more byte: refused */
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'a', REQUEST_MAX - (sizeof(head) - 1));
	s[REQUEST_MAX] = '\0';
	memcpy(s + sizeof(head) - 1 + 10, " --socket-dir=/", 15);
	for (p = s + sizeof(head) - 1; p < s + REQUEST_MAX; p += 900)
		*p = ' ', memcpy(p + 1, "--socket-dir=/", 14);
	request_parse(s, &r);
	CU_ASSERT_EQUAL(r.kind, REQUEST_RELAY);
	len = strlen(s);
	s[len] = 'a';
	s[len + 1] = '\0';
	request_parse(s, &r);
	CU_ASSERT_EQUAL(r.kind, REQUEST_REFUSE);
	CU_ASSERT_EQUAL(r.reason, REASON_TOO_LONG);
	/* 128 KiB */
	memset(s, 'a', big);
	s[big] = '\0';
	request_parse(s, &r);
	CU_ASSERT_EQUAL(r.reason, REASON_TOO_LONG);
	/* 4000 tiny words: over the word count */
	for (i = 0; i < 4000; i++)
		memcpy(s + 2 * i, "a ", 2);
	s[8000] = '\0';
	request_parse(s, &r);
	CU_ASSERT_EQUAL(r.reason, REASON_TOO_LONG);
	/* one word over REQUEST_WORD_MAX */
	memcpy(s, "xpra _proxy ", 12);
	memset(s + 12, '1', REQUEST_WORD_MAX + 10);
	s[12 + REQUEST_WORD_MAX + 10] = '\0';
	request_parse(s, &r);
	CU_ASSERT_EQUAL(r.reason, REASON_TOO_LONG);
	free(s);
}

static void
test_nesting(void)
{
	char cmd[REQUEST_MAX + 16], body[REQUEST_MAX];
	struct request r;
	int depth;

	/* sh -c 'sh -c '\''sh -c ...'\''' nested deeper and deeper */
	strlcpy(body, "xpra _proxy :1", sizeof(body));
	for (depth = 1; depth <= 6; depth++) {
		snprintf(cmd, sizeof(cmd), "sh -c \"%s\"", body);
		request_parse(cmd, &r);
		strlcpy(body, cmd, sizeof(body));
		CU_ASSERT_EQUAL(r.kind, REQUEST_REFUSE);	/* never a chain */
	}
	request_parse("sh -c \"sh -c \\\"sh -c \\\\\\\"sh -c x\\\\\\\"\\\"\"", &r);
	CU_ASSERT_EQUAL(r.kind, REQUEST_REFUSE);
	/* quoted 5 times: deeper than REQUEST_DEPTH_MAX */
	request_parse("sh -c \"'\\\"'\\\\\\\"x\\\\\\\"'\\\"'\"", &r);
	CU_ASSERT_EQUAL(r.kind, REQUEST_REFUSE);
}

/*
 * What real clients send that older parsers refused (tsv rows carry the
 * sources): $NAME in a double-quoted --socket-dir(s), any uuid xpra takes,
 * the chain without else, unwrapped or one quoted word, a trailing ";",
 * and _proxy_* server starts with a reason of their own.
 */
static void
test_client_shapes(void)
{
	static const struct req_case t[] = {
		ACCEPT("\"/usr/bin/xpra\" \"_proxy\" \"--socket-dirs=/run/user/$UID/xpra\" \"100\"", 100),
		ACCEPT("\"xpra\" \"_proxy\" \"--socket-dir=$XDG_RUNTIME_DIR/xpra\" \"7\"", 7),
		ACCEPT("xpra _proxy \"--socket-dirs=a$B\" 7", 7),
		REFUSE("xpra _proxy \"--socket-dir=${HOME}\" 7", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy \"--socket-dir=$1\" 7", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy \"--socket-dir=`id`\" 7", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy \"--socket-dirx=$HOME\" 7", REASON_SHELL_SYNTAX),
		REFUSE("\"$HOME/xpra\" _proxy 7", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy \"$UID\"", REASON_SHELL_SYNTAX),
		ACCEPT("xpra _proxy 7 --env=SSH_AGENT_UUID=a", 7),
		ACCEPT("xpra _proxy 7 --env=SSH_AGENT_UUID=A-b_c.d", 7),
		REFUSE("xpra _proxy 7 --env=SSH_AGENT_UUID=", REASON_OPTION),
		REFUSE("xpra _proxy 7 --env=SSH_AGENT_UUID=.x", REASON_OPTION),
		REFUSE("xpra _proxy 7 --env=SSH_AGENT_UUID=a..b", REASON_OPTION),
		REFUSE("xpra _proxy 7 --env=SSH_AGENT_UUID=agent.default", REASON_OPTION),
		REFUSE("xpra _proxy 7 --env=SSH_AGENT_UUID=a/b", REASON_OPTION),
		REFUSE("xpra _proxy 7 '--env=SSH_AGENT_UUID=a b'", REASON_OPTION),
		REFUSE("xpra _proxy 7 --env=SSH_AGENT_UUID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", REASON_OPTION),
		ACCEPT("xpra _proxy 7 --env=SSH_AGENT_UUID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 7),
		/* the chain: no else, unwrapped, one quoted word */
		ACCEPT("sh -c 'if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy 7;fi'", 7),
		ACCEPT("sh -c 'if which \"xpra\" > /dev/null 2>&1; then xpra _proxy 7;elif [ -x /usr/local/bin/xpra ]; then /usr/local/bin/xpra _proxy 7; fi'", 7),
		ACCEPT("if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy 7;fi", 7),
		ACCEPT("xpra initenv; if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy 7;fi", 7),
		ACCEPT("'if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy 7;fi'", 7),
		REFUSE("if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy 7;fi; id", REASON_UNKNOWN_COMMAND),
		REFUSE("if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy 7;else id; fi", REASON_UNKNOWN_COMMAND),
		REFUSE("if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy 7;", REASON_UNKNOWN_COMMAND),
		REFUSE("if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy 7 fi", REASON_DISPLAY),
		REFUSE("'xpra _proxy 7'", REASON_UNKNOWN_COMMAND),
		REFUSE("'id'", REASON_UNKNOWN_COMMAND),
		REFUSE("xpra initenv; id", REASON_UNKNOWN_COMMAND),
		/* one trailing ";" */
		ACCEPT("xpra _proxy;", -1),
		ACCEPT("\"/usr/bin/xpra\" \"_proxy\" \"7\";", 7),
		PROBE("command -v xpra;", PROBE_FIND),
		REFUSE("xpra _proxy 7;;", REASON_SHELL_SYNTAX),
		REFUSE("xpra _proxy 7 ; ;", REASON_SHELL_SYNTAX),
		REFUSE(";", REASON_SHELL_SYNTAX),
		/* server starts and _proxy_run: their own reason, in every form */
		REFUSE("\"/usr/bin/xpra\" \"_proxy_start\" \":107\" \"--start=xterm\"", REASON_START),
		REFUSE("\"/usr/bin/xpra\" \"_proxy_start_desktop\" \":107\"", REASON_START),
		REFUSE("\"/usr/bin/xpra\" \"_proxy_start_monitor\" \":107\"", REASON_START),
		REFUSE("\"/usr/bin/xpra\" \"_proxy_shadow_start\" \":0,1024x768\"", REASON_START),
		REFUSE("\"/usr/bin/xpra\" \"_proxy_run\" \"100\" \"--backend=x11\" \"xterm\"", REASON_START),
		REFUSE("sh -c 'if [ -x /usr/bin/xpra ]; then /usr/bin/xpra _proxy_run \"100\" \"xterm\";fi'", REASON_START),
		REFUSE("xpra _proxyx 1", REASON_SUBCOMMAND),
		/* vnc+ssh and session names are not display numbers */
		REFUSE("xpra _proxy \"10\" \"vnc://localhost:5910/\"", REASON_DISPLAY),
		REFUSE("xpra _proxy 2nd-session", REASON_DISPLAY),
		REFUSE("xpra _proxy work 100", REASON_DISPLAY),
		REFUSE("xpra _proxy work/x", REASON_DISPLAY),
		REFUSE(CHAIN("xpra _proxy \"work\"", "/usr/local/bin/xpra _proxy "
		    "\"100\""), REASON_MISMATCH),
		ACCEPT("xpra _proxy my-session", -1),	/* by name: the tsv */
		REFUSE("xpra _proxy 100abc", REASON_DISPLAY),
	};

	run_cases(t, sizeof(t) / sizeof(t[0]));
}

/* Parse cmd with request_parse_self(cmd, self): its kind and reason. */
static void
parse_self(const char *cmd, const char *self, enum request_kind kind,
    enum request_reason why)
{
	struct request r;

	request_parse_self(cmd, self, &r);
	CU_ASSERT_EQUAL(r.kind, kind);
	if (kind == REQUEST_REFUSE)
		CU_ASSERT_EQUAL(r.reason, why);
	if (r.kind != kind)
		fprintf(stderr, "\n  \"%s\" (self %s): %s %s\n", cmd,
		    self ? self : "NULL", kind_name(r.kind),
		    request_reason_name(r.reason));
}

/*
 * The path "command -v xpra" is answered with is accepted back as the
 * program (a 6.5.3 paramiko client runs exactly that), in every form; no
 * other path with that file name, and nothing when self is unknown.
 */
static void
test_self_path(void)
{
	static const char self[] = "/tmp/xpra-proxy-under-test";

	parse_self("\"/tmp/xpra-proxy-under-test\" \"_proxy\" \"106\" \"--env=SSH_AGENT_UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"", self, REQUEST_RELAY, REASON_NONE);
	parse_self("/tmp/xpra-proxy-under-test _proxy", self, REQUEST_RELAY, REASON_NONE);
	parse_self("sh -c 'if [ -x /tmp/xpra-proxy-under-test ]; then /tmp/xpra-proxy-under-test _proxy \"106\";else echo \"no xpra command found\"; exit 1; fi'", self, REQUEST_RELAY, REASON_NONE);
	parse_self("command -v /tmp/xpra-proxy-under-test", self, REQUEST_PROBE, REASON_NONE);
	parse_self("\"/tmp/xpra-proxy-under-test\" \"_proxy\" \"106\"", NULL, REQUEST_REFUSE, REASON_UNKNOWN_COMMAND);
	parse_self("\"/tmp/xpra-proxy-under-test\" \"_proxy\" \"106\"", "/usr/bin/xpra-proxy", REQUEST_REFUSE, REASON_UNKNOWN_COMMAND);
	parse_self("\"/tmp/xpra-proxy-under-tes\" \"_proxy\" \"106\"", self, REQUEST_REFUSE, REASON_UNKNOWN_COMMAND);
	parse_self("\"/tmp/xpra-proxy-under-test/\" \"_proxy\" \"106\"", self, REQUEST_REFUSE, REASON_UNKNOWN_COMMAND);
	parse_self("\"/other/xpra-proxy-under-test\" \"_proxy\" \"106\"", self, REQUEST_REFUSE, REASON_UNKNOWN_COMMAND);
	parse_self("\"/tmp/xpra-proxy-under-test\" \"_proxy_start\" \"106\"", self, REQUEST_REFUSE, REASON_START);
	parse_self("/tmp/xpra-proxy-under-test _proxy 106; id", self, REQUEST_REFUSE, REASON_SHELL_SYNTAX);
	/* a relative self is never matched */
	parse_self("xpra-proxy-under-test _proxy 106", "xpra-proxy-under-test", REQUEST_REFUSE, REASON_UNKNOWN_COMMAND);
	/* the names already accepted still are */
	parse_self("\"/usr/bin/xpra\" \"_proxy\" \"106\"", self, REQUEST_RELAY, REASON_NONE);
}

/* P16-P17 are the caller's (argv, --allow-display): see t-restricted-*. */
static void
test_reason_names(void)
{
	int i;

	for (i = 0; i < REASON_COUNT; i++)
		CU_ASSERT_PTR_NOT_NULL(request_reason_name(i));
	CU_ASSERT_STRING_EQUAL(request_reason_name(REASON_MISMATCH),
	    "branch-mismatch");
	CU_ASSERT_STRING_EQUAL(request_reason_name(REASON_START),
	    "server-start");
	CU_ASSERT_STRING_EQUAL(request_reason_name(REASON_COUNT), "unknown");
}

CU_TestInfo request_tests[] = {
	{ "request_parse: every real client command of ssh-commands.tsv",
	    test_client_vectors },
	{ "request_parse: P1-P4 nothing, subsystems, probes",
	    test_probes_and_nothing },
	{ "request_parse: P5-P8 shapes, extra commands, mismatches, "
	    "subcommands", test_shapes },
	{ "request_parse: P9-P12 displays, socket dirs, options, env prefixes",
	    test_arguments },
	{ "request_parse: P13-P14 quoting and bytes", test_quoting_and_bytes },
	{ "request_parse: P15 size caps, refused not truncated", test_limits },
	{ "request_parse: P15 nesting", test_nesting },
	{ "request_parse: client shapes from xpra's sources (uuid, $NAME in "
	    "--socket-dirs, chain forms, trailing ;, server starts)",
	    test_client_shapes },
	{ "request_parse_self: the probe's answer is accepted back",
	    test_self_path },
	{ "request_reason_name: every reason has a name", test_reason_names },
	CU_TEST_INFO_NULL,
};
