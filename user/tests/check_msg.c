// SPDX-License-Identifier: GPL-2.0
/* Netlink encoding and decoding, on messages built in memory. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/genl.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/msg.h"
#include "lib/parse.h"
#include "testutil.h"

#define TEST_FAMILY 0x42

static struct nl_msg *msg;

static void setup(void)
{
	msg = nlmsg_alloc();
	ck_assert_ptr_nonnull(msg);
}

static void teardown(void)
{
	nlmsg_free(msg);
	msg = NULL;
}

static void put_genl_header(uint8_t cmd)
{
	ck_assert_ptr_nonnull(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ,
					  TEST_FAMILY, 0, 0, cmd,
					  DMVPN_GENL_VERSION));
}

/* The DMVPN_A_ENTRY nest of the message built so far. */
static struct nlattr *entry_nest(void)
{
	struct nlattr *tb[DMVPN_A_MAX + 1];

	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(msg), 0, tb, DMVPN_A_MAX,
				       NULL), 0);
	ck_assert_ptr_nonnull(tb[DMVPN_A_ENTRY]);
	return tb[DMVPN_A_ENTRY];
}

static struct dmvpn_entry full_entry(void)
{
	struct dmvpn_entry e = {
		.has_nbma = true,
		.type = DMVPN_ENTRY_SHORTCUT,
		.flags = DMVPN_ENTRY_F_UNIQUE,
		.holdtime = 7200,
		.priority = 5,
		.mark = 0xff00,
		.ipsec_mark = 0x3,
		.ipsec_mask = 0x00ffffff,
	};
	struct errmsg err;

	ck_assert_int_eq(parse_prefix("2001:db8:1::/48", &e.prefix, &err), 0);
	inet_pton(AF_INET, "198.51.100.4", &e.nbma);
	return e;
}

START_TEST(test_entry_roundtrip)
{
	struct dmvpn_entry in = full_entry(), out;
	struct errmsg err = { "" };

	put_genl_header(DMVPN_CMD_ENTRY_NEW);
	ck_assert_int_eq(msg_put_entry(msg, &in, FIELD_PREFIX | FIELD_NBMA |
				       FIELD_TYPE | FIELD_FLAGS | FIELD_HOLDTIME |
				       FIELD_PRIORITY | FIELD_MARK |
				       FIELD_IPSEC_MARK), 0);
	ck_assert_int_eq(msg_parse_entry(entry_nest(), &out, &err), 0);
	ck_assert_int_eq(out.prefix.family, AF_INET6);
	ck_assert_uint_eq(out.prefix.len, 48);
	ck_assert_mem_eq(out.prefix.addr.bytes, in.prefix.addr.bytes, 16);
	ck_assert(out.has_nbma);
	ck_assert_uint_eq(out.nbma.s_addr, in.nbma.s_addr);
	ck_assert_uint_eq(out.type, DMVPN_ENTRY_SHORTCUT);
	ck_assert_uint_eq(out.flags, DMVPN_ENTRY_F_UNIQUE);
	ck_assert_uint_eq(out.holdtime, 7200);
	ck_assert_uint_eq(out.priority, 5);
	ck_assert_uint_eq(out.mark, 0xff00);
	ck_assert_uint_eq(out.ipsec_mark, 0x3);
	ck_assert_uint_eq(out.ipsec_mask, 0x00ffffff);
	ck_assert(!out.has_used);
}
END_TEST

/* No IPsec mark: neither attribute goes, and none reads back as none. */
START_TEST(test_entry_no_ipsec_mark)
{
	struct dmvpn_entry in = full_entry(), out;
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];
	struct errmsg err = { "" };

	in.ipsec_mark = 0;
	put_genl_header(DMVPN_CMD_ENTRY_NEW);
	ck_assert_int_eq(msg_put_entry(msg, &in, FIELD_PREFIX | FIELD_NBMA |
				       FIELD_IPSEC_MARK), 0);
	ck_assert_int_eq(nla_parse_nested(tb, DMVPN_ENTRY_A_MAX, entry_nest(),
					  NULL), 0);
	ck_assert_ptr_null(tb[DMVPN_ENTRY_A_IPSEC_MARK]);
	ck_assert_ptr_null(tb[DMVPN_ENTRY_A_IPSEC_MASK]);
	ck_assert_int_eq(msg_parse_entry(entry_nest(), &out, &err), 0);
	ck_assert_uint_eq(out.ipsec_mark, 0);
	ck_assert_uint_eq(out.ipsec_mask, 0);
}
END_TEST

