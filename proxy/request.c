/*
 * request.c - recognise what an xpra client asked sshd to run, without
 * running anything: a strict tokenizer (a small subset of POSIX quoting,
 * no expansion of any kind), then the exact command shapes xpra clients
 * send (reference/xpra.md §5; every shape, with the xpra source line it
 * comes from, in tests/data/ssh-commands.tsv).  Anything else is refused.
 *
 * Tokens: words, and the three operators the openssh backend's chain
 * uses, ";", ">" and "2>&1".  Every other shell metacharacter outside
 * quotes is refused, as are "$(", "${" and backquotes anywhere.  A "$NAME"
 * outside double quotes is kept as literal text ($XDG_RUNTIME_DIR in a
 * path, $OSTYPE in a probe), and so is one inside double quotes in a
 * --socket-dir(s)= word, whose value is never used: nothing is ever
 * expanded.
 */
#include <ctype.h>
#include <string.h>

#include "request.h"

struct word {
	const char	*s;
	bool		 op;		/* an operator, not a word */
	bool		 quoted;	/* some part of it was quoted */
};

struct words {
	struct word	 v[REQUEST_WORDS_MAX];
	size_t		 n;
	char		 text[REQUEST_MAX + REQUEST_WORDS_MAX];
	size_t		 used;
};

/* The tokenizer's position. */
struct lexer {
	const char	*s;
	struct words	*w;
	char		*out;		/* the word being built */
	size_t		 len;
	bool		 quoted;
	bool		 bracket;	/* an unquoted '[' or ']' in it */
	bool		 expands;	/* a "$NAME" in double quotes in it */
};

static const char *const reason_names[REASON_COUNT] = {
	[REASON_NONE] = "none",
	[REASON_EMPTY] = "empty",
	[REASON_TOO_LONG] = "too-long",
	[REASON_BAD_BYTE] = "bad-byte",
	[REASON_QUOTING] = "quoting",
	[REASON_SHELL_SYNTAX] = "shell-syntax",
	[REASON_UNKNOWN_COMMAND] = "unknown-command",
	[REASON_SUBCOMMAND] = "subcommand",
	[REASON_OPTION] = "option",
	[REASON_DISPLAY] = "display",
	[REASON_MISMATCH] = "branch-mismatch",
	[REASON_TOO_DEEP] = "too-deep",
	[REASON_NO_COMMAND] = "no-command",
	[REASON_NOT_ALLOWED] = "display-not-allowed",
	[REASON_START] = "server-start",
};

