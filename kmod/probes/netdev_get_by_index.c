// SPDX-License-Identifier: GPL-2.0
/* 6.5: device lookups that take a tracked reference. */
#include <linux/netdevice.h>

struct net_device *dmvpn_probe(struct net *net, int ifindex);

struct net_device *dmvpn_probe(struct net *net, int ifindex)
{
	static netdevice_tracker tracker;

	return netdev_get_by_index(net, ifindex, &tracker, GFP_KERNEL);
}
