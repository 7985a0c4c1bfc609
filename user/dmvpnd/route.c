// SPDX-License-Identifier: GPL-2.0
/*
 * What the host's routing table says, for decisions NHRP makes from it:
 * is a destination ours, behind which next hop, under which prefix.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dmvpnd.h"

#ifndef RTM_F_FIB_MATCH
#define RTM_F_FIB_MATCH 0x2000
#endif

struct route_req {
	struct nlmsghdr nh;
	struct rtmsg rtm;
	char attrs[64];
};

static void put_attr(struct nlmsghdr *nh, unsigned short type,
		     const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh +
					       NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/*
 * One rtnetlink socket for every lookup: a hub looks up a route for each
 * resolution request it handles.  The socket is blocking and each request
 * has one answer, but an answer left behind by an interrupted call would
 * otherwise be taken for the next one's, hence the sequence numbers.
 */
static int route_fd = -1;
static uint32_t route_seq;

static void route_socket_drop(void)
{
	close(route_fd);
	route_fd = -1;
}

int route_lookup(const struct dmvpn_prefix *dst, struct route_info *ri)
{
	struct route_req r = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		.nh.nlmsg_type = RTM_GETROUTE,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.nh.nlmsg_seq = ++route_seq,
		.rtm.rtm_family = dst->family,
		.rtm.rtm_dst_len = (unsigned char)dmvpn_family_bits(dst->family),
		.rtm.rtm_flags = RTM_F_FIB_MATCH,
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nh;
	char buf[4096];
	ssize_t n;
	int ret;

	memset(ri, 0, sizeof(*ri));
	put_attr(&r.nh, RTA_DST, dst->addr.bytes, dmvpn_family_bytes(dst->family));
	if (route_fd < 0) {
		route_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (route_fd < 0)
			return -errno;
	}
	if (sendto(route_fd, &r, r.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		ret = -errno;
		route_socket_drop();
		return ret;
	}
	do {
		n = recv(route_fd, buf, sizeof(buf), 0);
		if (n < 0) {
			ret = -errno;
			route_socket_drop();
			return ret;
		}
		nh = (struct nlmsghdr *)buf;
	} while (NLMSG_OK(nh, (size_t)n) && nh->nlmsg_seq != r.nh.nlmsg_seq);
	return routemsg_parse(nh, (size_t)n, dst->family, ri);
}

static unsigned int mask_len(const struct sockaddr *mask, int family)
{
	const uint8_t *b = family == AF_INET ?
		(const uint8_t *)&((const struct sockaddr_in *)mask)->sin_addr :
		((const struct sockaddr_in6 *)mask)->sin6_addr.s6_addr;
	unsigned int n = 0;

	for (unsigned int i = 0; i < dmvpn_family_bytes((uint8_t)family); i++)
		n += (unsigned int)__builtin_popcount(b[i]);
	return n;
}

int route_dev_addr(uint32_t ifindex, int family, struct dmvpn_prefix *out)
{
	struct ifaddrs *list, *ifa;
	int ret = -EADDRNOTAVAIL;

	if (getifaddrs(&list))
		return -errno;
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != family ||
		    if_nametoindex(ifa->ifa_name) != ifindex)
			continue;
		/* Link-local addresses are the same on every spoke. */
		if (family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(
			&((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr))
			continue;
		memset(out, 0, sizeof(*out));
		out->family = (uint8_t)family;
		if (family == AF_INET)
			memcpy(out->addr.bytes,
			       &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, 4);
		else
			memcpy(out->addr.bytes,
			       &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr,
			       16);
		out->len = (uint8_t)(ifa->ifa_netmask ?
				     mask_len(ifa->ifa_netmask, family) :
				     dmvpn_family_bits((uint8_t)family));
		ret = 0;
		break;
	}
	freeifaddrs(list);
	return ret;
}

/*
 * A connected UDP socket is the kernel's own source address selection.  One
 * socket serves every call: disconnecting it (AF_UNSPEC) forgets the source
 * the last connect chose, and costs a third of a new socket (measured 4.5
 * against 11.8 us natively), which a hub pays for every registration.
 */
int route_src_for(struct in_addr dst, struct in_addr *src)
{
	static int fd = -1;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9),
				   .sin_addr = dst };
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	socklen_t len = sizeof(sin);

	if (fd < 0)
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, &unspec, sizeof(unspec)) ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		return -errno;
	*src = sin.sin_addr;
	return 0;
}

/* What the agent reads of a dmvpn link's IFLA_LINKINFO/IFLA_INFO_DATA. */
struct link_attrs {
	bool dmvpn;			/* IFLA_INFO_KIND "dmvpn" */
	struct in_addr local;
	bool redirect;
};

