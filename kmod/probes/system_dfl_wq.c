// SPDX-License-Identifier: GPL-2.0
/* After 6.12: system_dfl_wq, the unbound workqueue; 7.x warns on its old name. */
#include <linux/workqueue.h>

struct workqueue_struct *dmvpn_probe(void);

struct workqueue_struct *dmvpn_probe(void)
{
	return system_dfl_wq;
}
