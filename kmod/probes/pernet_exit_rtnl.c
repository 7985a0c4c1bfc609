// SPDX-License-Identifier: GPL-2.0
/*
 * 6.14 (and Debian's 6.12): pernet_operations->exit_rtnl, called with RTNL
 * held for a batch of dying namespaces, queueing devices to unregister.
 */
#include <net/net_namespace.h>

static void dmvpn_probe_exit_rtnl(struct net *net,
				  struct list_head *dev_kill_list)
{
}

struct pernet_operations dmvpn_probe = {
	.exit_rtnl	= dmvpn_probe_exit_rtnl,
};
