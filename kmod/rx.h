/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_RX_H
#define _DMVPN_RX_H

struct dmvpn_dev;

int dmvpn_rx_register(struct dmvpn_dev *dd);
void dmvpn_rx_unregister(struct dmvpn_dev *dd);

#endif /* _DMVPN_RX_H */
