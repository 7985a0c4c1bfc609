// SPDX-License-Identifier: GPL-2.0
/* header_ops->parse(skb, dev, haddr): the device became an argument. */
#include <linux/netdevice.h>

static int dmvpn_probe_parse(const struct sk_buff *skb,
			     const struct net_device *dev,
			     unsigned char *haddr)
{
	return 0;
}

const struct header_ops dmvpn_probe = {
	.parse	= dmvpn_probe_parse,
};
