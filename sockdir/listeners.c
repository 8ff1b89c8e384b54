/*
 * listeners.c - which socket files have a listener behind them, asked of
 * the kernel (NETLINK_SOCK_DIAG, unix_diag) so that listing sessions does
 * not connect to, and wake, every xpra server.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "sockdir.h"

#define TCP_LISTEN_STATE	10	/* the kernel's TCP_LISTEN, used by AF_UNIX */


static int
send_dump_request(int fd)
{
	struct {
		struct nlmsghdr		nlh;
		struct unix_diag_req	req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.req = {
			.sdiag_family = AF_UNIX,
			.udiag_states = 1 << TCP_LISTEN_STATE,
			.udiag_show = UDIAG_SHOW_VFS | UDIAG_SHOW_UID,
		},
	};

	if (send(fd, &msg, sizeof(msg), 0) < 0)
		return -errno;
	return 0;
}

/* Decode one unix_diag_msg; 1 if it described a bound file, else 0. */
static int
parse_one(const struct nlmsghdr *h, struct sock_listener *ret)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct unix_diag_vfs *vfs = NULL;
	const struct rtattr *a;
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	int64_t uid = -1;

	if (len < 0)
		return 0;
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len);
	    a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_VFS &&
		    RTA_PAYLOAD(a) >= sizeof(*vfs))
			vfs = RTA_DATA(a);
		else if (a->rta_type == UNIX_DIAG_UID &&
		    RTA_PAYLOAD(a) >= sizeof(uint32_t))
			uid = *(const uint32_t *)RTA_DATA(a);
	}
	if (vfs == NULL)
		return 0;
	/* The kernel reports its own dev_t: 12 bits major, 20 bits minor. */
	ret->dev = makedev(vfs->udiag_vfs_dev >> 20,
	    vfs->udiag_vfs_dev & 0xfffff);
	ret->ino = vfs->udiag_vfs_ino;
	ret->uid = uid;
	return 1;
}

static int
listeners_add(struct sock_listeners *l, const struct sock_listener *e)
{
	struct sock_listener *v;

	if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	v[l->n++] = *e;
	l->v = v;
	return 0;
}

/* Read the dump's replies into l.  Returns 0 or -errno. */
static int
read_dump(int fd, struct sock_listeners *l)
{
	long buf[8192 / sizeof(long)];
	struct sock_listener e;
	struct nlmsghdr *h;
	ssize_t n;
	int r;

	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EPROTO;
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
			    parse_one(h, &e) && (r = listeners_add(l, &e)) < 0)
				return r;
		}
	}
}

int
sock_listeners_get(struct sock_listeners *ret)
{
	struct sock_listeners l = { NULL, 0 };
	int fd, r;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if ((r = send_dump_request(fd)) == 0)
		r = read_dump(fd, &l);
	close(fd);
	if (r < 0) {
		sock_listeners_free(&l);
		return r;
	}
	*ret = l;
	return 0;
}

const struct sock_listener *
sock_listeners_find(const struct sock_listeners *l, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].dev == dev && l->v[i].ino == (uint32_t)ino)
			return &l->v[i];
	return NULL;
}

void
sock_listeners_free(struct sock_listeners *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
