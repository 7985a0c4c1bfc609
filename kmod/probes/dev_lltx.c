// SPDX-License-Identifier: GPL-2.0
/* 6.12: lockless transmit is a device flag, no longer NETIF_F_LLTX. */
#include <linux/netdevice.h>

void dmvpn_probe(struct net_device *dev);

void dmvpn_probe(struct net_device *dev)
{
	dev->lltx = true;
}
