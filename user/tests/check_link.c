// SPDX-License-Identifier: GPL-2.0
/*
 * The iproute2 plugin: its option parser, the attributes parse_opt adds to
 * ip's request, and what print_opt shows for them (ip's print functions are
 * replaced by tests/ip_stubs.c).
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ip/iproute2.h"
#include "ip/link_opts.h"
#include "ip_stubs.h"
#include "testutil.h"

extern struct link_util dmvpn_link_util;

static void setup(void)
{
	stub_json = false;
	sbuf_reset(&stub_out);
}

static void teardown(void)
{
	sbuf_free(&stub_out);
}

#define A(x) (1U << IFLA_DMVPN_##x)

/* ---- the option parser ---- */

static const struct {
	const char *args;
	uint32_t present;
	int attr;		/* one attribute to check, 0 for none */
	uint32_t value;
} good_opts[] = {
	{ "", 0, 0, 0 },
	{ "local 192.0.2.1", A(LOCAL), IFLA_DMVPN_LOCAL, 0xc0000201 },
	{ "local any", A(LOCAL), IFLA_DMVPN_LOCAL, 0 },
	{ "key 5", A(KEY) | A(KEY_ON), IFLA_DMVPN_KEY, 5 },
	{ "key 0x10", A(KEY) | A(KEY_ON), IFLA_DMVPN_KEY, 16 },
	{ "key 0.0.1.2", A(KEY) | A(KEY_ON), IFLA_DMVPN_KEY, 258 },
	{ "key 4294967295", A(KEY) | A(KEY_ON), IFLA_DMVPN_KEY, UINT32_MAX },
	{ "key 5", A(KEY) | A(KEY_ON), IFLA_DMVPN_KEY_ON, 1 },
	{ "nokey", A(KEY_ON), IFLA_DMVPN_KEY_ON, 0 },
	{ "key 5 nokey", A(KEY) | A(KEY_ON), IFLA_DMVPN_KEY_ON, 0 },
	{ "ttl 1", A(TTL), IFLA_DMVPN_TTL, 1 },
	{ "ttl 255", A(TTL), IFLA_DMVPN_TTL, 255 },
	{ "ttl inherit", A(TTL), IFLA_DMVPN_TTL, 0 },
	{ "tos inherit", A(TOS), IFLA_DMVPN_TOS, DMVPN_TOS_INHERIT },
	{ "tos 0x10", A(TOS), IFLA_DMVPN_TOS, 0x10 },
	{ "tos 10", A(TOS), IFLA_DMVPN_TOS, 0x10 },	/* hex, as in ip */
	{ "tos ff", A(TOS), IFLA_DMVPN_TOS, 0xff },
	{ "tos 0", A(TOS), IFLA_DMVPN_TOS, 0 },
	{ "csum", A(CSUM), IFLA_DMVPN_CSUM, 1 },
	{ "nocsum", A(CSUM), IFLA_DMVPN_CSUM, 0 },
	{ "pmtudisc", A(PMTUDISC), IFLA_DMVPN_PMTUDISC, 1 },
	{ "nopmtudisc", A(PMTUDISC), IFLA_DMVPN_PMTUDISC, 0 },
	{ "fwmark 0xff00", A(FWMARK), IFLA_DMVPN_FWMARK, 0xff00 },
	{ "fwmark 0", A(FWMARK), IFLA_DMVPN_FWMARK, 0 },
	{ "redirect", A(REDIRECT), IFLA_DMVPN_REDIRECT, 1 },
	{ "noredirect", A(REDIRECT), IFLA_DMVPN_REDIRECT, 0 },
	{ "require-ipsec", A(REQUIRE_IPSEC), IFLA_DMVPN_REQUIRE_IPSEC, 1 },
	{ "norequire-ipsec", A(REQUIRE_IPSEC), IFLA_DMVPN_REQUIRE_IPSEC, 0 },
	{ "max-entries 1000", A(MAX_ENTRIES), IFLA_DMVPN_MAX_ENTRIES, 1000 },
	{ "dev eth0", A(LINK), 0, 0 },
	{ "csum nocsum", A(CSUM), IFLA_DMVPN_CSUM, 0 },	/* last one wins */
	{ "local 192.0.2.1 dev eth0 key 5 ttl 64 tos inherit pmtudisc csum "
	  "fwmark 7 redirect require-ipsec max-entries 1048576",
	  A(LOCAL) | A(LINK) | A(KEY) | A(KEY_ON) | A(TTL) | A(TOS) |
	  A(PMTUDISC) | A(CSUM) | A(FWMARK) | A(REDIRECT) | A(REQUIRE_IPSEC) |
	  A(MAX_ENTRIES), IFLA_DMVPN_FWMARK, 7 },
};

