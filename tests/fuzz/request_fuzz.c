/*
 * request_fuzz.c - libFuzzer target for the restricted-mode request parser
 * (proxy/request.h).  "make fuzz" builds and runs it; "make check-fuzz" is
 * CI's bounded run.  reference/security.md §4.2 item 2, §6.1.
 *
 * The input is copied, NUL-terminated, into a buffer of exactly its size
 * (capped at 2 * REQUEST_MAX + 1 bytes) so ASan sees any read past the end,
 * and parsed.  Every contract in request.h that can be checked from the
 * outside is checked; a violation prints what broke and abort()s, which
 * libFuzzer reports as a crash and saves the input.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "sockdir.h"

#define FUZZ_COPY_MAX	(2 * REQUEST_MAX + 1)

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *current;	/* the input being checked, for fail() */

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("request_fuzz: invariant violated: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (current != NULL)
		fprintf(stderr, "\n  input (%zu bytes): \"%.300s\"%s\n",
		    strlen(current), current,
		    strlen(current) > 300 ? "..." : "");
	else
		fputc('\n', stderr);
	abort();
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* Is s NUL-terminated within n bytes? */
static int
terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* A byte request.h says is never accepted: control, DEL, non-ASCII. */
static int
bad_byte(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != ' ') || c == 0x7f || c >= 0x80;
}

/* Check one result on its own; returns nothing, aborts on a violation. */
static void
check_result(const char *in, const struct request *r)
{
	size_t len = strlen(in), i;
	int has_bad = 0;

	CHECK(r->kind == REQUEST_REFUSE || r->kind == REQUEST_RELAY ||
	    r->kind == REQUEST_PROBE, "kind %d out of range", (int)r->kind);

	if (r->kind == REQUEST_REFUSE) {
		CHECK(r->reason != REASON_NONE && (unsigned)r->reason <
		    REASON_COUNT, "refused with reason %d", (int)r->reason);
		CHECK(request_reason_name(r->reason) != NULL,
		    "request_reason_name(%d) is NULL", (int)r->reason);
	} else {
		CHECK(r->reason == REASON_NONE,
		    "kind %d with reason %d (%s), not REASON_NONE",
		    (int)r->kind, (int)r->reason,
		    (unsigned)r->reason < REASON_COUNT ?
		    request_reason_name(r->reason) : "?");
	}

	if (r->kind == REQUEST_PROBE) {
		CHECK(r->probe > PROBE_NONE && r->probe <= PROBE_ECHO_OSTYPE,
		    "probe with probe kind %d", (int)r->probe);
		/* "command -v X", "which X", "type X": X is needed. */
		if (r->probe == PROBE_FIND || r->probe == PROBE_TYPE) {
			CHECK(terminated(r->probe_arg, sizeof(r->probe_arg)),
			    "probe_arg not NUL-terminated");
			CHECK(r->probe_arg[0] != '\0', "probe %d with empty "
			    "probe_arg", (int)r->probe);
		}
	}

	if (r->kind == REQUEST_RELAY) {
		CHECK(r->display.kind == DISPLAY_NONE ||
		    r->display.kind == DISPLAY_NUMBER ||
		    r->display.kind == DISPLAY_WAYLAND,
		    "relay to display kind %d", (int)r->display.kind);
		if (r->display.kind != DISPLAY_NONE)
			CHECK(r->display.number <= (unsigned)DISPLAY_MAX,
			    "relay to display number %u > DISPLAY_MAX",
			    r->display.number);
		CHECK(terminated(r->session_name, sizeof(r->session_name)),
		    "session_name not NUL-terminated");
		CHECK(r->session_name[0] == '\0' ||
		    (isalpha((unsigned char)r->session_name[0]) &&
		    session_name_valid(r->session_name) &&
		    r->display.kind == DISPLAY_NONE),
		    "session_name \"%s\" (display kind %d) neither empty nor "
		    "a name that starts with a letter, without a display",
		    r->session_name, (int)r->display.kind);
		CHECK(terminated(r->agent_uuid, sizeof(r->agent_uuid)),
		    "agent_uuid not NUL-terminated");
		CHECK(r->agent_uuid[0] == '\0' ||
		    agent_uuid_valid(r->agent_uuid),
		    "agent_uuid \"%s\" neither empty nor a valid link name",
		    r->agent_uuid);
	}

	if (len > REQUEST_MAX)
		CHECK(r->kind == REQUEST_REFUSE && r->reason == REASON_TOO_LONG,
		    "%zu bytes (> REQUEST_MAX) gave kind %d reason %d, not "
		    "refused too-long", len, (int)r->kind, (int)r->reason);

	for (i = 0; i < len && !has_bad; i++)
		has_bad = bad_byte((unsigned char)in[i]);
	if (has_bad)
		CHECK(r->kind == REQUEST_REFUSE,
		    "input with byte 0x%02x at %zu gave kind %d, not refused",
		    (unsigned char)in[i - 1], i - 1, (int)r->kind);
}