const char *
request_reason_name(enum request_reason r)
{
	return (unsigned int)r < REASON_COUNT ? reason_names[r] : "unknown";
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_name_start(char c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Every byte printable ASCII, space or tab. */
static bool
bytes_ok(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p >= 0x7f)
			return false;
	return true;
}

static enum request_reason
put(struct lexer *lx, char c)
{
	if (lx->len >= REQUEST_WORD_MAX - 1)
		return REASON_TOO_LONG;
	lx->out[lx->len++] = c;
	return REASON_NONE;
}

/* '...': everything literal up to the next quote. */
static enum request_reason
lex_single(struct lexer *lx)
{
	enum request_reason r;

	for (lx->s++; *lx->s != '\''; lx->s++) {
		if (*lx->s == '\0')
			return REASON_QUOTING;
		if ((r = put(lx, *lx->s)) != REASON_NONE)
			return r;
	}
	lx->s++;
	lx->quoted = true;
	return REASON_NONE;
}

/*
 * "...": \" \\ \$ \` escape; ` and every $ but "$NAME" would expand:
 * refused.  "$NAME" is kept as text and marks the word (see lex_word).
 */
static enum request_reason
lex_double(struct lexer *lx)
{
	enum request_reason r;
	char c;

	for (lx->s++; *lx->s != '"'; lx->s++) {
		c = *lx->s;
		if (c == '\0')
			return REASON_QUOTING;
		if (c == '`' || (c == '$' && !is_name_start(lx->s[1])))
			return REASON_SHELL_SYNTAX;
		if (c == '$')
			lx->expands = true;
		if (c == '\\' && lx->s[1] != '\0' && strchr("\"\\$`", lx->s[1]))
			c = *++lx->s;
		if ((r = put(lx, c)) != REASON_NONE)
			return r;
	}
	lx->s++;
	lx->quoted = true;
	return REASON_NONE;
}

/* One unquoted character of a word. */
static enum request_reason
lex_plain(struct lexer *lx)
{
	char c = *lx->s;

	if (c == '\\') {
		if (*++lx->s == '\0')
			return REASON_QUOTING;
		lx->quoted = true;
		return put(lx, *lx->s++);
	}
	if (strchr("|&<()`*?{}!", c) != NULL)
		return REASON_SHELL_SYNTAX;
	if (c == '#' && lx->len == 0 && !lx->quoted)
		return REASON_SHELL_SYNTAX;	/* a comment */
	if (c == '$' && !is_name_start(lx->s[1]))
		return REASON_SHELL_SYNTAX;	/* $(, ${, $$, $1 ... */
	if (c == '[' || c == ']')
		lx->bracket = true;
	lx->s++;
	return put(lx, c);
}

static enum request_reason
add_word(struct words *w, const char *s, bool op, bool quoted)
{
	if (w->n == REQUEST_WORDS_MAX)
		return REASON_TOO_LONG;
	w->v[w->n].s = s;
	w->v[w->n].op = op;
	w->v[w->n].quoted = quoted;
	w->n++;
	return REASON_NONE;
}

/* An operator at lx->s: its length, or 0. */
static size_t
operator_len(const char *s)
{
	if (*s == ';' || *s == '>')
		return 1;
	if (strncmp(s, "2>&1", 4) == 0 && (is_blank(s[4]) || s[4] == ';' ||
	    s[4] == '\0'))
		return 4;
	return 0;
}

/*
 * --socket-dir=... or --socket-dirs=...: a value the client sends and that
 * is never used, so the only words that may hold a double-quoted "$NAME"
 * (xpra master's paramiko backend sends "--socket-dirs=/run/user/$UID/xpra").
 */
static bool
is_socket_dir_option(const char *s)
{
	return strncmp(s, "--socket-dir=", 13) == 0 ||
	    strncmp(s, "--socket-dirs=", 14) == 0;
}

/* One word, up to a blank, an operator or the end. */
static enum request_reason
lex_word(struct lexer *lx)
{
	struct words *w = lx->w;
	enum request_reason r = REASON_NONE;

	lx->out = w->text + w->used;
	lx->len = 0;
	lx->quoted = lx->bracket = lx->expands = false;
	while (r == REASON_NONE && *lx->s != '\0' && !is_blank(*lx->s) &&
	    *lx->s != ';' && *lx->s != '>') {
		if (*lx->s == '\'')
			r = lex_single(lx);
		else if (*lx->s == '"')
			r = lex_double(lx);
		else
			r = lex_plain(lx);
	}
	if (r != REASON_NONE)
		return r;
	/* "[" and "]" are words of their own, never glob patterns */
	if (lx->bracket && (lx->len != 1 || lx->quoted))
		return REASON_SHELL_SYNTAX;
	lx->out[lx->len] = '\0';
	if (lx->expands && !is_socket_dir_option(lx->out))
		return REASON_SHELL_SYNTAX;
	w->used += lx->len + 1;
	return add_word(w, lx->out, false, lx->quoted);
}

/* Split s into words and operators.  REASON_NONE or why not. */
static enum request_reason
tokenize(const char *s, struct words *w)
{
	static const char *const ops[] = { ";", ">", "2>&1" };
	struct lexer lx = { s, w, NULL, 0, false, false, false };
	enum request_reason r = REASON_NONE;
	size_t n;

	w->n = w->used = 0;
	while (r == REASON_NONE) {
		while (is_blank(*lx.s))
			lx.s++;
		if (*lx.s == '\0')
			break;
		if ((n = operator_len(lx.s)) != 0) {
			r = add_word(w, ops[n == 4 ? 2 : *lx.s == '>'], true,
			    false);
			lx.s += n;
		} else {
			r = lex_word(&lx);
		}
	}
	return r;
}

/* --- matching ----------------------------------------------------------- */

#define UUID_MAX	128	/* xpra master's MAX_UUID_LENGTH */
#define UUID_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789-_."

/* A cursor over words; self: the path probes answer with, or NULL. */
struct cursor {
	const struct words	*w;
	size_t			 i;
	const char		*self;
};

static const char *
peek(const struct cursor *c)
{
	return c->i < c->w->n ? c->w->v[c->i].s : NULL;
}

/* Is the next word the unquoted keyword or operator kw?  Consume it. */
static bool
accept_kw(struct cursor *c, const char *kw)
{
	const struct word *w;

	if (c->i >= c->w->n)
		return false;
	w = &c->w->v[c->i];
	if (w->quoted || strcmp(w->s, kw) != 0)
		return false;
	c->i++;
	return true;
}

/* The next word, if it is a word (not an operator).  Consume it. */
static const char *
take_word(struct cursor *c)
{
	if (c->i >= c->w->n || c->w->v[c->i].op)
		return NULL;
	return c->w->v[c->i++].s;
}

/*
 * A program xpra clients run: xpra, xpra-proxy, run-xpra..., by a path of
 * plain characters ($ and ~ for $XDG_RUNTIME_DIR/... and ~/.xpra/...); or
 * exactly self, the absolute path a probe was answered with (paramiko
 * clients run what "command -v xpra" printed, whatever its file name).
 */
static bool
is_xpra_program(const char *s, const char *self)
{
	static const char *const names[] = {
		"xpra", "xpra-proxy", "run-xpra", "Xpra_cmd.exe",
	};
	static const char path_chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-$~";
	const char *base = strrchr(s, '/');
	size_t i;

	if (self != NULL && self[0] == '/' && strcmp(s, self) == 0)
		return true;
	if (s[0] == '-' || strspn(s, path_chars) != strlen(s))
		return false;
	base = base != NULL ? base + 1 : s;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(base, names[i]) == 0)
			return true;
	return false;
}