/* Fields not asked for are not sent, so that the kernel's defaults apply. */
START_TEST(test_entry_only_prefix)
{
	struct dmvpn_entry in = full_entry();
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];
	int attr;

	put_genl_header(DMVPN_CMD_ENTRY_DEL);
	ck_assert_int_eq(msg_put_entry(msg, &in, FIELD_PREFIX), 0);
	ck_assert_int_eq(nla_parse_nested(tb, DMVPN_ENTRY_A_MAX, entry_nest(),
					  NULL), 0);
	ck_assert_uint_eq(nla_get_u8(tb[DMVPN_ENTRY_A_FAMILY]), AF_INET6);
	ck_assert_int_eq(nla_len(tb[DMVPN_ENTRY_A_PREFIX]), 16);
	ck_assert_uint_eq(nla_get_u8(tb[DMVPN_ENTRY_A_PREFIXLEN]), 48);
	for (attr = DMVPN_ENTRY_A_NBMA; attr <= DMVPN_ENTRY_A_MAX; attr++)
		ck_assert_msg(!tb[attr], "attribute %d was sent", attr);
}
END_TEST

START_TEST(test_entry_ipv4_wire_format)
{
	struct dmvpn_entry in = { .has_nbma = true };
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];
	struct errmsg err;
	const uint8_t want_prefix[4] = { 10, 1, 2, 0 };
	const uint8_t want_nbma[4] = { 192, 0, 2, 1 };

	ck_assert_int_eq(parse_prefix("10.1.2.0/23", &in.prefix, &err), 0);
	inet_pton(AF_INET, "192.0.2.1", &in.nbma);
	put_genl_header(DMVPN_CMD_ENTRY_NEW);
	ck_assert_int_eq(msg_put_entry(msg, &in, FIELD_NBMA), 0);
	ck_assert_int_eq(nla_parse_nested(tb, DMVPN_ENTRY_A_MAX, entry_nest(),
					  NULL), 0);
	ck_assert_uint_eq(nla_get_u8(tb[DMVPN_ENTRY_A_FAMILY]), AF_INET);
	ck_assert_int_eq(nla_len(tb[DMVPN_ENTRY_A_PREFIX]), 4);
	ck_assert_mem_eq(nla_data(tb[DMVPN_ENTRY_A_PREFIX]), want_prefix, 4);
	ck_assert_uint_eq(nla_get_u8(tb[DMVPN_ENTRY_A_PREFIXLEN]), 23);
	ck_assert_int_eq(nla_len(tb[DMVPN_ENTRY_A_NBMA]), 4);
	ck_assert_mem_eq(nla_data(tb[DMVPN_ENTRY_A_NBMA]), want_nbma, 4);
	ck_assert_ptr_null(tb[DMVPN_ENTRY_A_TYPE]);
}
END_TEST

/* What a dump reply carries beyond the request's fields. */
START_TEST(test_entry_reply_counters)
{
	const uint8_t addr[4] = { 10, 0, 0, 9 };
	struct nlattr *nest;
	struct dmvpn_entry e;
	struct errmsg err = { "" };

	put_genl_header(DMVPN_CMD_ENTRY_GET);
	nest = nla_nest_start(msg, DMVPN_A_ENTRY);
	nla_put(msg, DMVPN_ENTRY_A_PREFIX, 4, addr);	/* family implied */
	nla_put_u8(msg, DMVPN_ENTRY_A_TYPE, DMVPN_ENTRY_DYNAMIC);
	nla_put_u64(msg, DMVPN_ENTRY_A_USED_MSECS, 1234);
	nla_put_u64(msg, DMVPN_ENTRY_A_TX_PACKETS, 5000000000ULL);
	nla_put_u64(msg, DMVPN_ENTRY_A_TX_BYTES, 7);
	nla_put_u32(msg, 200, 1);			/* from a newer kernel */
	nla_nest_end(msg, nest);

	ck_assert_int_eq(msg_parse_entry(entry_nest(), &e, &err), 0);
	ck_assert_int_eq(e.prefix.family, AF_INET);
	ck_assert_uint_eq(e.prefix.len, 32);
	ck_assert_mem_eq(e.prefix.addr.bytes, addr, 4);
	ck_assert(!e.has_nbma);
	ck_assert_uint_eq(e.type, DMVPN_ENTRY_DYNAMIC);
	ck_assert(e.has_used);
	ck_assert_uint_eq(e.used_msecs, 1234);
	ck_assert_uint_eq(e.tx_packets, 5000000000ULL);
	ck_assert_uint_eq(e.tx_bytes, 7);
}
END_TEST