/* Do two results of the same input say the same thing? */
static void
check_same(const struct request *a, const struct request *b, const char *what)
{
	CHECK(a->kind == b->kind, "%s: kind %d then %d", what, (int)a->kind,
	    (int)b->kind);
	switch (a->kind) {
	case REQUEST_REFUSE:
		CHECK(a->reason == b->reason, "%s: reason %d then %d", what,
		    (int)a->reason, (int)b->reason);
		break;
	case REQUEST_PROBE:
		CHECK(a->probe == b->probe, "%s: probe %d then %d", what,
		    (int)a->probe, (int)b->probe);
		if (a->probe == PROBE_FIND || a->probe == PROBE_TYPE)
			CHECK(strcmp(a->probe_arg, b->probe_arg) == 0,
			    "%s: probe_arg \"%s\" then \"%s\"", what,
			    a->probe_arg, b->probe_arg);
		break;
	case REQUEST_RELAY:
		CHECK(a->display.kind == b->display.kind,
		    "%s: display kind %d then %d", what, (int)a->display.kind,
		    (int)b->display.kind);
		if (a->display.kind != DISPLAY_NONE)
			CHECK(memcmp(&a->display.number, &b->display.number,
			    sizeof(a->display.number)) == 0,
			    "%s: display number %u then %u", what,
			    a->display.number, b->display.number);
		CHECK(strcmp(a->session_name, b->session_name) == 0,
		    "%s: session_name \"%s\" then \"%s\"", what,
		    a->session_name, b->session_name);
		CHECK(strcmp(a->agent_uuid, b->agent_uuid) == 0,
		    "%s: agent_uuid \"%s\" then \"%s\"", what, a->agent_uuid,
		    b->agent_uuid);
		break;
	}
}

/* Parse cmd, a re-render of r, and require the same relay. */
static void
check_render(const char *cmd, const struct request *r, int with_uuid,
    const char *what)
{
	static struct request again;
	const char *saved = current;

	memset(&again, 0x5a, sizeof(again));
	current = cmd;
	request_parse(cmd, &again);
	check_result(cmd, &again);
	CHECK(again.kind == REQUEST_RELAY,
	    "%s gave kind %d reason %d (%s), not relay", what,
	    (int)again.kind, (int)again.reason,
	    again.kind == REQUEST_REFUSE && (unsigned)again.reason <
	    REASON_COUNT ? request_reason_name(again.reason) : "-");
	CHECK(again.display.kind == r->display.kind &&
	    (r->display.kind == DISPLAY_NONE ||
	    again.display.number == r->display.number),
	    "%s gave display kind %d number %u, first parse kind %d "
	    "number %u", what, (int)again.display.kind,
	    again.display.number, (int)r->display.kind, r->display.number);
	CHECK(strcmp(again.session_name, r->session_name) == 0,
	    "%s gave session_name \"%s\", first parse \"%s\"", what,
	    again.session_name, r->session_name);
	if (with_uuid)
		CHECK(strcmp(again.agent_uuid, r->agent_uuid) == 0,
		    "%s gave agent_uuid \"%s\", first parse \"%s\"", what,
		    again.agent_uuid, r->agent_uuid);
	else
		CHECK(again.agent_uuid[0] == '\0',
		    "%s without one gave agent_uuid \"%s\"", what,
		    again.agent_uuid);
	current = saved;
}

/*
 * An accepted relay must survive a round trip through the canonical
 * paramiko command: "/usr/bin/xpra" "_proxy" ["<label>" or "<name>"],
 * and, when it
 * carried an agent uuid, "/usr/bin/xpra" "_proxy" "--env=SSH_AGENT_UUID=U"
 * ["<label>"] (reference/security.md §1.3.3: _proxy [--socket-dir(s)=D]
 * [--env=SSH_AGENT_UUID=U] :N).
 */
