/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_SYSFS_H
#define _DMVPN_SYSFS_H

#include <linux/sysfs.h>

extern const struct attribute_group dmvpn_sysfs_group;

#endif /* _DMVPN_SYSFS_H */
