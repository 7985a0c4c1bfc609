// SPDX-License-Identifier: GPL-2.0
/* 6.5 moved the GSO helpers out of skbuff.h into a header of their own. */
#include <linux/skbuff.h>
#include <net/gso.h>

bool dmvpn_probe(const struct sk_buff *skb, unsigned int mtu);

bool dmvpn_probe(const struct sk_buff *skb, unsigned int mtu)
{
	return skb_gso_validate_network_len(skb, mtu);
}
