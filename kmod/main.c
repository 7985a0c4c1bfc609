// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpn: multipoint GRE with an in-kernel NHRP cache.
 */
#include <linux/genetlink.h>
#include <linux/module.h>
#include <net/rtnetlink.h>

#include "cache.h"
#include "device.h"
#include "netlink.h"
#include "selftest/selftest.h"

#define DMVPN_VERSION "0.1.0"

static int __init dmvpn_mod_init(void)
{
	int err;

	err = dmvpn_cache_slab_init();
	if (err)
		goto err_slab;
#ifdef DEBUG
	if (!dmvpn_selftest_cache()) {
		err = -ENOTRECOVERABLE;
		goto err_genl;
	}
#endif
	err = dmvpn_genl_init();
	if (err)
		goto err_genl;
	/* Last: a device can be created as soon as the link type exists. */
	err = dmvpn_device_init();
	if (err)
		goto err_device;
	pr_info("dmvpn " DMVPN_VERSION " loaded\n");
	return 0;

err_device:
	dmvpn_genl_uninit();
err_genl:
	dmvpn_cache_slab_uninit();
err_slab:
	return err;
}

static void __exit dmvpn_mod_exit(void)
{
	dmvpn_device_uninit();
	dmvpn_genl_uninit();
	dmvpn_cache_slab_uninit();
}

module_init(dmvpn_mod_init);
module_exit(dmvpn_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Dynamic multipoint VPN: mGRE with an in-kernel NHRP cache");
MODULE_VERSION(DMVPN_VERSION);
MODULE_ALIAS_RTNL_LINK("dmvpn");
MODULE_ALIAS_GENL_FAMILY(DMVPN_GENL_NAME);