/*
 * An agent uuid as xpra master's valid_uuid() takes it: 1 to UUID_MAX of
 * [A-Za-z0-9._-], no leading dot, no "..", not "agent" or "agent.default".
 * Clients send a sha256 hex digest, or the user's XPRA_USER_UUID.
 */
static bool
is_agent_uuid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= UUID_MAX && strspn(s, UUID_CHARS) == n &&
	    s[0] != '.' && strstr(s, "..") == NULL &&
	    strcmp(s, "agent") != 0 && strcmp(s, "agent.default") != 0;
}

/* A display exactly ":N", "N" or "wayland-N". */
static enum request_reason
parse_display(const char *s, struct display *ret)
{
	char label[SOCKDIR_LABEL_MAX];
	struct display d;

	if (display_parse(s, &d) < 0 || (d.kind != DISPLAY_NUMBER &&
	    d.kind != DISPLAY_WAYLAND) ||
	    display_label(&d, label, sizeof(label)) < 0)
		return REASON_DISPLAY;
	if (strcmp(s, label) != 0 && !(d.kind == DISPLAY_NUMBER &&
	    strcmp(s, label + 1) == 0))
		return REASON_DISPLAY;	/* ":1.0", ":1,x=y": not canonical */
	*ret = d;
	return REASON_NONE;
}

/*
 * One argument after "_proxy".  An agent uuid is kept when every server
 * version takes it as a link name (agent_uuid_valid()); any other one
 * master's rule allows is accepted and ignored.  The one other word is
 * the display, or a session name (request.h).
 */
