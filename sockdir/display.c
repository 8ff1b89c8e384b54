/*
 * display.c - the one display grammar, shared by every entry point
 * (argv, xpra's _proxy argv, and the restricted-mode request parser).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockdir.h"

/*
 * Parse the decimal number in s[0..len): digits only, no sign, no leading
 * zero, at most DISPLAY_MAX.  Returns 0 or -EINVAL.
 */
static int
parse_number(const char *s, size_t len, unsigned int *ret)
{
	unsigned long long n = 0;
	size_t i;

	if (len == 0 || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		n = n * 10 + (unsigned int)(s[i] - '0');
		if (n > DISPLAY_MAX)
			return -EINVAL;
	}
	*ret = (unsigned int)n;
	return 0;
}

/* ":N", "N" or ":N.S" in s[0..len).  Returns 0 or -EINVAL. */
static int
parse_x11(const char *s, size_t len, unsigned int *ret)
{
	const char *dot;
	unsigned int screen;

	if (len > 0 && s[0] == ':') {
		s++;
		len--;
	}
	dot = memchr(s, '.', len);
	if (dot != NULL) {
		if (parse_number(dot + 1, len - (size_t)(dot + 1 - s),
		    &screen) < 0)
			return -EINVAL;
		len = (size_t)(dot - s);
	}
	return parse_number(s, len, ret);
}

/* An absolute path in s[0..len) into d->path.  0, -EINVAL, -ENAMETOOLONG. */
static int
parse_path(const char *s, size_t len, struct display *d)
{
	if (len < 2 || s[0] != '/')
		return -EINVAL;
	if (len >= sizeof(d->path))
		return -ENAMETOOLONG;
	memcpy(d->path, s, len);
	d->path[len] = '\0';
	d->kind = DISPLAY_PATH;
	return 0;
}

int
display_parse(const char *s, struct display *ret)
{
	static const char wayland[] = "wayland-", uri[] = "socket:";
	struct display d = { .kind = DISPLAY_NONE };
	const char *comma;
	size_t len;
	int r;

	comma = strchr(s, ',');
	len = comma != NULL ? (size_t)(comma - s) : strlen(s);
	if (strncmp(s, uri, sizeof(uri) - 1) == 0) {
		s += sizeof(uri) - 1;
		len -= sizeof(uri) - 1;
		if (len > 2 && strncmp(s, "///", 3) == 0) {
			s += 2;		/* socket:///p keeps one slash */
			len -= 2;
		}
		r = parse_path(s, len, &d);
	} else if (len > 0 && s[0] == '/') {
		r = parse_path(s, len, &d);
	} else if (strncmp(s, wayland, sizeof(wayland) - 1) == 0 ||
	    (s[0] == ':' && strncmp(s + 1, wayland, sizeof(wayland) - 1) == 0)) {
		/* ":wayland-N" too: "list" labels it so, as xpra 3.1.3 does */
		if (s[0] == ':')
			s++, len--;
		d.kind = DISPLAY_WAYLAND;
		r = parse_number(s + sizeof(wayland) - 1,
		    len - (sizeof(wayland) - 1), &d.number);
	} else {
		d.kind = DISPLAY_NUMBER;
		r = parse_x11(s, len, &d.number);
	}
	if (r < 0)
		return r;
	*ret = d;
	return 0;
}

int
display_label(const struct display *d, char *buf, size_t len)
{
	int n;

	switch (d->kind) {
	case DISPLAY_NUMBER:
		n = snprintf(buf, len, ":%u", d->number);
		break;
	case DISPLAY_WAYLAND:
		n = snprintf(buf, len, "wayland-%u", d->number);
		break;
	case DISPLAY_PATH:
		n = snprintf(buf, len, "%s", d->path);
		break;
	default:
		n = snprintf(buf, len, "%s", "");
		break;
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
display_flat_name(const struct display *d, const char *host, char *buf,
    size_t len)
{
	int n;

	if (d->kind == DISPLAY_NUMBER)
		n = snprintf(buf, len, "%s-%u", host, d->number);
	else if (d->kind == DISPLAY_WAYLAND)
		n = snprintf(buf, len, "%s-wayland-%u", host, d->number);
	else
		return -EINVAL;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
display_abstract_name(const struct display *d, char *buf, size_t len)
{
	int n;

	/* xpra: the label without its leading ':' (no ':' or '.' remain) */
	if (d->kind == DISPLAY_NUMBER)
		n = snprintf(buf, len, "@xpra/%u", d->number);
	else if (d->kind == DISPLAY_WAYLAND)
		n = snprintf(buf, len, "@xpra/wayland-%u", d->number);
	else
		return -EINVAL;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool
session_name_valid(const char *s)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	struct display d;
	size_t n = strlen(s);

	/* xpra takes anything with "wayland-" for a display, never a name */
	return n > 0 && n <= SESSION_NAME_MAX && strspn(s, chars) == n &&
	    isalnum((unsigned char)s[0]) && strstr(s, "wayland-") == NULL &&
	    s[strspn(s, "0123456789.")] != '\0' && display_parse(s, &d) < 0;
}
