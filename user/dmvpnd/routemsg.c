// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's answer to RTM_GETROUTE, read without I/O: route.c sends
 * the request and hands the answer here; tests/check_dmvpnd.c feeds it
 * made-up answers.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "routemsg.h"

static void set_gateway(struct route_info *ri, const struct rtattr *rta,
			uint8_t family)
{
	if (RTA_PAYLOAD(rta) != dmvpn_family_bytes(family))
		return;
	ri->has_gateway = true;
	ri->gateway.family = family;
	ri->gateway.len = (uint8_t)dmvpn_family_bits(family);
	memcpy(ri->gateway.addr.bytes, RTA_DATA(rta), RTA_PAYLOAD(rta));
}

/*
 * A route through a next-hop group (ECMP, or a group of one: FRR 8.4's
 * zebra installs IPv6 routes so, "nexthop via fd00::3 dev dmvpn0 weight
 * 1") has no RTA_OIF or RTA_GATEWAY of its own, only RTA_MULTIPATH: its
 * first next hop speaks for it.  Read as having no interface, such a
 * route toward a spoke made a hub answer resolution requests for the
 * spoke's LAN with itself (issue 16, IPv6 inside), and the spokes'
 * shortcuts pointed at the hub.
 */
static void parse_multipath(const struct rtattr *mp, uint8_t family,
			    struct route_info *ri)
{
	const struct rtnexthop *rtnh = RTA_DATA(mp);
	int len = (int)RTA_PAYLOAD(mp), alen;
	const struct rtattr *rta;

	if (len < (int)sizeof(*rtnh) || rtnh->rtnh_len < sizeof(*rtnh) ||
	    rtnh->rtnh_len > len)
		return;
	ri->oif = (uint32_t)rtnh->rtnh_ifindex;
	alen = rtnh->rtnh_len - (int)RTNH_LENGTH(0);
	for (rta = RTNH_DATA(rtnh); RTA_OK(rta, alen);
	     rta = RTA_NEXT(rta, alen))
		if (rta->rta_type == RTA_GATEWAY)
			set_gateway(ri, rta, family);
}

int routemsg_parse(const void *buf, size_t len, uint8_t family,
		   struct route_info *ri)
{
	const struct nlmsghdr *nh = buf;
	const struct rtmsg *rtm;
	const struct rtattr *rta;
	int alen;

	memset(ri, 0, sizeof(*ri));
	if (!NLMSG_OK(nh, len))
		return -EPROTO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EPROTO;
		return e->error < 0 ? e->error : -EPROTO;
	}
	if (nh->nlmsg_type != RTM_NEWROUTE ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -EPROTO;
	rtm = NLMSG_DATA(nh);
	ri->local = rtm->rtm_type == RTN_LOCAL;
	ri->dst_len = rtm->rtm_dst_len;
	if (rtm->rtm_type == RTN_UNREACHABLE || rtm->rtm_type == RTN_BLACKHOLE ||
	    rtm->rtm_type == RTN_PROHIBIT)
		return -ENETUNREACH;
	alen = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
		if (rta->rta_type == RTA_OIF &&
		    RTA_PAYLOAD(rta) >= sizeof(uint32_t))
			memcpy(&ri->oif, RTA_DATA(rta), sizeof(uint32_t));
		if (rta->rta_type == RTA_GATEWAY)
			set_gateway(ri, rta, family);
		if (rta->rta_type == RTA_MULTIPATH && !ri->oif)
			parse_multipath(rta, family, ri);
	}
	return 0;
}
