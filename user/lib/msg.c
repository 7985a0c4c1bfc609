// SPDX-License-Identifier: GPL-2.0
#include "msg.h"

#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/genl.h>
#include <string.h>
#include <sys/socket.h>

int msg_put_entry(struct nl_msg *msg, const struct dmvpn_entry *e,
		  unsigned int fields)
{
	const struct dmvpn_prefix *p = &e->prefix;
	struct nlattr *nest = nla_nest_start(msg, DMVPN_A_ENTRY);

	if (!nest ||
	    nla_put_u8(msg, DMVPN_ENTRY_A_FAMILY, p->family) ||
	    nla_put(msg, DMVPN_ENTRY_A_PREFIX, (int)dmvpn_family_bytes(p->family),
		    p->addr.bytes) ||
	    nla_put_u8(msg, DMVPN_ENTRY_A_PREFIXLEN, p->len))
		return -1;
	if ((fields & FIELD_NBMA) &&
	    nla_put(msg, DMVPN_ENTRY_A_NBMA, sizeof(e->nbma), &e->nbma))
		return -1;
	if ((fields & FIELD_TYPE) &&
	    nla_put_u8(msg, DMVPN_ENTRY_A_TYPE, e->type))
		return -1;
	if ((fields & FIELD_FLAGS) &&
	    nla_put_u32(msg, DMVPN_ENTRY_A_FLAGS, e->flags))
		return -1;
	if ((fields & FIELD_HOLDTIME) &&
	    nla_put_u32(msg, DMVPN_ENTRY_A_HOLDTIME, e->holdtime))
		return -1;
	if ((fields & FIELD_PRIORITY) &&
	    nla_put_u32(msg, DMVPN_ENTRY_A_QOS_PRIORITY, e->priority))
		return -1;
	if ((fields & FIELD_MARK) &&
	    nla_put_u32(msg, DMVPN_ENTRY_A_QOS_MARK, e->mark))
		return -1;
	if ((fields & FIELD_IPSEC_MARK) && e->ipsec_mark &&
	    (nla_put_u32(msg, DMVPN_ENTRY_A_IPSEC_MARK, e->ipsec_mark) ||
	     nla_put_u32(msg, DMVPN_ENTRY_A_IPSEC_MASK, e->ipsec_mask)))
		return -1;
	return nla_nest_end(msg, nest);
}

/* libnl checks the minimum length of the typed attributes for us. */
static struct nla_policy entry_policy[DMVPN_ENTRY_A_MAX + 1] = {
	[DMVPN_ENTRY_A_FAMILY]		= { .type = NLA_U8 },
	[DMVPN_ENTRY_A_PREFIXLEN]	= { .type = NLA_U8 },
	[DMVPN_ENTRY_A_NBMA]		= { .minlen = 4 },
	[DMVPN_ENTRY_A_TYPE]		= { .type = NLA_U8 },
	[DMVPN_ENTRY_A_FLAGS]		= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_HOLDTIME]	= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_QOS_PRIORITY]	= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_QOS_MARK]	= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_USED_MSECS]	= { .type = NLA_U64 },
	[DMVPN_ENTRY_A_TX_PACKETS]	= { .type = NLA_U64 },
	[DMVPN_ENTRY_A_TX_BYTES]	= { .type = NLA_U64 },
	[DMVPN_ENTRY_A_IPSEC_MARK]	= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_IPSEC_MASK]	= { .type = NLA_U32 },
};

/* The family, address and length must agree; the family may be implied. */
static int parse_entry_prefix(struct nlattr **tb, struct dmvpn_prefix *p,
			      struct errmsg *err)
{
	int len = tb[DMVPN_ENTRY_A_PREFIX] ? nla_len(tb[DMVPN_ENTRY_A_PREFIX]) : 0;