static enum request_reason
parse_proxy_arg(const char *a, struct request *r, bool *have_display)
{
	static const char env[] = "--env=SSH_AGENT_UUID=";
	const char *uuid = a + sizeof(env) - 1;

	if (is_socket_dir_option(a))
		return REASON_NONE;	/* the client never picks a directory */
	if (strncmp(a, env, sizeof(env) - 1) == 0 && is_agent_uuid(uuid)) {
		if (agent_uuid_valid(uuid))
			strlcpy(r->agent_uuid, uuid, sizeof(r->agent_uuid));
		return REASON_NONE;
	}
	if (a[0] == '-')
		return REASON_OPTION;
	if (*have_display)
		return REASON_DISPLAY;	/* more than one: vnc://..., a name */
	*have_display = true;
	if (isalpha((unsigned char)a[0]) && session_name_valid(a)) {
		strlcpy(r->session_name, a, sizeof(r->session_name));
		return REASON_NONE;
	}
	return parse_display(a, &r->display);
}

/*
 * "<program> _proxy [args]" up to the end or a ";" (left unconsumed).
 * Fills r's display and uuid.  Every other "_proxy_*" (_proxy_start,
 * _proxy_start_desktop, _proxy_shadow_start, _proxy_run...) starts a
 * server or runs a command: REASON_START.
 */
static enum request_reason
parse_proxy_command(struct cursor *c, struct request *r)
{
	enum request_reason why;
	bool have_display = false;
	const char *sub, *a;

	if ((sub = take_word(c)) == NULL)
		return REASON_UNKNOWN_COMMAND;
	if (strncmp(sub, "_proxy_", 7) == 0)
		return REASON_START;
	if (strcmp(sub, "_proxy") != 0)
		return REASON_SUBCOMMAND;
	r->display.kind = DISPLAY_NONE;
	r->session_name[0] = '\0';
	r->agent_uuid[0] = '\0';
	while ((a = take_word(c)) != NULL)
		if ((why = parse_proxy_arg(a, r, &have_display)) != REASON_NONE)
			return why;
	return REASON_NONE;
}

/* "command -v X", "which X", "type X" + "> /dev/null 2>&1": X. */
static const char *
parse_found_test(struct cursor *c)
{
	const char *x, *sink;

	if (accept_kw(c, "command")) {
		if (!accept_kw(c, "-v"))
			return NULL;
	} else if (!accept_kw(c, "which") && !accept_kw(c, "type")) {
		return NULL;
	}
	if ((x = take_word(c)) == NULL || !is_xpra_program(x, c->self))
		return NULL;
	if (!accept_kw(c, ">") || (sink = take_word(c)) == NULL ||
	    strcmp(sink, "/dev/null") != 0 || !accept_kw(c, "2>&1"))
		return NULL;
	return x;
}

/* One "if"/"elif" condition and its ";": the program it names. */
static const char *
parse_condition(struct cursor *c)
{
	const char *p;

	if (!accept_kw(c, "["))
		p = parse_found_test(c);
	else if (!accept_kw(c, "-x") || (p = take_word(c)) == NULL ||
	    !accept_kw(c, "]"))
		p = NULL;
	return p != NULL && accept_kw(c, ";") ? p : NULL;
}

static bool
same_target(const struct request *a, const struct request *b)
{
	return a->display.kind == b->display.kind &&
	    a->display.number == b->display.number &&
	    strcmp(a->session_name, b->session_name) == 0 &&
	    strcmp(a->agent_uuid, b->agent_uuid) == 0;
}

/* "then P _proxy ARGS;" where P is what the condition tested. */
static enum request_reason
parse_branch(struct cursor *c, const char *tested, struct request *r)
{
	enum request_reason why;
	const char *p;

	if (!accept_kw(c, "then") || (p = take_word(c)) == NULL)
		return REASON_UNKNOWN_COMMAND;
	if (strcmp(p, tested) != 0 || !is_xpra_program(p, c->self))
		return REASON_UNKNOWN_COMMAND;
	if ((why = parse_proxy_command(c, r)) != REASON_NONE)
		return why;
	return accept_kw(c, ";") ? REASON_NONE : REASON_UNKNOWN_COMMAND;
}

