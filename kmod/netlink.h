/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_NETLINK_H
#define _DMVPN_NETLINK_H

#include <net/genetlink.h>

struct dmvpn_entry;

enum dmvpn_mcgrp {
	DMVPN_MCGRP_EVENTS,
};

extern struct genl_family dmvpn_genl_family;

int dmvpn_genl_init(void);
void dmvpn_genl_uninit(void);
int dmvpn_nl_put_entry(struct sk_buff *skb, const struct dmvpn_entry *e);

#endif /* _DMVPN_NETLINK_H */
