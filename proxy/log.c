/*
 * log.c - one line on stderr, one record in the journal, both escaped
 * with strnvis(3).  Errors and
 * warnings are journalled and printed; notices and info are journalled and
 * printed with -v; debug is printed with -vv only.
 */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <vis.h>
#include <systemd/sd-journal.h>

#include "log.h"

#define LOG_LINE_MAX	1024
#define FIELDS_MAX	17

static enum log_level log_level = LOG_NORMAL;

/*
 * libsystemd and what it pulls in (libgcrypt, liblzma, libzstd, liblz4,
 * libcap) take longer to load than the whole relay takes to start, so it
 * is loaded on the first record, not at exec.  Restricted mode writes
 * its first record before the sandbox closes the filesystem.
 */
typedef __typeof__(sd_journal_sendv)	*journal_sendv_fn;

static journal_sendv_fn
journal_sendv(void)
{
	static journal_sendv_fn fn;
	static bool tried;
	void *lib;

	if (!tried) {
		tried = true;
		if ((lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL)) !=
		    NULL)
			*(void **)&fn = dlsym(lib, "sd_journal_sendv");
	}
	return fn;
}

void
log_init(enum log_level level)
{
	log_level = level;
}

static bool
shown_on_stderr(int prio)
{
	if (prio <= LOG_ERR)
		return true;
	if (prio == LOG_WARNING)
		return log_level >= LOG_NORMAL;
	if (prio == LOG_DEBUG)
		return log_level >= LOG_DEBUG_LEVEL;
	return log_level >= LOG_VERBOSE;
}

struct fieldbuf {
	struct iovec	iov[FIELDS_MAX];
	char		text[FIELDS_MAX][LOG_LINE_MAX];
	int		n;
};

static void __attribute__((format(printf, 2, 3)))
field(struct fieldbuf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (b->n == FIELDS_MAX)
		return;
	va_start(ap, fmt);
	len = vsnprintf(b->text[b->n], LOG_LINE_MAX, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (len >= LOG_LINE_MAX)
		len = LOG_LINE_MAX - 1;
	b->iov[b->n].iov_base = b->text[b->n];
	b->iov[b->n].iov_len = (size_t)len;
	b->n++;
}

/*
 * NAME=value with value escaped (it may be the client's text) and cut to
 * LOG_REQUEST_MAX bytes, marked with "..." when cut.
 */
static void
field_vis(struct fieldbuf *b, const char *name, const char *value)
{
	char vis[LOG_REQUEST_MAX + 4];
	int n;

	n = strnvis(vis, value, LOG_REQUEST_MAX + 1, VIS_CSTYLE | VIS_NL |
	    VIS_TAB | VIS_OCTAL);
	if (n < 0 || n > LOG_REQUEST_MAX)
		strlcpy(vis + LOG_REQUEST_MAX - 3, "...", 4);
	field(b, "%s=%s", name, vis);
}

static void
journal(int prio, const char *msgid, const struct log_fields *f,
    const char *message)
{
	static struct fieldbuf b;

	b.n = 0;
	field(&b, "MESSAGE=%s", message);
	field(&b, "PRIORITY=%d", prio);
	field(&b, "SYSLOG_IDENTIFIER=xpra-proxy");
	if (msgid != NULL)
		field(&b, "MESSAGE_ID=%s", msgid);
	if (f != NULL) {
		if (f->display != NULL)
			field(&b, "XPRA_DISPLAY=%s", f->display);
		if (f->socket != NULL)
			field(&b, "XPRA_SOCKET=%s", f->socket);
		if (f->reason != NULL)
			field(&b, "REASON=%s", f->reason);
		if (f->bytes_up >= 0)
			field(&b, "BYTES_UP=%lld", (long long)f->bytes_up);
		if (f->bytes_down >= 0)
			field(&b, "BYTES_DOWN=%lld", (long long)f->bytes_down);
		if (f->duration_usec >= 0)
			field(&b, "DURATION_USEC=%lld",
			    (long long)f->duration_usec);
		if (f->closed_by != NULL)
			field(&b, "CLOSED_BY=%s", f->closed_by);
		if (f->exit_status >= 0)
			field(&b, "EXIT_STATUS=%d", f->exit_status);
		if (f->errnum != 0)
			field(&b, "ERRNO=%d", f->errnum);
		if (f->request != NULL)
			field_vis(&b, "XPRA_REQUEST", f->request);
		if (f->ssh_connection != NULL)
			field_vis(&b, "SSH_CONNECTION", f->ssh_connection);
		if (f->mode != NULL)
			field(&b, "XPRA_PROXY_MODE=%s", f->mode);
	}
	if (journal_sendv() != NULL)
		(void)journal_sendv()(b.iov, b.n);
}

/* Format into line; arguments may carry any byte: escape them. */
static void
format_line(char line[LOG_LINE_MAX], const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX];

	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	(void)strnvis(line, raw, LOG_LINE_MAX, VIS_CSTYLE | VIS_NL | VIS_TAB |
	    VIS_OCTAL);
}

static void
vlog(int prio, const char *msgid, const struct log_fields *f,
    const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];

	format_line(line, fmt, ap);
	if (shown_on_stderr(prio))
		fprintf(stderr, "xpra-proxy: %s\n", line);
	if (prio != LOG_DEBUG)
		journal(prio, msgid, f, line);
}

void
log_event(int prio, const char *msgid, const struct log_fields *f,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, msgid, f, fmt, ap);
	va_end(ap);
}

void
log_tell(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	format_line(line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "xpra-proxy: %s\n", line);
}

#define DEFINE_LOG_FN(name, prio)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	vlog(prio, NULL, NULL, fmt, ap);			\
	va_end(ap);						\
}

DEFINE_LOG_FN(log_error, LOG_ERR)
DEFINE_LOG_FN(log_warn, LOG_WARNING)
DEFINE_LOG_FN(log_debug, LOG_DEBUG)