	if (tb[DMVPN_ENTRY_A_FAMILY])
		p->family = nla_get_u8(tb[DMVPN_ENTRY_A_FAMILY]);
	else
		p->family = len == 16 ? AF_INET6 : AF_INET;
	if (p->family != AF_INET && p->family != AF_INET6) {
		errmsg_set(err, "entry with unknown address family %u", p->family);
		return -1;
	}
	if (len != (int)dmvpn_family_bytes(p->family)) {
		errmsg_set(err, "entry with a %d byte prefix for %s", len,
			   p->family == AF_INET6 ? "IPv6" : "IPv4");
		return -1;
	}
	memcpy(p->addr.bytes, nla_data(tb[DMVPN_ENTRY_A_PREFIX]), (size_t)len);
	p->len = (uint8_t)dmvpn_family_bits(p->family);
	if (tb[DMVPN_ENTRY_A_PREFIXLEN])
		p->len = nla_get_u8(tb[DMVPN_ENTRY_A_PREFIXLEN]);
	if (p->len > dmvpn_family_bits(p->family)) {
		errmsg_set(err, "entry with prefix length %u", p->len);
		return -1;
	}
	return 0;
}

static uint32_t get_u32_or(struct nlattr *nla, uint32_t dflt)
{
	return nla ? nla_get_u32(nla) : dflt;
}

static uint64_t get_u64_or(struct nlattr *nla, uint64_t dflt)
{
	return nla ? nla_get_u64(nla) : dflt;
}

int msg_parse_entry(struct nlattr *nest, struct dmvpn_entry *e,
		    struct errmsg *err)
{
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];

	*e = (struct dmvpn_entry){ 0 };
	if (nla_parse_nested(tb, DMVPN_ENTRY_A_MAX, nest, entry_policy)) {
		errmsg_set(err, "malformed entry attributes");
		return -1;
	}
	if (parse_entry_prefix(tb, &e->prefix, err))
		return -1;
	if (tb[DMVPN_ENTRY_A_NBMA]) {
		memcpy(&e->nbma, nla_data(tb[DMVPN_ENTRY_A_NBMA]), sizeof(e->nbma));
		e->has_nbma = true;
	}
	if (tb[DMVPN_ENTRY_A_TYPE])
		e->type = nla_get_u8(tb[DMVPN_ENTRY_A_TYPE]);
	e->flags = get_u32_or(tb[DMVPN_ENTRY_A_FLAGS], 0);
	e->holdtime = get_u32_or(tb[DMVPN_ENTRY_A_HOLDTIME], 0);
	e->priority = get_u32_or(tb[DMVPN_ENTRY_A_QOS_PRIORITY], 0);
	e->mark = get_u32_or(tb[DMVPN_ENTRY_A_QOS_MARK], 0);
	e->ipsec_mark = get_u32_or(tb[DMVPN_ENTRY_A_IPSEC_MARK], 0);
	e->ipsec_mask = get_u32_or(tb[DMVPN_ENTRY_A_IPSEC_MASK],
				   e->ipsec_mark ? UINT32_MAX : 0);
	e->has_used = tb[DMVPN_ENTRY_A_USED_MSECS] != NULL;
	e->used_msecs = get_u64_or(tb[DMVPN_ENTRY_A_USED_MSECS], 0);
	e->tx_packets = get_u64_or(tb[DMVPN_ENTRY_A_TX_PACKETS], 0);
	e->tx_bytes = get_u64_or(tb[DMVPN_ENTRY_A_TX_BYTES], 0);
	return 0;
}

void msg_parse_stats(struct nlattr *nest, struct dmvpn_stats *s)
{
	struct nlattr *nla;
	int rem;

	*s = (struct dmvpn_stats){ 0 };
	nla_for_each_nested(nla, nest, rem) {
		int type = nla_type(nla);

		/* Counters a newer kernel adds are skipped, not misread. */
		if (type <= 0 || type > DMVPN_STATS_A_MAX ||
		    type == DMVPN_STATS_A_PAD || nla_len(nla) < 8)
			continue;
		s->present[type] = true;
		s->value[type] = nla_get_u64(nla);
	}
}

