// SPDX-License-Identifier: GPL-2.0
/*
 * Writes one RTM_NEWLINK message for a dmvpn link "tun0" to stdout, in the
 * format "ip monitor file FILE" reads, so that the plugin's print_opt can be
 * run inside the real ip without a kernel module.
 */
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dmvpn.h"

static unsigned char buf[1024];

static struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

static struct rtattr *put(int type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)(buf + NLMSG_ALIGN(nlh->nlmsg_len));

	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void put_u8(int type, uint8_t v)
{
	put(type, &v, 1);
}

static void put_u32(int type, uint32_t v)
{
	put(type, &v, 4);
}

static void end_nest(struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(buf + nlh->nlmsg_len - (unsigned char *)nest);
}

int main(void)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nlh);
	struct rtattr *info, *data;
	struct in_addr local;

	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi->ifi_index = 1000;
	ifi->ifi_flags = 0x1041;	/* UP, RUNNING, MULTICAST */
	put(IFLA_IFNAME, "tun0", 5);
	put_u32(IFLA_MTU, 1400);
	info = put(IFLA_LINKINFO, NULL, 0);
	put(IFLA_INFO_KIND, "dmvpn", 6);
	data = put(IFLA_INFO_DATA, NULL, 0);
	inet_pton(AF_INET, "192.0.2.1", &local);
	put(IFLA_DMVPN_LOCAL, &local, 4);
	put_u32(IFLA_DMVPN_LINK, 1);
	put_u32(IFLA_DMVPN_KEY, 5);
	put_u8(IFLA_DMVPN_KEY_ON, 1);
	put_u8(IFLA_DMVPN_TTL, 64);
	put_u8(IFLA_DMVPN_TOS, DMVPN_TOS_INHERIT);
	put_u8(IFLA_DMVPN_CSUM, 1);
	put_u8(IFLA_DMVPN_PMTUDISC, 1);
	put_u32(IFLA_DMVPN_FWMARK, 0);
	put_u8(IFLA_DMVPN_REDIRECT, 1);
	put_u8(IFLA_DMVPN_REQUIRE_IPSEC, 0);
	put_u32(IFLA_DMVPN_MAX_ENTRIES, DMVPN_DEFAULT_MAX_ENTRIES);
	end_nest(data);
	end_nest(info);
	return fwrite(buf, 1, nlh->nlmsg_len, stdout) == nlh->nlmsg_len ? 0 : 1;
}
