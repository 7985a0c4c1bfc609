// SPDX-License-Identifier: GPL-2.0
/*
 * 6.15: rtnl_link_ops->newlink(dev, params, extack), the link netns from
 * rtnl_newlink_link_net().
 */
#include <net/rtnetlink.h>

static int dmvpn_probe_newlink(struct net_device *dev,
			       struct rtnl_newlink_params *params,
			       struct netlink_ext_ack *extack)
{
	return rtnl_newlink_link_net(params) ? 0 : -EINVAL;
}

struct rtnl_link_ops dmvpn_probe = {
	.newlink	= dmvpn_probe_newlink,
};