static void find_attrs(struct rtattr *rta, int len, struct link_attrs *la)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_LINKINFO) {
			find_attrs(RTA_DATA(rta), (int)RTA_PAYLOAD(rta), la);
		} else if (rta->rta_type == IFLA_INFO_KIND) {
			la->dmvpn = RTA_PAYLOAD(rta) >= sizeof("dmvpn") &&
				    !strcmp(RTA_DATA(rta), "dmvpn");
		} else if (rta->rta_type == IFLA_INFO_DATA) {
			struct rtattr *d = RTA_DATA(rta);
			int dlen = (int)RTA_PAYLOAD(rta);

			for (; RTA_OK(d, dlen); d = RTA_NEXT(d, dlen)) {
				if (d->rta_type == IFLA_DMVPN_LOCAL &&
				    RTA_PAYLOAD(d) == 4)
					memcpy(&la->local, RTA_DATA(d), 4);
				else if (d->rta_type == IFLA_DMVPN_REDIRECT &&
					 RTA_PAYLOAD(d) >= 1)
					la->redirect = *(uint8_t *)RTA_DATA(d);
			}
		}
	}
}

static int link_query(uint32_t ifindex, struct link_attrs *la)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} r = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.nh.nlmsg_type = RTM_GETLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = (int)ifindex,
	};
	char buf[16384];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;
	int fd, ret = -EPROTO;

	memset(la, 0, sizeof(*la));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &r, r.nh.nlmsg_len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if (!NLMSG_OK(nh, (size_t)n))
		goto out;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		ret = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
		goto out;
	}
	if (nh->nlmsg_type == RTM_NEWLINK) {
		find_attrs(IFLA_RTA(NLMSG_DATA(nh)), (int)IFLA_PAYLOAD(nh),
			   la);
		ret = 0;
	}
out:
	close(fd);
	return ret;
}

int route_link_local(uint32_t ifindex, struct in_addr *local)
{
	struct link_attrs la;
	int ret = link_query(ifindex, &la);

	*local = la.local;
	return ret;
}

int route_link_is_dmvpn(uint32_t ifindex, bool *dmvpn)
{
	struct link_attrs la;
	int ret = link_query(ifindex, &la);

	*dmvpn = la.dmvpn;
	return ret;
}

int route_link_redirect(uint32_t ifindex, bool *redirect)
{
	struct link_attrs la;
	int ret = link_query(ifindex, &la);

	*redirect = la.redirect;
	return ret;
}

/* ---- the host changes: links, addresses, routes ---- */

static struct loop_fd addr_watch;

/* @addr (network order) lies in @dst/@len. */
static bool prefix_covers(const uint8_t *dst, unsigned int len,
			  struct in_addr addr)
{
	uint32_t mask = len ? htonl(~0U << (32 - len)) : 0;
	uint32_t net;

	memcpy(&net, dst, 4);
	return ((net ^ addr.s_addr) & mask) == 0;
}

/*
 * Whether an IPv4 route change can move our address toward an NHS: only
 * a route covering an NHS's NBMA address can.  A BGP table of a million
 * prefixes loading on a spoke makes a million such messages, none of
 * which is (issue 14): each would have cost a route lookup per NHS.
 */
static bool route_concerns_nhs(struct nlmsghdr *nh)
{
	struct rtmsg *rtm = NLMSG_DATA(nh);
	uint8_t dst[4] = { 0 };
	struct rtattr *rta;
	int alen;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	    rtm->rtm_family != AF_INET || rtm->rtm_dst_len > 32)
		return false;
	alen = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen))
		if (rta->rta_type == RTA_DST && RTA_PAYLOAD(rta) == 4)
			memcpy(dst, RTA_DATA(rta), 4);
	for (struct dev *dev = devices; dev; dev = dev->next)
		for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++)
			if (dev->nhs[i].state != NHS_RESOLVING &&
			    prefix_covers(dst, rtm->rtm_dst_len,
					  dev->nhs[i].nbma))
				return true;
	return false;
}

struct host_change {
	bool nbma;		/* our address toward an NHS may have moved */
	bool links;		/* a device may have gone or come */
};

static void classify(struct nlmsghdr *nh, size_t len, struct host_change *c)
{
	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		switch (nh->nlmsg_type) {
		case RTM_NEWLINK:
		case RTM_DELLINK:
			c->links = true;
			break;
		case RTM_NEWADDR:
		case RTM_DELADDR:
			/* A device that came back may wait for its address. */
			c->links = true;
			c->nbma = true;
			break;
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			if (!c->nbma && route_concerns_nhs(nh))
				c->nbma = true;
			break;
		}
	}
}

static void on_host_event(struct loop_fd *lfd, uint32_t revents)
{
	struct host_change c = { 0 };
	char buf[8192];
	ssize_t n;

	(void)revents;
	for (;;) {
		n = recv(lfd->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			classify((struct nlmsghdr *)buf, (size_t)n, &c);
			continue;
		}
		/* Messages were dropped (ENOBUFS): any of them could have
		 * been one of ours, so check everything, as after a dump. */
		if (n < 0 && errno == ENOBUFS) {
			c.nbma = c.links = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (c.links)
		agent_check_devices();
	if (!c.nbma)
		return;
	for (struct dev *dev = devices; dev; dev = dev->next)
		if (dev->ifindex && dev->nhs)
			nhc_nbma_changed(dev);
}

int route_watch_addresses(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE |
			     RTMGRP_IPV6_IFADDR | RTMGRP_LINK,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	addr_watch.fd = fd;
	addr_watch.fn = on_host_event;
	return loop_add_fd(&addr_watch);
}