static struct nla_policy event_policy[DMVPN_A_MAX + 1] = {
	[DMVPN_A_IFINDEX]	= { .type = NLA_U32 },
	[DMVPN_A_IFNAME]	= { .type = NLA_STRING, .maxlen = IF_NAMESIZE },
	[DMVPN_A_ENTRY]		= { .type = NLA_NESTED },
	[DMVPN_A_NBMA_SRC]	= { .minlen = 4 },
	[DMVPN_A_IPSEC_MARK]	= { .type = NLA_U32 },
};

int msg_parse_event(struct nlmsghdr *nlh, struct dmvpn_event *ev,
		    struct errmsg *err)
{
	struct nlattr *tb[DMVPN_A_MAX + 1];

	*ev = (struct dmvpn_event){ 0 };
	/* genlmsg_parse() checks the header is there before we read cmd. */
	if (genlmsg_parse(nlh, 0, tb, DMVPN_A_MAX, event_policy)) {
		errmsg_set(err, "malformed event");
		return -1;
	}
	ev->cmd = ((struct genlmsghdr *)nlmsg_data(nlh))->cmd;
	ev->ifindex = get_u32_or(tb[DMVPN_A_IFINDEX], 0);
	if (tb[DMVPN_A_IFNAME])
		nla_strlcpy(ev->ifname, tb[DMVPN_A_IFNAME], sizeof(ev->ifname));
	if (tb[DMVPN_A_ENTRY]) {
		if (msg_parse_entry(tb[DMVPN_A_ENTRY], &ev->entry, err))
			return -1;
		ev->has_entry = true;
	}
	if (tb[DMVPN_A_NBMA_SRC]) {
		memcpy(&ev->nbma_src, nla_data(tb[DMVPN_A_NBMA_SRC]), 4);
		ev->has_nbma_src = true;
	}
	ev->ipsec_mark = get_u32_or(tb[DMVPN_A_IPSEC_MARK], 0);
	if (tb[DMVPN_A_PACKET]) {
		ev->packet = nla_data(tb[DMVPN_A_PACKET]);
		ev->packet_len = (size_t)nla_len(tb[DMVPN_A_PACKET]);
	}
	return 0;
}

/*
 * Where the TLVs of an ack start: after the nlmsgerr and, unless the kernel
 * capped it, the copy of our request's payload; after the errno of a DONE.
 */
static size_t ack_tlv_offset(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t payload;

	if (nlh->nlmsg_type == NLMSG_DONE)
		return NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return SIZE_MAX;
	payload = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN)
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	return NLMSG_HDRLEN + NLMSG_ALIGN(payload);
}

const char *msg_extack(const struct nlmsghdr *nlh)
{
	const char *base = (const char *)nlh;
	size_t off, end = nlh->nlmsg_len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    (nlh->nlmsg_type != NLMSG_ERROR && nlh->nlmsg_type != NLMSG_DONE))
		return NULL;
	for (off = ack_tlv_offset(nlh); off <= end && end - off >= NLA_HDRLEN;) {
		const struct nlattr *nla = (const struct nlattr *)(base + off);
		size_t len = nla->nla_len;

		if (len < NLA_HDRLEN || len > end - off)
			return NULL;
		/* Only trust a string that ends inside its attribute. */
		if ((nla->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG &&
		    len > NLA_HDRLEN && base[off + len - 1] == '\0')
			return base + off + NLA_HDRLEN;
		off += NLA_ALIGN(len);
	}
	return NULL;
}

int msg_done_errno(const struct nlmsghdr *nlh)
{
	int err;

	if (nlh->nlmsg_type != NLMSG_DONE ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return 0;
	memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	return err < 0 ? -err : 0;
}

bool msg_link_is_dmvpn(struct nlmsghdr *nlh, uint32_t *ifindex,
		       char name[IF_NAMESIZE])
{
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) ||
	    !tb[IFLA_IFNAME] || !tb[IFLA_LINKINFO] ||
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) ||
	    !info[IFLA_INFO_KIND] ||
	    nla_strcmp(info[IFLA_INFO_KIND], "dmvpn"))
		return false;
	*ifindex = (uint32_t)ifi->ifi_index;
	nla_strlcpy(name, tb[IFLA_IFNAME], IF_NAMESIZE);
	return true;
}
