// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink requests for a device dmvpnd makes itself: its link, its
 * addresses, up.  No I/O: link.c sends them.
 */
#include "linkmsg.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "dmvpn.h"

#define TAIL(m) ((struct rtattr *)((m)->buf + NLMSG_ALIGN((m)->nh.nlmsg_len)))

static void start(struct linkmsg *m, uint16_t type, uint16_t flags,
		  size_t header)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(header);
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
}

static struct rtattr *put(struct linkmsg *m, uint16_t type, const void *data,
			  size_t len)
{
	struct rtattr *rta = TAIL(m);
	size_t end = NLMSG_ALIGN(m->nh.nlmsg_len) + RTA_SPACE(len);

	if (end > sizeof(m->buf))
		return NULL;
	rta->rta_type = type;
	rta->rta_len = (uint16_t)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	m->nh.nlmsg_len = (uint32_t)end;
	return rta;
}

/* A nest ends where the message ends now. */
static void end_nest(struct linkmsg *m, struct rtattr *nest)
{
	nest->rta_len = (uint16_t)((char *)TAIL(m) - (char *)nest);
}

static int put_link_data(struct linkmsg *m, const struct dmvpn_link_opts *opts,
			 uint32_t link_ifindex)
{
	for (int attr = 1; attr <= IFLA_DMVPN_MAX; attr++) {
		uint32_t v32 = attr == IFLA_DMVPN_LINK ? link_ifindex :
			       opts->value[attr];
		uint8_t v8 = (uint8_t)v32;
		size_t size = dmvpn_link_attr_size(attr);

		if (!dmvpn_link_has(opts, attr))
			continue;
		if (!put(m, (uint16_t)attr,
			 size == 1 ? (const void *)&v8 : (const void *)&v32,
			 size))
			return -1;
	}
	return 0;
}

int linkmsg_newlink(struct linkmsg *m, const char *ifname, bool create,
		    const struct dmvpn_link_opts *opts, uint32_t link_ifindex)
{
	struct rtattr *info, *data;
	struct ifinfomsg *ifi;

	start(m, RTM_NEWLINK, create ? NLM_F_CREATE | NLM_F_EXCL : 0,
	      sizeof(*ifi));
	ifi = NLMSG_DATA(&m->nh);
	ifi->ifi_family = AF_UNSPEC;
	if (!put(m, IFLA_IFNAME, ifname, strlen(ifname) + 1))
		return -1;
	info = put(m, IFLA_LINKINFO, NULL, 0);
	if (!info || !put(m, IFLA_INFO_KIND, "dmvpn", sizeof("dmvpn")))
		return -1;
	data = put(m, IFLA_INFO_DATA, NULL, 0);
	if (!data || put_link_data(m, opts, link_ifindex))
		return -1;
	end_nest(m, data);
	end_nest(m, info);
	return 0;
}

int linkmsg_newaddr(struct linkmsg *m, uint32_t ifindex,
		    const struct cfg_prefix *a)
{
	size_t len = a->family == AF_INET ? 4 : 16;
	struct ifaddrmsg *ifa;

	start(m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));
	ifa = NLMSG_DATA(&m->nh);
	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = a->len;
	ifa->ifa_index = ifindex;
	/* IPv6: usable at once, as on a point-to-point link ("nodad"). */
	if (a->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	if (!put(m, IFA_LOCAL, a->addr.bytes, len) ||
	    !put(m, IFA_ADDRESS, a->addr.bytes, len))
		return -1;
	return 0;
}

int linkmsg_up(struct linkmsg *m, uint32_t ifindex)
{
	struct ifinfomsg *ifi;

	start(m, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = NLMSG_DATA(&m->nh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return 0;
}

/* The extended ack's message, if the kernel sent one. */
static const char *ack_text(const struct nlmsghdr *nh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	size_t off = NLMSG_LENGTH(sizeof(*e));
	const struct rtattr *rta;
	size_t left;

	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* Not capped, the request itself comes back before the TLVs. */
	if (!(nh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (off >= nh->nlmsg_len)
		return NULL;
	left = nh->nlmsg_len - off;
	for (rta = (const struct rtattr *)((const char *)nh + off);
	     RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		size_t n = RTA_PAYLOAD(rta);
		const char *s = RTA_DATA(rta);

		if (rta->rta_type == NLMSGERR_ATTR_MSG && n && !s[n - 1])
			return s;
	}
	return NULL;
}

int linkmsg_ack(const void *buf, size_t len, uint32_t seq,
		struct errmsg *err)
{
	const struct nlmsghdr *nh = buf;
	const struct nlmsgerr *e;
	const char *text;

	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_seq != seq || nh->nlmsg_type != NLMSG_ERROR)
			continue;
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			break;
		e = NLMSG_DATA(nh);
		if (!e->error)
			return 0;
		text = ack_text(nh);
		errmsg_set(err, "%s", text ? text : strerror(-e->error));
		return e->error < 0 ? e->error : -EPROTO;
	}
	return 1;
}