START_TEST(test_parse_good)
{
	struct dmvpn_link_opts opts;
	struct dmvpn_link_error err;
	struct test_args args;
	int attr = good_opts[_i].attr;
	uint32_t got;

	split_args(&args, good_opts[_i].args);
	ck_assert_int_eq(dmvpn_link_parse(args.argc, args.argv, &opts, &err),
			 DMVPN_LINK_OK);
	ck_assert_str_eq(err.text, "");
	ck_assert_uint_eq(opts.present, good_opts[_i].present);
	if (!attr)
		return;
	/* The address is kept in network order, ready to send. */
	got = opts.value[attr];
	if (attr == IFLA_DMVPN_LOCAL)
		got = ntohl(got);
	ck_assert_uint_eq(got, good_opts[_i].value);
}
END_TEST

START_TEST(test_parse_dev_name)
{
	struct dmvpn_link_opts opts;
	struct dmvpn_link_error err;
	struct test_args args;

	split_args(&args, "dev eth0");
	ck_assert_int_eq(dmvpn_link_parse(args.argc, args.argv, &opts, &err),
			 DMVPN_LINK_OK);
	ck_assert_str_eq(opts.link_name, "eth0");
}
END_TEST

static const struct {
	const char *args;
	enum dmvpn_link_parse_result result;
	const char *error;
} bad_opts[] = {
	{ "ttl 300", DMVPN_LINK_INVALID,
	  "Error: argument \"300\" is wrong: \"ttl\" must be 1..255 or \"inherit\"" },
	{ "ttl 0", DMVPN_LINK_INVALID,
	  "Error: argument \"0\" is wrong: \"ttl\" must be 1..255 or \"inherit\"" },
	{ "ttl -1", DMVPN_LINK_INVALID,
	  "Error: argument \"-1\" is wrong: \"ttl\" must be 1..255 or \"inherit\"" },
	{ "ttl", DMVPN_LINK_INVALID,
	  "Error: \"ttl\" needs a value: 1..255 or \"inherit\"" },
	{ "tos 0x100", DMVPN_LINK_INVALID,
	  "Error: argument \"0x100\" is wrong: \"tos\" must be hexadecimal "
	  "0..ff or \"inherit\"" },
	{ "tos 1g", DMVPN_LINK_INVALID,
	  "Error: argument \"1g\" is wrong: \"tos\" must be hexadecimal "
	  "0..ff or \"inherit\"" },
	{ "tos 0x", DMVPN_LINK_INVALID,
	  "Error: argument \"0x\" is wrong: \"tos\" must be hexadecimal "
	  "0..ff or \"inherit\"" },
	{ "local 2001:db8::1", DMVPN_LINK_INVALID,
	  "Error: argument \"2001:db8::1\" is wrong: \"local\" must be an "
	  "IPv4 address or \"any\"" },
	{ "local 192.0.2", DMVPN_LINK_INVALID,
	  "Error: argument \"192.0.2\" is wrong: \"local\" must be an IPv4 "
	  "address or \"any\"" },
	{ "key x", DMVPN_LINK_INVALID,
	  "Error: argument \"x\" is wrong: \"key\" must be a number or a "
	  "dotted quad" },
	{ "key 1.2.3", DMVPN_LINK_INVALID,
	  "Error: argument \"1.2.3\" is wrong: \"key\" must be a number or a "
	  "dotted quad" },
	{ "key 4294967296", DMVPN_LINK_INVALID,
	  "Error: argument \"4294967296\" is wrong: \"key\" must be a number "
	  "or a dotted quad" },
	{ "fwmark -1", DMVPN_LINK_INVALID,
	  "Error: argument \"-1\" is wrong: \"fwmark\" must be 0..0xffffffff" },
	{ "max-entries 0", DMVPN_LINK_INVALID,
	  "Error: argument \"0\" is wrong: \"max-entries\" must be "
	  "1..4294967295" },
	{ "dev 0123456789abcdef", DMVPN_LINK_INVALID,
	  "Error: argument \"0123456789abcdef\" is wrong: \"dev\" must be an "
	  "interface name" },
	{ "dev", DMVPN_LINK_INVALID,
	  "Error: \"dev\" needs a value: an interface name" },
	{ "remote 192.0.2.1", DMVPN_LINK_UNKNOWN,
	  "Error: unknown option \"remote\" for type dmvpn" },
	{ "csum TTL 5", DMVPN_LINK_UNKNOWN,
	  "Error: unknown option \"TTL\" for type dmvpn" },
	{ "ttl 64 help", DMVPN_LINK_HELP, "" },
	{ "help", DMVPN_LINK_HELP, "" },
};

