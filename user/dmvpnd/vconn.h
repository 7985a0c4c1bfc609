/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VICI connection to charon: a non-blocking socket on the loop, one
 * request in flight (charon answers a connection's requests in order),
 * whole frames gathered in a bounded buffer.  No reconnect of its own:
 * its owner (ipsec.c) decides when, for all its connections at once.
 */
#ifndef DMVPND_VCONN_H
#define DMVPND_VCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "vici.h"

#define VCONN_FRAME_MAX	(64 * 1024)	/* largest frame either way */

struct vconn;
/* A whole frame from charon; the connection may be closed on return. */
typedef void (*vconn_packet_fn)(struct vconn *c, const uint8_t *frame,
				size_t len);
/* The connection failed (already closed): @why says how. */
typedef void (*vconn_fail_fn)(struct vconn *c, const char *why);

struct vconn {
	struct loop_fd lfd;		/* fd -1 while closed */
	const char *what;		/* for logs, e.g. "eth0: ipsec" */
	void *owner;
	vconn_packet_fn on_packet;
	vconn_fail_fn on_fail;
	int req;			/* the request in flight, 0: none */
	void *req_arg;			/* what the owner sent it for */
	uint8_t *rbuf, *wbuf;		/* wbuf: build requests here */
	size_t rlen, wlen, woff;
};

int vconn_init(struct vconn *c, const char *what, vconn_packet_fn on_packet,
	       vconn_fail_fn on_fail);
void vconn_free(struct vconn *c);
/* Connect to @path; -1 with errno. */
int vconn_open(struct vconn *c, const char *path);
void vconn_close(struct vconn *c);

static inline bool vconn_open_p(const struct vconn *c)
{
	return c->lfd.fd >= 0;
}

/* Open and no request in flight. */
static inline bool vconn_idle(const struct vconn *c)
{
	return c->lfd.fd >= 0 && !c->req;
}

/* Send what @b built in c->wbuf as request @req (not 0) for @arg: -1 when
 * it could not be built (b->error says why). */
int vconn_send(struct vconn *c, struct vici_builder *b, int req, void *arg);

#endif /* DMVPND_VCONN_H */
