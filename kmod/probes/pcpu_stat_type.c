// SPDX-License-Identifier: GPL-2.0
/* 6.6: the core allocates and folds a device's per-cpu stats. */
#include <linux/netdevice.h>

void dmvpn_probe(struct net_device *dev);

void dmvpn_probe(struct net_device *dev)
{
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
}
