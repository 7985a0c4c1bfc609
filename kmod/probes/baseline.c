// SPDX-License-Identifier: GPL-2.0
/*
 * Compiles on every kernel: if it does not, the probes' compiler command is
 * wrong and every other probe's "no" would be a lie (kmod/Kbuild stops).
 */
#include <linux/netdevice.h>

int dmvpn_probe(struct net_device *dev);

int dmvpn_probe(struct net_device *dev)
{
	return dev->mtu;
}