/* The chain's end: [else echo WORD; exit 1;] fi, and nothing after. */
static bool
parse_chain_end(struct cursor *c)
{
	if (accept_kw(c, "else") && (!accept_kw(c, "echo") ||
	    take_word(c) == NULL || !accept_kw(c, ";") ||
	    !accept_kw(c, "exit") || !accept_kw(c, "1") ||
	    !accept_kw(c, ";")))
		return false;
	return accept_kw(c, "fi") && peek(c) == NULL;
}

/*
 * The openssh backend's body: [xpra initenv ;] if C; then X _proxy ...;
 * [elif C; then X _proxy ...;]... [else echo "..."; exit 1;] fi
 * (xpra's clients always send the else; xpra's own ssh server also takes
 * a chain without it).  Every branch must ask for the same display or
 * session name (and agent uuid).
 */
static enum request_reason
parse_chain(const struct words *w, const char *self, struct request *r)
{
	struct cursor c = { w, 0, self };
	enum request_reason why;
	struct request branch;
	const char *tested;
	bool first = true;

	if (accept_kw(&c, "xpra") && (!accept_kw(&c, "initenv") ||
	    !accept_kw(&c, ";")))
		return REASON_UNKNOWN_COMMAND;
	if (!accept_kw(&c, "if"))
		return REASON_UNKNOWN_COMMAND;
	do {
		memset(&branch, 0, sizeof(branch));
		if ((tested = parse_condition(&c)) == NULL)
			return REASON_UNKNOWN_COMMAND;
		if ((why = parse_branch(&c, tested, &branch)) != REASON_NONE)
			return why;
		if (!first && !same_target(r, &branch))
			return REASON_MISMATCH;
		r->display = branch.display;
		memcpy(r->session_name, branch.session_name,
		    sizeof(r->session_name));
		memcpy(r->agent_uuid, branch.agent_uuid, sizeof(r->agent_uuid));
		first = false;
	} while (accept_kw(&c, "elif"));
	return parse_chain_end(&c) ? REASON_NONE : REASON_UNKNOWN_COMMAND;
}

/* Does w start like the chain: "if", or "xpra initenv ;"? */
static bool
is_chain(const struct words *w)
{
	struct cursor c = { w, 0, NULL };

	return accept_kw(&c, "if") || (accept_kw(&c, "xpra") &&
	    accept_kw(&c, "initenv") && accept_kw(&c, ";"));
}

/* A paramiko probe of the first n words of w, or PROBE_NONE. */
static enum request_probe
parse_probe(const struct words *w, size_t n, const char *self,
    struct request *r)
{
	const char *cmd = w->v[0].s, *x = n > 1 ? w->v[n - 1].s : "";

	if (w->v[0].quoted)
		return PROBE_NONE;
	if (strcmp(cmd, "command") == 0 && n == 1)
		return PROBE_COMMAND;
	if (strcmp(cmd, "echo") == 0 && n == 2)
		return strcmp(x, "%OS%") == 0 ? PROBE_ECHO_OS :
		    strcmp(x, "$OSTYPE") == 0 ? PROBE_ECHO_OSTYPE : PROBE_NONE;
	if (!is_xpra_program(x, self))
		return PROBE_NONE;
	strlcpy(r->probe_arg, x, sizeof(r->probe_arg));
	if (strcmp(cmd, "command") == 0 && n == 3 &&
	    strcmp(w->v[1].s, "-v") == 0)
		return PROBE_FIND;
	if (strcmp(cmd, "which") == 0 && n == 2)
		return PROBE_FIND;
	if (strcmp(cmd, "type") == 0 && n == 2)
		return PROBE_TYPE;
	return PROBE_NONE;
}