static const struct {
	int family;		/* -1: no family attribute */
	int prefix_len;		/* -1: no prefix attribute */
	int prefixlen;		/* -1: no prefix length attribute */
	const char *error;
} bad_entries[] = {
	{ 7, 4, 24, "entry with unknown address family 7" },
	{ AF_INET, 16, 24, "entry with a 16 byte prefix for IPv4" },
	{ AF_INET6, 4, 24, "entry with a 4 byte prefix for IPv6" },
	{ AF_INET, -1, 24, "entry with a 0 byte prefix for IPv4" },
	{ -1, 5, -1, "entry with a 5 byte prefix for IPv4" },
	{ AF_INET, 4, 33, "entry with prefix length 33" },
	{ AF_INET6, 16, 129, "entry with prefix length 129" },
};

START_TEST(test_entry_malformed)
{
	const uint8_t zeros[16] = { 0 };
	struct nlattr *nest;
	struct dmvpn_entry e;
	struct errmsg err = { "" };

	put_genl_header(DMVPN_CMD_ENTRY_GET);
	nest = nla_nest_start(msg, DMVPN_A_ENTRY);
	if (bad_entries[_i].family >= 0)
		nla_put_u8(msg, DMVPN_ENTRY_A_FAMILY, (uint8_t)bad_entries[_i].family);
	if (bad_entries[_i].prefix_len >= 0)
		nla_put(msg, DMVPN_ENTRY_A_PREFIX, bad_entries[_i].prefix_len, zeros);
	if (bad_entries[_i].prefixlen >= 0)
		nla_put_u8(msg, DMVPN_ENTRY_A_PREFIXLEN,
			   (uint8_t)bad_entries[_i].prefixlen);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(msg_parse_entry(entry_nest(), &e, &err), -1);
	ck_assert_str_eq(err.text, bad_entries[_i].error);
}
END_TEST

START_TEST(test_entry_short_u32)
{
	const uint8_t addr[4] = { 10, 0, 0, 9 };
	struct nlattr *nest;
	struct dmvpn_entry e;
	struct errmsg err = { "" };

	put_genl_header(DMVPN_CMD_ENTRY_GET);
	nest = nla_nest_start(msg, DMVPN_A_ENTRY);
	nla_put(msg, DMVPN_ENTRY_A_PREFIX, 4, addr);
	nla_put_u8(msg, DMVPN_ENTRY_A_HOLDTIME, 1);	/* too short for u32 */
	nla_nest_end(msg, nest);
	ck_assert_int_eq(msg_parse_entry(entry_nest(), &e, &err), -1);
	ck_assert_str_eq(err.text, "malformed entry attributes");
}
END_TEST