START_TEST(test_parse_bad)
{
	struct dmvpn_link_opts opts;
	struct dmvpn_link_error err;
	struct test_args args;

	split_args(&args, bad_opts[_i].args);
	ck_assert_int_eq(dmvpn_link_parse(args.argc, args.argv, &opts, &err),
			 bad_opts[_i].result);
	ck_assert_str_eq(err.text, bad_opts[_i].error);
}
END_TEST

START_TEST(test_attr_sizes)
{
	static const int four[] = {
		IFLA_DMVPN_LOCAL, IFLA_DMVPN_LINK, IFLA_DMVPN_KEY,
		IFLA_DMVPN_FWMARK, IFLA_DMVPN_MAX_ENTRIES,
	};
	int attr;
	size_t i;

	for (attr = 1; attr <= IFLA_DMVPN_MAX; attr++) {
		size_t want = 1;

		for (i = 0; i < ARRAY_SIZE(four); i++)
			if (four[i] == attr)
				want = 4;
		ck_assert_msg(dmvpn_link_attr_size(attr) == want,
			      "attribute %d", attr);
	}
}
END_TEST

START_TEST(test_usage)
{
	static const char *const words[] = {
		"local", "dev", "key", "nokey", "ttl", "tos", "[no]csum",
		"[no]pmtudisc", "fwmark", "[no]redirect", "[no]require-ipsec",
		"max-entries", "default 64", "default 65536",
	};
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	dmvpn_link_util.print_help(&dmvpn_link_util, 0, NULL, f);
	fclose(f);
	ck_assert(strncmp(text, "Usage: ... dmvpn ", 17) == 0);
	for (i = 0; i < ARRAY_SIZE(words); i++)
		ck_assert_msg(strstr(text, words[i]), "no '%s' in the help",
			      words[i]);
	free(text);
}
END_TEST

START_TEST(test_link_util)
{
	ck_assert_str_eq(dmvpn_link_util.id, "dmvpn");
	ck_assert_int_eq(dmvpn_link_util.maxattr, IFLA_DMVPN_MAX);
	ck_assert_ptr_nonnull(dmvpn_link_util.parse_opt);
	ck_assert_ptr_nonnull(dmvpn_link_util.print_opt);
	ck_assert_ptr_nonnull(dmvpn_link_util.print_help);
	ck_assert_ptr_null(dmvpn_link_util.print_xstats);
	ck_assert_ptr_null(dmvpn_link_util.parse_ifla_xstats);
	ck_assert_ptr_null(dmvpn_link_util.print_ifla_xstats);
}
END_TEST

/* ---- parse_opt: the request ip sends ---- */

/* The layout of ip's struct iplink_req. */
struct iplink_req {
	struct nlmsghdr n;
	struct ifinfomsg i;
	char buf[IPLINK_REQ_ATTR_SPACE];
};

static void init_req(struct iplink_req *req)
{
	memset(req, 0, sizeof(*req));
	req->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req->n.nlmsg_type = RTM_NEWLINK;
}

