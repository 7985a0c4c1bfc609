// SPDX-License-Identifier: GPL-2.0
/*
 * A device dmvpnd makes itself, from the "link" and "address" lines of its
 * configuration: what wg-quick does for WireGuard, so that enabling the
 * service is all a boot needs (systemd-networkd and NetworkManager know no
 * dmvpn kind).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dmvpnd.h"
#include "linkmsg.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

/* Send @m on @fd and wait for the kernel's answer to it. */
static int request(int fd, struct linkmsg *m, uint32_t seq,
		   struct errmsg *err)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[8192];
	ssize_t n;
	int ret;

	m->nh.nlmsg_seq = seq;
	if (sendto(fd, m->buf, m->nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		errmsg_set(err, "%s", strerror(errno));
		return -errno;
	}
	do {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			errmsg_set(err, "%s", strerror(errno));
			return -errno;
		}
		ret = linkmsg_ack(buf, (size_t)n, seq, err);
	} while (ret == 1);
	return ret;
}

static int open_rtnl(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int one = 1;

	/* The kernel's own words for what it refuses ("extack"). */
	if (fd >= 0)
		setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

/* The device of the "dev" option, if given: 0 and a message if missing. */
static uint32_t underlay_index(const struct cfg *cfg, struct errmsg *err)
{
	uint32_t ifindex;

	if (!dmvpn_link_has(&cfg->link, IFLA_DMVPN_LINK))
		return 0;
	ifindex = if_nametoindex(cfg->link.link_name);
	if (!ifindex)
		errmsg_set(err, "link: no device %.32s (dev)",
			   cfg->link.link_name);
	return ifindex;
}

static int make_link(int fd, const struct cfg *cfg, const char *name,
		     bool create, struct errmsg *err)
{
	struct linkmsg m;
	uint32_t lower = underlay_index(cfg, err);
	struct errmsg why;
	int ret;

	if (dmvpn_link_has(&cfg->link, IFLA_DMVPN_LINK) && !lower)
		return -ENODEV;
	if (linkmsg_newlink(&m, name, create, &cfg->link, lower)) {
		errmsg_set(err, "link: too many options");
		return -EMSGSIZE;
	}
	ret = request(fd, &m, 1, &why);
	if (ret)
		errmsg_set(err, "cannot %s %s: %.190s",
			   create ? "create" : "set the link options of",
			   name, why.text);
	return ret;
}

static int add_addresses(int fd, const struct cfg *cfg, const char *name,
			 uint32_t ifindex, struct errmsg *err)
{
	for (unsigned int i = 0; i < cfg->address_count; i++) {
		const struct cfg_prefix *a = &cfg->addresses[i];
		char text[INET6_ADDRSTRLEN];
		struct errmsg why;
		struct linkmsg m;
		int ret;

		linkmsg_newaddr(&m, ifindex, a);
		ret = request(fd, &m, 2 + i, &why);
		if (ret) {
			inet_ntop(a->family, a->addr.bytes, text, sizeof(text));
			errmsg_set(err, "cannot add address %s/%u to %s: %.180s",
				   text, a->len, name, why.text);
			return ret;
		}
	}
	return 0;
}

int link_ensure(const struct cfg *cfg, const char *name, struct errmsg *err)
{
	uint32_t ifindex = if_nametoindex(name);
	bool create = !ifindex;
	struct errmsg why;
	struct linkmsg m;
	int fd, ret;

	if (!cfg->has_link)
		return 0;
	fd = open_rtnl();
	if (fd < 0) {
		errmsg_set(err, "rtnetlink: %s", strerror(errno));
		return -errno;
	}
	ret = make_link(fd, cfg, name, create, err);
	if (!ret) {
		ifindex = if_nametoindex(name);
		ret = ifindex ? add_addresses(fd, cfg, name, ifindex, err) :
				-ENODEV;
	}
	if (!ret) {
		linkmsg_up(&m, ifindex);
		ret = request(fd, &m, 0x7fffffff, &why);
		if (ret)
			errmsg_set(err, "cannot set %s up: %.200s", name,
				   why.text);
	}
	close(fd);
	if (!ret && create)
		log_info("%s: created from %s", name, cfg->path);
	return ret;
}