START_TEST(test_stats)
{
	struct nlattr *tb[DMVPN_A_MAX + 1], *nest;
	struct dmvpn_stats s;
	unsigned int i;

	put_genl_header(DMVPN_CMD_STATS_GET);
	nest = nla_nest_start(msg, DMVPN_A_STATS);
	nla_put_u64(msg, DMVPN_STATS_A_TX_SHORTCUT, 11);
	nla_put_u64(msg, DMVPN_STATS_A_ENTRIES, 1ULL << 40);
	nla_put_u64(msg, DMVPN_STATS_A_PAD, 99);	/* padding, not a counter */
	nla_put_u64(msg, DMVPN_STATS_A_MAX + 5, 99);	/* a newer kernel's */
	nla_put_u32(msg, DMVPN_STATS_A_MISSES, 3);	/* too short for u64 */
	nla_nest_end(msg, nest);
	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(msg), 0, tb, DMVPN_A_MAX, NULL), 0);
	msg_parse_stats(tb[DMVPN_A_STATS], &s);
	for (i = 0; i <= DMVPN_STATS_A_MAX; i++) {
		bool want = i == DMVPN_STATS_A_TX_SHORTCUT ||
			    i == DMVPN_STATS_A_ENTRIES;

		ck_assert_msg(s.present[i] == want, "counter %u", i);
	}
	ck_assert_uint_eq(s.value[DMVPN_STATS_A_TX_SHORTCUT], 11);
	ck_assert_uint_eq(s.value[DMVPN_STATS_A_ENTRIES], 1ULL << 40);
}
END_TEST

START_TEST(test_event_redirect)
{
	const uint8_t head[6] = { 0x45, 1, 2, 3, 4, 5 };
	const uint8_t src[4] = { 192, 0, 2, 7 };
	struct dmvpn_event ev;
	struct errmsg err = { "" };

	put_genl_header(DMVPN_CMD_EVENT_REDIRECT);
	nla_put_u32(msg, DMVPN_A_IFINDEX, 12);
	nla_put_string(msg, DMVPN_A_IFNAME, "tun0");
	nla_put(msg, DMVPN_A_NBMA_SRC, 4, src);
	nla_put_u32(msg, DMVPN_A_IPSEC_MARK, 0x3);
	nla_put(msg, DMVPN_A_PACKET, sizeof(head), head);
	ck_assert_int_eq(msg_parse_event(nlmsg_hdr(msg), &ev, &err), 0);
	ck_assert_uint_eq(ev.cmd, DMVPN_CMD_EVENT_REDIRECT);
	ck_assert_uint_eq(ev.ipsec_mark, 0x3);	/* the sender's SA */
	ck_assert_uint_eq(ev.ifindex, 12);
	ck_assert_str_eq(ev.ifname, "tun0");
	ck_assert(!ev.has_entry);
	ck_assert(ev.has_nbma_src);
	ck_assert_mem_eq(&ev.nbma_src, src, 4);
	ck_assert_uint_eq(ev.packet_len, sizeof(head));
	ck_assert_mem_eq(ev.packet, head, sizeof(head));
}
END_TEST

START_TEST(test_event_miss)
{
	struct dmvpn_entry e = full_entry();
	struct dmvpn_event ev;
	struct errmsg err = { "" };

	put_genl_header(DMVPN_CMD_EVENT_MISS);
	nla_put_u32(msg, DMVPN_A_IFINDEX, 3);
	ck_assert_int_eq(msg_put_entry(msg, &e, FIELD_PREFIX), 0);
	ck_assert_int_eq(msg_parse_event(nlmsg_hdr(msg), &ev, &err), 0);
	ck_assert_uint_eq(ev.cmd, DMVPN_CMD_EVENT_MISS);
	ck_assert_str_eq(ev.ifname, "");
	ck_assert(ev.has_entry);
	ck_assert_uint_eq(ev.entry.prefix.len, 48);
	ck_assert_ptr_null(ev.packet);
	ck_assert(!ev.has_nbma_src);
	ck_assert_uint_eq(ev.ipsec_mark, 0);
}
END_TEST

START_TEST(test_event_malformed)
{
	struct dmvpn_event ev;
	struct errmsg err = { "" };
	struct nlattr *nest;

	put_genl_header(DMVPN_CMD_EVENT_MISS);
	nest = nla_nest_start(msg, DMVPN_A_ENTRY);
	nla_put_u8(msg, DMVPN_ENTRY_A_FAMILY, 99);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(msg_parse_event(nlmsg_hdr(msg), &ev, &err), -1);
	ck_assert_str_eq(err.text, "entry with unknown address family 99");
}
END_TEST

