/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_TX_H
#define _DMVPN_TX_H

#include <linux/netdevice.h>

netdev_tx_t dmvpn_xmit(struct sk_buff *skb, struct net_device *dev);

#endif /* _DMVPN_TX_H */
