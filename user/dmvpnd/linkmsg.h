/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rtnetlink requests that make a dmvpn device from the "link" and
 * "address" lines of its configuration, built without I/O, and what the
 * kernel's answer to one says.
 */
#ifndef DMVPND_LINKMSG_H
#define DMVPND_LINKMSG_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errmsg.h"

#define LINKMSG_SIZE 512

struct linkmsg {
	union {
		struct nlmsghdr nh;
		char buf[LINKMSG_SIZE];
	};
};

/*
 * RTM_NEWLINK of kind dmvpn named @ifname with @opts: a new device when
 * @create, else the options of the one there ("ip link set DEV type dmvpn
 * ...").  @link_ifindex is the index of the device "dev" names, which the
 * caller resolves.  Returns 0, or -1 if it does not fit.
 */
int linkmsg_newlink(struct linkmsg *m, const char *ifname, bool create,
		    const struct dmvpn_link_opts *opts, uint32_t link_ifindex);

/* RTM_NEWADDR of @a on @ifindex; one already there is replaced, no error. */
int linkmsg_newaddr(struct linkmsg *m, uint32_t ifindex,
		    const struct cfg_prefix *a);

/* RTM_NEWLINK that sets @ifindex up. */
int linkmsg_up(struct linkmsg *m, uint32_t ifindex);

/*
 * The kernel's answer in @buf (@len bytes) to the request numbered @seq:
 * 0 for an acknowledgement, 1 if it holds no answer to @seq, or a negative
 * errno with the kernel's own words (its extended ack) in @err if it sent
 * any, strerror()'s otherwise.
 */
int linkmsg_ack(const void *buf, size_t len, uint32_t seq,
		struct errmsg *err);

#endif