/* Any operator among the first n words of w? */
static bool
has_operator(const struct words *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w->v[i].op)
			return true;
	return false;
}

static enum request_reason parse_words(const struct words *w, int depth,
		    const char *self, struct request *r);

/*
 * "sh -c BODY": BODY may be quoted once more per nested ssh hop (xpra's
 * XPRA_SSH_MAGIC_QUOTES), so a BODY that is one quoted word is unquoted
 * again, up to REQUEST_DEPTH_MAX.  A shell would not do that, but nothing
 * is run here either: it only widens which quoting is recognised.
 */
static enum request_reason
parse_sh_body(const char *body, int depth, const char *self,
    struct request *r)
{
	struct words inner;
	enum request_reason why;

	if (depth >= REQUEST_DEPTH_MAX)
		return REASON_TOO_DEEP;
	if ((why = tokenize(body, &inner)) != REASON_NONE)
		return why;
	if (inner.n == 1 && !inner.v[0].op && inner.v[0].quoted)
		return parse_sh_body(inner.v[0].s, depth + 1, self, r);
	if (inner.n >= 1 && !inner.v[0].quoted &&
	    strcmp(inner.v[0].s, "sh") == 0)
		return parse_words(&inner, depth + 1, self, r);
	r->kind = REQUEST_RELAY;
	return parse_chain(&inner, self, r);
}

/*
 * One level of words: sh -c BODY; the chain as one quoted word or
 * unwrapped (both taken by xpra's own ssh server); a probe; or
 * "<program> _proxy ...".  A probe or a _proxy command may end with one
 * ";", as a shell allows (xpra's ssh server strips it from "_proxy;").
 */
static enum request_reason
parse_words(const struct words *w, int depth, const char *self,
    struct request *r)
{
	struct cursor c = { w, 0, self };
	size_t n = w->n;

	if (n == 0)
		return REASON_EMPTY;
	if (n == 3 && accept_kw(&c, "sh") && accept_kw(&c, "-c") &&
	    !w->v[2].op)
		return parse_sh_body(w->v[2].s, depth, self, r);
	if (n == 1 && w->v[0].quoted)
		return parse_sh_body(w->v[0].s, depth, self, r);
	if (is_chain(w)) {
		r->kind = REQUEST_RELAY;
		return parse_chain(w, self, r);
	}
	if (n > 1 && w->v[n - 1].op && strcmp(w->v[n - 1].s, ";") == 0)
		n--;
	if (has_operator(w, n))
		return REASON_SHELL_SYNTAX;
	if ((r->probe = parse_probe(w, n, self, r)) != PROBE_NONE) {
		r->kind = REQUEST_PROBE;
		return REASON_NONE;
	}
	if (!is_xpra_program(w->v[0].s, self))
		return REASON_UNKNOWN_COMMAND;
	c.i = 1;
	r->kind = REQUEST_RELAY;
	return parse_proxy_command(&c, r);
}

void
request_parse_self(const char *cmd, const char *self, struct request *ret)
{
	struct request r;
	struct words w;
	enum request_reason why;

	memset(&r, 0, sizeof(r));
	r.display.kind = DISPLAY_NONE;
	if (strnlen(cmd, REQUEST_MAX + 1) > REQUEST_MAX)
		why = REASON_TOO_LONG;
	else if (!bytes_ok(cmd))
		why = REASON_BAD_BYTE;
	else if ((why = tokenize(cmd, &w)) == REASON_NONE)
		why = parse_words(&w, 0, self, &r);
	if (why != REASON_NONE) {
		memset(&r, 0, sizeof(r));
		r.kind = REQUEST_REFUSE;
		r.display.kind = DISPLAY_NONE;
		r.reason = why;
	}
	*ret = r;
}

void
request_parse(const char *cmd, struct request *ret)
{
	request_parse_self(cmd, NULL, ret);
}
