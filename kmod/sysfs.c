// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/class/net/<dev>/dmvpn/: one read-only file per counter, named as the
 * DMVPN_STATS_A_* attribute in lower case, so scripts need no netlink.
 */
#include <linux/netdevice.h>
#include <linux/sysfs.h>

#include "device.h"
#include "sysfs.h"

static ssize_t dmvpn_counter_show(struct device *d, enum dmvpn_counter c,
				  char *buf)
{
	struct dmvpn_dev *dd = netdev_priv(to_net_dev(d));
	u64 ctr[DMVPN_CTR_COUNT];

	dmvpn_counters_fold(dd, ctr);
	return sysfs_emit(buf, "%llu\n", ctr[c]);
}

#define DMVPN_COUNTER_ATTR(name, counter)				\
static ssize_t name##_show(struct device *d,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return dmvpn_counter_show(d, counter, buf);			\
}									\
static DEVICE_ATTR_RO(name)

DMVPN_COUNTER_ATTR(tx_shortcut, DMVPN_CTR_TX_SHORTCUT);
DMVPN_COUNTER_ATTR(tx_nhs, DMVPN_CTR_TX_NHS);
DMVPN_COUNTER_ATTR(tx_no_route, DMVPN_CTR_TX_NO_ROUTE);
DMVPN_COUNTER_ATTR(tx_no_ipsec, DMVPN_CTR_TX_NO_IPSEC);
DMVPN_COUNTER_ATTR(tx_nhrp, DMVPN_CTR_TX_NHRP);
DMVPN_COUNTER_ATTR(tx_errors, DMVPN_CTR_TX_ERRORS);
DMVPN_COUNTER_ATTR(misses, DMVPN_CTR_MISSES);
DMVPN_COUNTER_ATTR(resolve_events, DMVPN_CTR_RESOLVE_EVENTS);
DMVPN_COUNTER_ATTR(redirect_events, DMVPN_CTR_REDIRECT_EVENTS);
DMVPN_COUNTER_ATTR(mcast_copies, DMVPN_CTR_MCAST_COPIES);
DMVPN_COUNTER_ATTR(rx_packets, DMVPN_CTR_RX_PACKETS);
DMVPN_COUNTER_ATTR(rx_nhrp, DMVPN_CTR_RX_NHRP);
DMVPN_COUNTER_ATTR(rx_err_truncated, DMVPN_CTR_RX_ERR_TRUNCATED);
DMVPN_COUNTER_ATTR(rx_err_header, DMVPN_CTR_RX_ERR_HEADER);
DMVPN_COUNTER_ATTR(rx_err_key, DMVPN_CTR_RX_ERR_KEY);
DMVPN_COUNTER_ATTR(rx_err_csum, DMVPN_CTR_RX_ERR_CSUM);
DMVPN_COUNTER_ATTR(rx_err_proto, DMVPN_CTR_RX_ERR_PROTO);

static ssize_t entries_show(struct device *d, struct device_attribute *attr,
			    char *buf)
{
	struct dmvpn_dev *dd = netdev_priv(to_net_dev(d));

	return sysfs_emit(buf, "%d\n", atomic_read(&dd->cache.count));
}
static DEVICE_ATTR_RO(entries);

static struct attribute *dmvpn_sysfs_attrs[] = {
	&dev_attr_tx_shortcut.attr,
	&dev_attr_tx_nhs.attr,
	&dev_attr_tx_no_route.attr,
	&dev_attr_tx_no_ipsec.attr,
	&dev_attr_tx_nhrp.attr,
	&dev_attr_tx_errors.attr,
	&dev_attr_misses.attr,
	&dev_attr_resolve_events.attr,
	&dev_attr_redirect_events.attr,
	&dev_attr_mcast_copies.attr,
	&dev_attr_rx_packets.attr,
	&dev_attr_rx_nhrp.attr,
	&dev_attr_rx_err_truncated.attr,
	&dev_attr_rx_err_header.attr,
	&dev_attr_rx_err_key.attr,
	&dev_attr_rx_err_csum.attr,
	&dev_attr_rx_err_proto.attr,
	&dev_attr_entries.attr,
	NULL
};

const struct attribute_group dmvpn_sysfs_group = {
	.name = "dmvpn",
	.attrs = dmvpn_sysfs_attrs,
};