static void
check_canonical(const struct request *r)
{
	char label[SOCKDIR_LABEL_MAX + SESSION_NAME_MAX] = "", cmd[512];
	int n;

	if (r->kind != REQUEST_RELAY)
		return;
	if (r->session_name[0] != '\0')
		strlcpy(label, r->session_name, sizeof(label));
	if (r->display.kind == DISPLAY_NONE && label[0] == '\0') {
		n = snprintf(cmd, sizeof(cmd), "\"/usr/bin/xpra\" \"_proxy\"");
	} else if (label[0] != '\0') {
		n = snprintf(cmd, sizeof(cmd),
		    "\"/usr/bin/xpra\" \"_proxy\" \"%s\"", label);
	} else {
		CHECK(display_label(&r->display, label, sizeof(label)) == 0,
		    "display_label failed for kind %d number %u",
		    (int)r->display.kind, r->display.number);
		n = snprintf(cmd, sizeof(cmd),
		    "\"/usr/bin/xpra\" \"_proxy\" \"%s\"", label);
	}
	CHECK(n > 0 && (size_t)n < sizeof(cmd), "canonical command too long");
	check_render(cmd, r, 0, "canonical re-render");

	/* ... and with the agent-forwarding option before the display. */
	if (r->agent_uuid[0] == '\0')
		return;
	n = snprintf(cmd, sizeof(cmd), "\"/usr/bin/xpra\" \"_proxy\" "
	    "\"--env=SSH_AGENT_UUID=%s\"%s%s%s", r->agent_uuid,
	    label[0] == '\0' ? "" : " \"", label,
	    label[0] == '\0' ? "" : "\"");
	CHECK(n > 0 && (size_t)n < sizeof(cmd), "canonical command too long");
	check_render(cmd, r, 1, "canonical re-render with the agent uuid");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *name, *other;
	int r, s;

	(void)argc;
	(void)argv;
	/* Every reason has a stable, distinct, non-empty lower-case name. */
	for (r = REASON_NONE + 1; r < REASON_COUNT; r++) {
		name = request_reason_name((enum request_reason)r);
		CHECK(name != NULL && name[0] != '\0',
		    "request_reason_name(%d) is NULL or empty", r);
		for (const char *p = name; *p != '\0'; p++)
			CHECK((*p >= 'a' && *p <= 'z') || *p == '-' ||
			    (*p >= '0' && *p <= '9'),
			    "request_reason_name(%d) \"%s\" not lower-case",
			    r, name);
		for (s = REASON_NONE + 1; s < r; s++) {
			other = request_reason_name((enum request_reason)s);
			CHECK(strcmp(name, other) != 0,
			    "reasons %d and %d are both named \"%s\"", s, r,
			    name);
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct request first, second;
	static char padded[REQUEST_MAX + 2];
	size_t n = size < FUZZ_COPY_MAX ? size : FUZZ_COPY_MAX;
	uint32_t h = 2166136261u;
	size_t len, i;
	char *in;

	/* Exactly n + 1 bytes, so ASan catches a read past the NUL. */
	if ((in = malloc(n + 1)) == NULL)
		abort();
	memcpy(in, data, n);
	in[n] = '\0';
	len = strlen(in);
	current = in;

	/* Two parses over differently pre-filled results must agree. */
	memset(&first, 0, sizeof(first));
	request_parse(in, &first);
	check_result(in, &first);
	memset(&second, 0xa5, sizeof(second));
	request_parse(in, &second);
	check_result(in, &second);
	check_same(&first, &second, "parsed twice");

	check_canonical(&first);

	/*
	 * No read beyond the cap (security.md §4.2): REQUEST_MAX + 1 bytes
	 * decide "too long", so a longer input is handed over with nothing
	 * readable after its first REQUEST_MAX + 1 bytes, not even the NUL;
	 * ASan reports any read past them.
	 */
	if (len > REQUEST_MAX) {
		char *cut;

		if ((cut = malloc(REQUEST_MAX + 1)) == NULL)
			abort();
		memcpy(cut, in, REQUEST_MAX + 1);
		current = NULL;
		memset(&second, 0xa5, sizeof(second));
		request_parse(cut, &second);
		current = in;
		CHECK(second.kind == REQUEST_REFUSE &&
		    second.reason == REASON_TOO_LONG, "unterminated input of "
		    "REQUEST_MAX + 1 bytes gave kind %d reason %d, not refused "
		    "too-long", (int)second.kind, (int)second.reason);
		free(cut);
	}

	/*
	 * For about one input in 64, also check that the same text padded
	 * with blanks past REQUEST_MAX is refused as too long, never cut
	 * back to something accepted.  (Cheap most of the time; the fuzzer
	 * rarely grows inputs that far on its own.)
	 */
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)in[i]) * 16777619u;
	if (len <= REQUEST_MAX && (h & 63) == 0) {
		memcpy(padded, in, len);
		memset(padded + len, ' ', REQUEST_MAX + 1 - len);
		padded[REQUEST_MAX + 1] = '\0';
		current = padded;
		memset(&second, 0xa5, sizeof(second));
		request_parse(padded, &second);
		check_result(padded, &second);
	}

	current = NULL;
	free(in);
	return 0;
}
