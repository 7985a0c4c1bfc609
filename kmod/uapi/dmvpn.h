/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dmvpn: multipoint GRE with an in-kernel NHRP cache.
 *
 * This header is the one contract between dmvpn.ko and userspace (dmvpnctl,
 * dmvpnd and the iproute2 link plugin).  It is included by both sides.
 *
 * Link attributes (rtnetlink, inside IFLA_INFO_DATA of kind "dmvpn")
 * -----------------------------------------------------------------
 * Every attribute is optional.  On RTM_NEWLINK an absent attribute takes its
 * default; on a change of an existing link an absent attribute is left as it
 * was.
 *
 *   IFLA_DMVPN_LOCAL         be32  local NBMA (underlay) IPv4 address; 0 = any
 *   IFLA_DMVPN_LINK          u32   underlay ifindex the GRE packets are bound
 *                                  to; 0 = any
 *   IFLA_DMVPN_KEY           u32   GRE key (host order); used when KEY_ON is 1
 *   IFLA_DMVPN_KEY_ON        u8    1 = packets carry and must match the key
 *   IFLA_DMVPN_TTL           u8    outer TTL; 0 = inherit from the inner packet
 *                                  (default 64)
 *   IFLA_DMVPN_TOS           u8    outer TOS; 1 = inherit (default 0)
 *   IFLA_DMVPN_CSUM          u8    1 = send and require GRE checksums
 *   IFLA_DMVPN_PMTUDISC      u8    1 = set DF on the outer header (default 1)
 *   IFLA_DMVPN_FWMARK        u32   mark for the outer route lookup and packet
 *   IFLA_DMVPN_REDIRECT      u8    1 = report hub hairpin traffic (Phase 3)
 *   IFLA_DMVPN_REQUIRE_IPSEC u8    1 = drop GRE whose route has no xfrm
 *   IFLA_DMVPN_MAX_ENTRIES   u32   cache entry limit, at least 1
 *                                  (default 1048576)
 *
 * Generic netlink family DMVPN_GENL_NAME, version DMVPN_GENL_VERSION
 * -----------------------------------------------------------------
 * Every command names its device with DMVPN_A_IFINDEX or DMVPN_A_IFNAME and
 * acts in the caller's network namespace; a name that is not a dmvpn device
 * is ENODEV.  Commands that change state need CAP_NET_ADMIN over the
 * device's namespace.  Every reply and event carries DMVPN_A_IFINDEX.
 *
 *   DMVPN_CMD_ENTRY_NEW     add DMVPN_A_ENTRY.  With the DMVPN_A_REPLACE
 *                           flag it replaces an existing entry for the same
 *                           prefix, or adds one if there is none; without it
 *                           an existing entry is EEXIST.
 *                           (Generic netlink refuses NLM_F_REPLACE.)
 *   DMVPN_CMD_ENTRY_DEL     remove the entry with DMVPN_A_ENTRY's prefix.
 *   DMVPN_CMD_ENTRY_GET     doit: the entry for the prefix; dumpit: every
 *                           entry of the device, one DMVPN_A_ENTRY a message.
 *   DMVPN_CMD_ENTRY_FLUSH   remove every entry, or only those whose type is
 *                           DMVPN_A_FLUSH_TYPE.
 *   DMVPN_CMD_STATS_GET     the device's counters in DMVPN_A_STATS.
 *
 * Events, multicast to group DMVPN_GENL_MCGRP_EVENTS (rate limited):
 *
 *   DMVPN_CMD_EVENT_MISS      a packet to DMVPN_A_ENTRY's address found no
 *                             entry and went to the NHS: resolve it.
 *   DMVPN_CMD_EVENT_REDIRECT  a packet arrived from DMVPN_A_NBMA_SRC and left
 *                             the device again; DMVPN_A_PACKET is its head.
 *                             DMVPN_A_IPSEC_MARK: the IPsec mark of the
 *                             sender's peer, if it has one.
 *   DMVPN_CMD_EVENT_EXPIRED   DMVPN_A_ENTRY's holding time ran out.
 *
 * Entry attributes (nested in DMVPN_A_ENTRY)
 *
 *   DMVPN_ENTRY_A_FAMILY      u8   AF_INET or AF_INET6 of the protocol address
 *   DMVPN_ENTRY_A_PREFIX      bin  4 or 16 bytes, network order
 *   DMVPN_ENTRY_A_PREFIXLEN   u8   default: the full address length
 *   DMVPN_ENTRY_A_NBMA        bin  4 bytes: IPv4 underlay address of the peer
 *                                  (absent for negative entries)
 *   DMVPN_ENTRY_A_TYPE        u8   enum dmvpn_entry_type
 *   DMVPN_ENTRY_A_FLAGS       u32  DMVPN_ENTRY_F_*
 *   DMVPN_ENTRY_A_HOLDTIME    u32  seconds until the kernel removes the entry,
 *                                  at most 65535 (NHRP's holding time is 16
 *                                  bits); 0 or absent = never.  In replies: seconds
 *                                  left.
 *   DMVPN_ENTRY_A_QOS_PRIORITY u32 skb->priority of outer packets (0 = keep)
 *   DMVPN_ENTRY_A_QOS_MARK    u32  skb->mark of outer packets (0 = keep)
 *   DMVPN_ENTRY_A_IPSEC_MARK  u32  the mark of the IPsec SA to the peer
 *                                  (strongSwan's mark_out), 0 or absent =
 *                                  none.  Entries with the same NBMA address
 *                                  and different marks lead to different
 *                                  peers: two spokes behind one NAT address,
 *                                  whose SAs have the same selectors.  The
 *                                  outer packet's mark (QOS_MARK, else the
 *                                  link's FWMARK) has the bits of IPSEC_MASK
 *                                  replaced by it, for the route and xfrm
 *                                  lookup and for skb->mark.  NHRP sent from
 *                                  a packet socket with SO_MARK goes to the
 *                                  peer of that mark.
 *   DMVPN_ENTRY_A_IPSEC_MASK  u32  the bits IPSEC_MARK owns; default all
 *                                  (0xffffffff).  The mark must lie within
 *                                  it, and a peer (NBMA address and mark)
 *                                  has one mask.  Needs IPSEC_MARK.
 *   DMVPN_ENTRY_A_USED_MSECS  u64  (reply only) time since a packet last used
 *                                  the entry; absent if never used
 *   DMVPN_ENTRY_A_TX_PACKETS  u64  (reply only)
 *   DMVPN_ENTRY_A_TX_BYTES    u64  (reply only)
 *
 * Statistics (nested in DMVPN_A_STATS), all u64, see enum dmvpn_stats_attr.
 */
#ifndef _UAPI_DMVPN_H
#define _UAPI_DMVPN_H

#include <linux/const.h>
#include <linux/types.h>

#define DMVPN_GENL_NAME		"dmvpn"
#define DMVPN_GENL_VERSION	1
#define DMVPN_GENL_MCGRP_EVENTS	"events"

/* GRE protocol type of NHRP packets (RFC 2332 over GRE, as Cisco does). */
#define DMVPN_ETH_P_NHRP	0x2001

#define DMVPN_DEFAULT_TTL		64
#define DMVPN_DEFAULT_MAX_ENTRIES	65536
#define DMVPN_TOS_INHERIT		1

enum {
	IFLA_DMVPN_UNSPEC,
	IFLA_DMVPN_LOCAL,
	IFLA_DMVPN_LINK,
	IFLA_DMVPN_KEY,
	IFLA_DMVPN_KEY_ON,
	IFLA_DMVPN_TTL,
	IFLA_DMVPN_TOS,
	IFLA_DMVPN_CSUM,
	IFLA_DMVPN_PMTUDISC,
	IFLA_DMVPN_FWMARK,
	IFLA_DMVPN_REDIRECT,
	IFLA_DMVPN_REQUIRE_IPSEC,
	IFLA_DMVPN_MAX_ENTRIES,
	__IFLA_DMVPN_MAX
};

#define IFLA_DMVPN_MAX (__IFLA_DMVPN_MAX - 1)

enum dmvpn_cmd {
	DMVPN_CMD_UNSPEC,
	DMVPN_CMD_ENTRY_NEW,
	DMVPN_CMD_ENTRY_DEL,
	DMVPN_CMD_ENTRY_GET,
	DMVPN_CMD_ENTRY_FLUSH,
	DMVPN_CMD_STATS_GET,
	DMVPN_CMD_EVENT_MISS,
	DMVPN_CMD_EVENT_REDIRECT,
	DMVPN_CMD_EVENT_EXPIRED,
	__DMVPN_CMD_MAX
};

#define DMVPN_CMD_MAX (__DMVPN_CMD_MAX - 1)

enum dmvpn_attr {
	DMVPN_A_UNSPEC,
	DMVPN_A_IFINDEX,	/* u32 */
	DMVPN_A_IFNAME,		/* string */
	DMVPN_A_ENTRY,		/* nest: DMVPN_ENTRY_A_* */
	DMVPN_A_FLUSH_TYPE,	/* u8: enum dmvpn_entry_type */
	DMVPN_A_STATS,		/* nest: DMVPN_STATS_A_* */
	DMVPN_A_NBMA_SRC,	/* bin: 4 bytes */
	DMVPN_A_PACKET,		/* bin: head of the inner packet */
	DMVPN_A_REPLACE,	/* flag: ENTRY_NEW may replace */
	DMVPN_A_PAD,
	DMVPN_A_IPSEC_MARK,	/* u32: a redirect's sender's IPsec mark */
	__DMVPN_A_MAX
};

#define DMVPN_A_MAX (__DMVPN_A_MAX - 1)

/*
 * How an entry came to be.  The type decides how the fast path uses it:
 * NHS entries carry packets that miss; NEGATIVE entries send packets to the
 * NHS without asking for resolution again; LOCAL entries describe this host
 * and are never a packet's destination.
 */
enum dmvpn_entry_type {
	DMVPN_ENTRY_UNSPEC,
	DMVPN_ENTRY_STATIC,
	DMVPN_ENTRY_DYNAMIC,
	DMVPN_ENTRY_NHS,
	DMVPN_ENTRY_SHORTCUT,
	DMVPN_ENTRY_NEGATIVE,
	DMVPN_ENTRY_LOCAL,
	__DMVPN_ENTRY_TYPE_MAX
};

#define DMVPN_ENTRY_TYPE_MAX (__DMVPN_ENTRY_TYPE_MAX - 1)

/* Entry flags. */
#define DMVPN_ENTRY_F_MULTICAST		_BITUL(0)	/* gets multicast copies */
#define DMVPN_ENTRY_F_UNIQUE		_BITUL(1)	/* NBMA may not change */
#define DMVPN_ENTRY_F_REQUIRE_IPSEC	_BITUL(2)	/* no clear GRE to its peer */
#define DMVPN_ENTRY_F_ALL		(_BITUL(3) - 1)

enum dmvpn_entry_attr {
	DMVPN_ENTRY_A_UNSPEC,
	DMVPN_ENTRY_A_FAMILY,
	DMVPN_ENTRY_A_PREFIX,
	DMVPN_ENTRY_A_PREFIXLEN,
	DMVPN_ENTRY_A_NBMA,
	DMVPN_ENTRY_A_TYPE,
	DMVPN_ENTRY_A_FLAGS,
	DMVPN_ENTRY_A_HOLDTIME,
	DMVPN_ENTRY_A_QOS_PRIORITY,
	DMVPN_ENTRY_A_QOS_MARK,
	DMVPN_ENTRY_A_USED_MSECS,
	DMVPN_ENTRY_A_TX_PACKETS,
	DMVPN_ENTRY_A_TX_BYTES,
	DMVPN_ENTRY_A_PAD,
	DMVPN_ENTRY_A_IPSEC_MARK,
	DMVPN_ENTRY_A_IPSEC_MASK,
	__DMVPN_ENTRY_A_MAX
};

#define DMVPN_ENTRY_A_MAX (__DMVPN_ENTRY_A_MAX - 1)

/*
 * Device counters.  The same names (lower case, without the prefix) are the
 * files in /sys/class/net/<dev>/dmvpn/.
 */
enum dmvpn_stats_attr {
	DMVPN_STATS_A_UNSPEC,
	DMVPN_STATS_A_TX_SHORTCUT,	/* sent straight to the cached peer */
	DMVPN_STATS_A_TX_NHS,		/* sent to the NHS after a miss */
	DMVPN_STATS_A_TX_NO_ROUTE,	/* dropped: miss and no NHS */
	DMVPN_STATS_A_TX_NO_IPSEC,	/* dropped: IPsec required, none */
	DMVPN_STATS_A_TX_NHRP,		/* NHRP packets sent for userspace */
	DMVPN_STATS_A_TX_ERRORS,	/* route or encapsulation failures */
	DMVPN_STATS_A_MISSES,		/* lookups that found no entry */
	DMVPN_STATS_A_RESOLVE_EVENTS,	/* miss events sent */
	DMVPN_STATS_A_REDIRECT_EVENTS,	/* redirect events sent */
	DMVPN_STATS_A_MCAST_COPIES,	/* multicast copies sent */
	DMVPN_STATS_A_RX_PACKETS,	/* data packets decapsulated */
	DMVPN_STATS_A_RX_NHRP,		/* NHRP packets delivered */
	DMVPN_STATS_A_RX_ERR_TRUNCATED,	/* shorter than its headers */
	DMVPN_STATS_A_RX_ERR_HEADER,	/* bad GRE flags or version */
	DMVPN_STATS_A_RX_ERR_KEY,	/* key absent, present or wrong */
	DMVPN_STATS_A_RX_ERR_CSUM,	/* bad or missing GRE checksum */
	DMVPN_STATS_A_RX_ERR_PROTO,	/* inner protocol not carried */
	DMVPN_STATS_A_ENTRIES,		/* entries in the cache now */
	DMVPN_STATS_A_PAD,
	__DMVPN_STATS_A_MAX
};

#define DMVPN_STATS_A_MAX (__DMVPN_STATS_A_MAX - 1)

#endif /* _UAPI_DMVPN_H */
