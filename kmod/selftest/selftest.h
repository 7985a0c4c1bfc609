/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_SELFTEST_H
#define _DMVPN_SELFTEST_H

#include <linux/types.h>

bool dmvpn_selftest_cache(void);

#endif /* _DMVPN_SELFTEST_H */
