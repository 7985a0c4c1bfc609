/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel's answer to an RTM_GETROUTE says: the route toward a
 * destination, read without I/O (route.c asks).
 */
#ifndef DMVPND_ROUTEMSG_H
#define DMVPND_ROUTEMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"

struct route_info {
	uint32_t oif;
	bool local;			/* an address of this host */
	bool has_gateway;
	struct dmvpn_prefix gateway;
	uint8_t dst_len;		/* prefix length of the matching route */
};

/*
 * The route in the first message of @buf (@len bytes), an answer to
 * RTM_GETROUTE for a destination of @family, into *@ri (zeroed first).
 * 0, or -ENETUNREACH for an unreachable, blackhole or prohibit route, the
 * error an NLMSG_ERROR carries, -EPROTO for anything else (a truncated
 * message, another type, an NLMSG_ERROR of 0).  A gateway of the wrong
 * length is ignored.  A route through a next-hop group (RTA_MULTIPATH,
 * no RTA_OIF) takes its first next hop's interface and gateway.
 */
int routemsg_parse(const void *buf, size_t len, uint8_t family,
		   struct route_info *ri);

#endif /* DMVPND_ROUTEMSG_H */