START_TEST(test_event_short_nbma)
{
	const uint8_t two[2] = { 1, 2 };
	struct dmvpn_event ev;
	struct errmsg err = { "" };

	put_genl_header(DMVPN_CMD_EVENT_REDIRECT);
	nla_put(msg, DMVPN_A_NBMA_SRC, 2, two);
	ck_assert_int_eq(msg_parse_event(nlmsg_hdr(msg), &ev, &err), -1);
	ck_assert_str_eq(err.text, "malformed event");
}
END_TEST

/* ---- extended acks ---- */

/* An NLMSG_ERROR for a request whose payload was @echoed bytes long. */
static void put_error(int error, uint16_t flags, size_t echoed)
{
	struct nlmsgerr e = { .error = error };
	uint8_t payload[64] = { 0 };
	struct nlmsghdr *nlh;

	nlmsg_free(msg);
	msg = nlmsg_alloc_simple(NLMSG_ERROR, flags);
	ck_assert_ptr_nonnull(msg);
	e.msg.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + echoed);
	e.msg.nlmsg_type = TEST_FAMILY;
	ck_assert_int_eq(nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO), 0);
	if (echoed)
		ck_assert_int_eq(nlmsg_append(msg, payload, echoed, NLMSG_ALIGNTO), 0);
	nlh = nlmsg_hdr(msg);
	ck_assert_uint_ge(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(e) + echoed);
}

START_TEST(test_extack_capped)
{
	put_error(-EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	nla_put_u32(msg, NLMSGERR_ATTR_OFFS, 20);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "holdtime too large");
	ck_assert_str_eq(msg_extack(nlmsg_hdr(msg)), "holdtime too large");
}
END_TEST

START_TEST(test_extack_uncapped)
{
	put_error(-EEXIST, NLM_F_ACK_TLVS, 36);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "entry exists");
	ck_assert_str_eq(msg_extack(nlmsg_hdr(msg)), "entry exists");
}
END_TEST

/* The payload of the echoed request need not be a multiple of four. */
START_TEST(test_extack_uncapped_unaligned)
{
	put_error(-EEXIST, NLM_F_ACK_TLVS, 5);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "odd");
	ck_assert_str_eq(msg_extack(nlmsg_hdr(msg)), "odd");
}
END_TEST

START_TEST(test_extack_absent)
{
	put_error(-EPERM, NLM_F_CAPPED, 0);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "ignored without the flag");
	ck_assert_ptr_null(msg_extack(nlmsg_hdr(msg)));

	put_error(-EPERM, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	nla_put_u32(msg, NLMSGERR_ATTR_OFFS, 4);
	ck_assert_ptr_null(msg_extack(nlmsg_hdr(msg)));
}
END_TEST

START_TEST(test_extack_unterminated)
{
	const char text[4] = { 'a', 'b', 'c', 'd' };

	put_error(-EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	nla_put(msg, NLMSGERR_ATTR_MSG, sizeof(text), text);
	ck_assert_ptr_null(msg_extack(nlmsg_hdr(msg)));
}
END_TEST

START_TEST(test_extack_overrun)
{
	struct nlattr *nla;

	put_error(-EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "truncated");
	/* Claim the attribute runs past the end of the message. */
	nla = (struct nlattr *)((char *)nlmsg_hdr(msg) + NLMSG_HDRLEN +
				NLMSG_ALIGN(sizeof(struct nlmsgerr)));
	nla->nla_len = 200;
	ck_assert_ptr_null(msg_extack(nlmsg_hdr(msg)));
}
END_TEST

START_TEST(test_done_error)
{
	int error = -ENODEV;

	nlmsg_free(msg);
	msg = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS);
	ck_assert_int_eq(nlmsg_append(msg, &error, sizeof(error), NLMSG_ALIGNTO), 0);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "no such dmvpn device");
	ck_assert_int_eq(msg_done_errno(nlmsg_hdr(msg)), ENODEV);
	ck_assert_str_eq(msg_extack(nlmsg_hdr(msg)), "no such dmvpn device");
}
END_TEST

