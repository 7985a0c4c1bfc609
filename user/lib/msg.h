/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building and reading dmvpn netlink messages: attributes only, no sockets,
 * so that the encoding can be unit tested against crafted messages.
 */
#ifndef DMVPN_MSG_H
#define DMVPN_MSG_H

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdbool.h>

#include "entry.h"
#include "errmsg.h"

/*
 * Add a DMVPN_A_ENTRY nest for @e.  The prefix (family, address, length) is
 * always sent; @fields (FIELD_* of entry.h) picks the other attributes.
 */
int msg_put_entry(struct nl_msg *msg, const struct dmvpn_entry *e,
		  unsigned int fields);

/* Decode a DMVPN_A_ENTRY nest; refuses a malformed prefix. */
int msg_parse_entry(struct nlattr *nest, struct dmvpn_entry *e,
		    struct errmsg *err);
/* Decode a DMVPN_A_STATS nest. */
void msg_parse_stats(struct nlattr *nest, struct dmvpn_stats *s);
/* Decode a DMVPN_CMD_EVENT_* message; ev->packet points into @nlh. */
int msg_parse_event(struct nlmsghdr *nlh, struct dmvpn_event *ev,
		    struct errmsg *err);

/*
 * The kernel's extended ack message (NLMSGERR_ATTR_MSG) carried by an
 * NLMSG_ERROR or NLMSG_DONE, or NULL.  Points into @nlh.
 */
const char *msg_extack(const struct nlmsghdr *nlh);
/* The positive errno an NLMSG_DONE ends a failed dump with, else 0. */
int msg_done_errno(const struct nlmsghdr *nlh);

/*
 * For an RTM_NEWLINK message: true if the link is of kind "dmvpn", with its
 * index and name.
 */
bool msg_link_is_dmvpn(struct nlmsghdr *nlh, uint32_t *ifindex,
		       char name[IF_NAMESIZE]);

#endif