/* Index what parse_opt appended, checking each attribute's size. */
static int index_attrs(struct iplink_req *req, struct rtattr **tb)
{
	struct rtattr *rta = (struct rtattr *)req->buf;
	int len = (int)req->n.nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg));
	int count = 0;

	memset(tb, 0, sizeof(*tb) * (IFLA_DMVPN_MAX + 1));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		ck_assert_int_ge(rta->rta_type, 1);
		ck_assert_int_le(rta->rta_type, IFLA_DMVPN_MAX);
		ck_assert_ptr_null(tb[rta->rta_type]);	/* no duplicates */
		ck_assert_uint_eq(RTA_PAYLOAD(rta),
				  dmvpn_link_attr_size(rta->rta_type));
		tb[rta->rta_type] = rta;
		count++;
	}
	ck_assert_int_eq(len, 0);
	return count;
}

static int run_parse_opt(struct iplink_req *req, const char *line)
{
	struct test_args args;

	init_req(req);
	split_args(&args, line);
	return dmvpn_link_util.parse_opt(&dmvpn_link_util, args.argc,
					 args.argv, &req->n);
}

static uint32_t rta_u32(const struct rtattr *rta)
{
	uint32_t v;

	memcpy(&v, RTA_DATA(rta), sizeof(v));
	return v;
}

static uint8_t rta_u8(const struct rtattr *rta)
{
	return *(const uint8_t *)RTA_DATA(rta);
}

START_TEST(test_parse_opt_attrs)
{
	struct rtattr *tb[IFLA_DMVPN_MAX + 1];
	struct iplink_req req;

	ck_assert_int_eq(run_parse_opt(&req, "local 192.0.2.1 dev lo key 5 "
				       "ttl 64 tos 0x20 nopmtudisc csum fwmark 9 "
				       "redirect norequire-ipsec max-entries 77"), 0);
	ck_assert_int_eq(index_attrs(&req, tb), IFLA_DMVPN_MAX);
	ck_assert_uint_eq(ntohl(rta_u32(tb[IFLA_DMVPN_LOCAL])), 0xc0000201);
	ck_assert_uint_eq(rta_u32(tb[IFLA_DMVPN_LINK]), if_nametoindex("lo"));
	ck_assert_uint_eq(rta_u32(tb[IFLA_DMVPN_KEY]), 5);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_KEY_ON]), 1);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_TTL]), 64);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_TOS]), 0x20);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_PMTUDISC]), 0);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_CSUM]), 1);
	ck_assert_uint_eq(rta_u32(tb[IFLA_DMVPN_FWMARK]), 9);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_REDIRECT]), 1);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_REQUIRE_IPSEC]), 0);
	ck_assert_uint_eq(rta_u32(tb[IFLA_DMVPN_MAX_ENTRIES]), 77);
}
END_TEST

/* "ip link set ... type dmvpn ttl 10" must leave everything else alone. */
START_TEST(test_parse_opt_only_given)
{
	struct rtattr *tb[IFLA_DMVPN_MAX + 1];
	struct iplink_req req;

	ck_assert_int_eq(run_parse_opt(&req, "ttl 10"), 0);
	ck_assert_int_eq(index_attrs(&req, tb), 1);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_TTL]), 10);

	ck_assert_int_eq(run_parse_opt(&req, "nokey"), 0);
	ck_assert_int_eq(index_attrs(&req, tb), 1);
	ck_assert_uint_eq(rta_u8(tb[IFLA_DMVPN_KEY_ON]), 0);
}
END_TEST

/* parse_opt tells the user on stderr: keep that out of the test log. */
static int silence_stderr(void)
{
	int saved = dup(STDERR_FILENO);
	int null = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(null, 0);
	fflush(stderr);
	dup2(null, STDERR_FILENO);
	close(null);
	return saved;
}

