/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_EVENTS_H
#define _DMVPN_EVENTS_H

#include <linux/ratelimit.h>
#include <linux/spinlock.h>

struct dmvpn_dev;
struct dmvpn_entry;
struct sk_buff;

#define DMVPN_EVENT_RECENT_SLOTS 256

/*
 * Events are rate limited twice: a device-wide budget, and a small table of
 * recently reported destinations so a flow to one unresolved address asks
 * once per interval, not once per packet.
 */
struct dmvpn_events {
	struct ratelimit_state budget;
	spinlock_t lock;		/* recent[] */
	struct {
		u32 hash;
		unsigned long when;
	} recent[DMVPN_EVENT_RECENT_SLOTS];
};

void dmvpn_events_init(struct dmvpn_events *ev);
void dmvpn_event_miss(struct dmvpn_dev *dd, u8 family, const void *addr);
void dmvpn_event_redirect(struct dmvpn_dev *dd, struct sk_buff *skb,
			  u8 family);
void dmvpn_event_expired(struct dmvpn_dev *dd, const struct dmvpn_entry *e);

#endif /* _DMVPN_EVENTS_H */