START_TEST(test_done_ok)
{
	int zero = 0;

	nlmsg_free(msg);
	msg = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
	ck_assert_int_eq(msg_done_errno(nlmsg_hdr(msg)), 0);	/* no payload */
	ck_assert_int_eq(nlmsg_append(msg, &zero, sizeof(zero), NLMSG_ALIGNTO), 0);
	ck_assert_int_eq(msg_done_errno(nlmsg_hdr(msg)), 0);
	ck_assert_ptr_null(msg_extack(nlmsg_hdr(msg)));
	/* Only an ack or a DONE carries an extack. */
	nlmsg_free(msg);
	msg = nlmsg_alloc();
	put_genl_header(DMVPN_CMD_ENTRY_GET);
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK_TLVS;
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "not an ack");
	ck_assert_int_eq(msg_done_errno(nlmsg_hdr(msg)), 0);
	ck_assert_ptr_null(msg_extack(nlmsg_hdr(msg)));
}
END_TEST

/* ---- rtnetlink links ---- */

static void put_link(uint16_t type, int ifindex, const char *name,
		     const char *kind)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nlattr *info;

	nlmsg_free(msg);
	msg = nlmsg_alloc_simple(type, NLM_F_MULTI);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	if (name)
		nla_put_string(msg, IFLA_IFNAME, name);
	nla_put_u32(msg, IFLA_MTU, 1400);
	if (kind) {
		info = nla_nest_start(msg, IFLA_LINKINFO);
		nla_put_string(msg, IFLA_INFO_KIND, kind);
		nla_nest_end(msg, info);
	}
}

START_TEST(test_link_kind)
{
	char name[IF_NAMESIZE] = "";
	uint32_t ifindex = 0;

	put_link(RTM_NEWLINK, 7, "tun0", "dmvpn");
	ck_assert(msg_link_is_dmvpn(nlmsg_hdr(msg), &ifindex, name));
	ck_assert_uint_eq(ifindex, 7);
	ck_assert_str_eq(name, "tun0");

	put_link(RTM_NEWLINK, 8, "gre1", "gre");
	ck_assert(!msg_link_is_dmvpn(nlmsg_hdr(msg), &ifindex, name));
	put_link(RTM_NEWLINK, 8, "gre1", "dmvpnx");
	ck_assert(!msg_link_is_dmvpn(nlmsg_hdr(msg), &ifindex, name));
	put_link(RTM_NEWLINK, 1, "lo", NULL);
	ck_assert(!msg_link_is_dmvpn(nlmsg_hdr(msg), &ifindex, name));
	put_link(RTM_NEWLINK, 9, NULL, "dmvpn");
	ck_assert(!msg_link_is_dmvpn(nlmsg_hdr(msg), &ifindex, name));
	put_link(RTM_DELLINK, 7, "tun0", "dmvpn");
	ck_assert(!msg_link_is_dmvpn(nlmsg_hdr(msg), &ifindex, name));
	/* The failures left the first answer alone. */
	ck_assert_uint_eq(ifindex, 7);
	ck_assert_str_eq(name, "tun0");
}
END_TEST

static Suite *msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc;

	tc = tcase_create("entry");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_entry_roundtrip);
	tcase_add_test(tc, test_entry_only_prefix);
	tcase_add_test(tc, test_entry_no_ipsec_mark);
	tcase_add_test(tc, test_entry_ipv4_wire_format);
	tcase_add_test(tc, test_entry_reply_counters);
	tcase_add_loop_test(tc, test_entry_malformed, 0, ARRAY_SIZE(bad_entries));
	tcase_add_test(tc, test_entry_short_u32);
	tcase_add_test(tc, test_stats);
	suite_add_tcase(s, tc);

	tc = tcase_create("event");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_event_redirect);
	tcase_add_test(tc, test_event_miss);
	tcase_add_test(tc, test_event_malformed);
	tcase_add_test(tc, test_event_short_nbma);
	suite_add_tcase(s, tc);

	tc = tcase_create("ack");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_extack_capped);
	tcase_add_test(tc, test_extack_uncapped);
	tcase_add_test(tc, test_extack_uncapped_unaligned);
	tcase_add_test(tc, test_extack_absent);
	tcase_add_test(tc, test_extack_unterminated);
	tcase_add_test(tc, test_extack_overrun);
	tcase_add_test(tc, test_done_error);
	tcase_add_test(tc, test_done_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("link");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_link_kind);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(msg_suite());
}