static void restore_stderr(int saved)
{
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static const char *const failing_opts[] = {
	"dev no-such-dev0", "ttl 300", "bogus", "help", "ttl 5 tos",
};

START_TEST(test_parse_opt_errors)
{
	struct iplink_req req;
	int saved = silence_stderr();
	int ret = run_parse_opt(&req, failing_opts[_i]);

	restore_stderr(saved);
	ck_assert_int_eq(ret, -1);
	/* Nothing was added to the request on the way. */
	ck_assert_uint_eq(req.n.nlmsg_len, NLMSG_LENGTH(sizeof(struct ifinfomsg)));
}
END_TEST

/* ---- print_opt ---- */

static void print_opts(const char *line)
{
	struct rtattr *tb[IFLA_DMVPN_MAX + 1];
	struct iplink_req req;

	ck_assert_int_eq(run_parse_opt(&req, line), 0);
	index_attrs(&req, tb);
	sbuf_reset(&stub_out);
	dmvpn_link_util.print_opt(&dmvpn_link_util, stdout, tb);
}

static const struct {
	const char *args;
	const char *text;
	const char *json;
} prints[] = {
	{ "local 192.0.2.1 dev lo key 5 ttl 64 tos inherit pmtudisc csum "
	  "noredirect redirect max-entries 1048576",
	  "local 192.0.2.1 dev lo key 5 ttl 64 tos inherit pmtudisc csum "
	  "redirect max-entries 1048576 ",
	  "\"local\":\"192.0.2.1\",\"link\":\"lo\",\"key\":5,\"ttl\":64,"
	  "\"tos\":\"inherit\",\"pmtudisc\":true,\"csum\":true,"
	  "\"redirect\":true,\"max_entries\":1048576," },
	{ "local any ttl inherit tos 0 nopmtudisc nocsum fwmark 0x10 "
	  "require-ipsec",
	  "local any ttl inherit nopmtudisc fwmark 0x10 require-ipsec ",
	  "\"local\":\"any\",\"ttl\":0,\"tos\":\"0x0\",\"pmtudisc\":false,"
	  "\"csum\":false,\"fwmark\":16,\"require_ipsec\":true," },
	/* The key is only shown while it is switched on. */
	{ "key 9 nokey tos 0x2c fwmark 0",
	  "local any tos 0x2c ",
	  "\"local\":\"any\",\"tos\":\"0x2c\",\"fwmark\":0," },
	{ "", "local any ", "\"local\":\"any\"," },
};

START_TEST(test_print_text)
{
	print_opts(prints[_i].args);
	ck_assert_str_eq(sbuf_str(&stub_out), prints[_i].text);
}
END_TEST

START_TEST(test_print_json)
{
	stub_json = true;
	print_opts(prints[_i].args);
	ck_assert_str_eq(sbuf_str(&stub_out), prints[_i].json);
}
END_TEST

/* A link without IFLA_INFO_DATA, and attributes shorter than their type. */
START_TEST(test_print_robust)
{
	struct rtattr *tb[IFLA_DMVPN_MAX + 1] = { 0 };
	struct {
		struct rtattr rta;
		uint8_t byte[4];
	} short_ttl = { { RTA_LENGTH(0), IFLA_DMVPN_TTL }, { 0 } },
	  short_max = { { RTA_LENGTH(2), IFLA_DMVPN_MAX_ENTRIES }, { 1, 2 } };

	dmvpn_link_util.print_opt(&dmvpn_link_util, stdout, NULL);
	ck_assert_str_eq(sbuf_str(&stub_out), "");
	tb[IFLA_DMVPN_TTL] = &short_ttl.rta;
	tb[IFLA_DMVPN_MAX_ENTRIES] = &short_max.rta;
	dmvpn_link_util.print_opt(&dmvpn_link_util, stdout, tb);
	ck_assert_str_eq(sbuf_str(&stub_out), "local any ");
}
END_TEST

static Suite *link_suite(void)
{
	Suite *s = suite_create("link");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_parse_good, 0, ARRAY_SIZE(good_opts));
	tcase_add_test(tc, test_parse_dev_name);
	tcase_add_loop_test(tc, test_parse_bad, 0, ARRAY_SIZE(bad_opts));
	tcase_add_test(tc, test_attr_sizes);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_link_util);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse_opt");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse_opt_attrs);
	tcase_add_test(tc, test_parse_opt_only_given);
	tcase_add_loop_test(tc, test_parse_opt_errors, 0,
			    ARRAY_SIZE(failing_opts));
	suite_add_tcase(s, tc);

	tc = tcase_create("print_opt");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_print_text, 0, ARRAY_SIZE(prints));
	tcase_add_loop_test(tc, test_print_json, 0, ARRAY_SIZE(prints));
	tcase_add_test(tc, test_print_robust);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(link_suite());
}
