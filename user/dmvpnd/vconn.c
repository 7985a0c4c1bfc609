// SPDX-License-Identifier: GPL-2.0
/*
 * One VICI connection to charon (vconn.h).  A request goes out as one
 * frame, written as far as the socket takes it and finished on EPOLLOUT;
 * what comes in is cut into whole frames, a bounded number of reads per
 * wakeup, so the loop never waits on charon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dmvpnd.h"
#include "vconn.h"

static void on_fd(struct loop_fd *lfd, uint32_t events);

int vconn_init(struct vconn *c, const char *what, vconn_packet_fn on_packet,
	       vconn_fail_fn on_fail)
{
	memset(c, 0, sizeof(*c));
	c->lfd.fd = -1;
	c->lfd.fn = on_fd;
	c->what = what;
	c->on_packet = on_packet;
	c->on_fail = on_fail;
	c->rbuf = malloc(VCONN_FRAME_MAX);
	c->wbuf = malloc(VCONN_FRAME_MAX);
	if (!c->rbuf || !c->wbuf) {
		vconn_free(c);
		return -1;
	}
	return 0;
}

void vconn_free(struct vconn *c)
{
	vconn_close(c);
	free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
}

int vconn_open(struct vconn *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	vconn_close(c);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		goto fail;
	c->lfd.fd = fd;
	if (loop_add_fd(&c->lfd))
		goto fail;
	return 0;
fail:
	err = errno;
	close(fd);
	c->lfd.fd = -1;
	errno = err;
	return -1;
}

void vconn_close(struct vconn *c)
{
	if (c->lfd.fd >= 0) {
		loop_del_fd(&c->lfd);
		close(c->lfd.fd);
	}
	c->lfd.fd = -1;
	c->req = 0;
	c->req_arg = NULL;
	c->rlen = c->wlen = c->woff = 0;
}

static void fail(struct vconn *c, const char *why)
{
	vconn_close(c);
	c->on_fail(c, why);
}

int vconn_send(struct vconn *c, struct vici_builder *b, int req, void *arg)
{
	long n = vici_finish(b);

	if (n < 0)
		return -1;
	c->wlen = (size_t)n;
	c->woff = 0;
	c->req = req;
	c->req_arg = arg;
	loop_watch_fd(&c->lfd, EPOLLIN | EPOLLOUT);
	return 0;
}

/* The whole frames in rbuf to the owner; -1 when the connection went. */
static int take_frames(struct vconn *c)
{
	size_t off = 0;
	long flen;

	while ((flen = vici_frame_len(c->rbuf + off, c->rlen - off,
				      VCONN_FRAME_MAX - VICI_HDR_LEN)) > 0 &&
	       (size_t)flen <= c->rlen - off) {
		c->on_packet(c, c->rbuf + off, (size_t)flen);
		if (c->lfd.fd < 0)
			return -1;
		off += (size_t)flen;
	}
	if (flen < 0) {
		fail(c, "a VICI packet from charon longer than 64 KiB");
		return -1;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return 0;
}

static void on_readable(struct vconn *c)
{
	/* A bounded share of the loop per wakeup: epoll calls again. */
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n = recv(c->lfd.fd, c->rbuf + c->rlen,
				 VCONN_FRAME_MAX - c->rlen, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			fail(c, "charon closed its VICI socket");
			return;
		}
		if (n < 0)
			return;
		c->rlen += (size_t)n;
		if (take_frames(c))
			return;
	}
}

static void on_writable(struct vconn *c)
{
	char why[128];

	while (c->woff < c->wlen) {
		ssize_t n = send(c->lfd.fd, c->wbuf + c->woff,
				 c->wlen - c->woff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			snprintf(why, sizeof(why), "writing to charon: %s",
				 strerror(errno));
			fail(c, why);
			return;
		}
		c->woff += (size_t)n;
	}
	loop_watch_fd(&c->lfd, EPOLLIN);
}

static void on_fd(struct loop_fd *lfd, uint32_t events)
{
	struct vconn *c = amap_entry(lfd, struct vconn, lfd);

	if (lfd->fd < 0)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		on_readable(c);
	if (c->lfd.fd >= 0 && (events & EPOLLOUT))
		on_writable(c);
}
