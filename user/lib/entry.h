/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace view of one NHRP cache entry and of a device's counters,
 * decoded from (or to be encoded into) the attributes of kmod/uapi/dmvpn.h.
 */
#ifndef DMVPN_ENTRY_H
#define DMVPN_ENTRY_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dmvpn.h"

/* A protocol (overlay) prefix: IPv4 or IPv6, network order. */
struct dmvpn_prefix {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t len;		/* prefix length in bits */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} addr;
};

struct dmvpn_entry {
	struct dmvpn_prefix prefix;
	bool has_nbma;
	struct in_addr nbma;
	uint8_t type;		/* enum dmvpn_entry_type */
	uint32_t flags;		/* DMVPN_ENTRY_F_* */
	uint32_t holdtime;	/* seconds (left, in replies); 0 = never */
	uint32_t priority;
	uint32_t mark;
	uint32_t ipsec_mark;	/* the SA's mark; 0 = none */
	uint32_t ipsec_mask;	/* its bits of the outer mark */
	bool has_used;		/* false: no packet used the entry yet */
	uint64_t used_msecs;
	uint64_t tx_packets;
	uint64_t tx_bytes;
};

/*
 * Which attributes of an entry a request carries.  The prefix always goes;
 * the rest only when the user named them, so that the kernel's defaults
 * stay the kernel's.
 */
#define FIELD_PREFIX	(1U << 0)
#define FIELD_NBMA	(1U << 1)
#define FIELD_TYPE	(1U << 2)
#define FIELD_FLAGS	(1U << 3)
#define FIELD_HOLDTIME	(1U << 4)
#define FIELD_PRIORITY	(1U << 5)
#define FIELD_MARK	(1U << 6)
#define FIELD_IPSEC_MARK (1U << 7)	/* the mark and its mask, if a mark */

/* Counters are indexed by enum dmvpn_stats_attr. */
struct dmvpn_stats {
	bool present[DMVPN_STATS_A_MAX + 1];
	uint64_t value[DMVPN_STATS_A_MAX + 1];
};

/* A DMVPN_CMD_EVENT_* notification. */
struct dmvpn_event {
	uint8_t cmd;
	uint32_t ifindex;	/* 0 if the kernel did not say */
	char ifname[IF_NAMESIZE];	/* "" if the kernel did not say */
	bool has_entry;
	struct dmvpn_entry entry;
	bool has_nbma_src;
	struct in_addr nbma_src;
	uint32_t ipsec_mark;	/* the sender's IPsec mark; 0 = none */
	const uint8_t *packet;	/* points into the message; NULL if absent */
	size_t packet_len;
};

static inline unsigned int dmvpn_family_bits(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

static inline unsigned int dmvpn_family_bytes(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

#endif
