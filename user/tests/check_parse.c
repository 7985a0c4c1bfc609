// SPDX-License-Identifier: GPL-2.0
/* Command line parsing: prefixes, numbers, names and cache requests. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/parse.h"
#include "testutil.h"

/* ---- prefixes ---- */

static const struct {
	const char *input;
	int family;
	const char *addr;
	unsigned int len;
} good_prefixes[] = {
	{ "10.0.0.0/24",	AF_INET,  "10.0.0.0",	24 },
	{ "10.0.0.1",		AF_INET,  "10.0.0.1",	32 },
	{ "0.0.0.0/0",		AF_INET,  "0.0.0.0",	0 },
	{ "192.0.2.128/25",	AF_INET,  "192.0.2.128", 25 },
	{ "10.0.0.7/32",	AF_INET,  "10.0.0.7",	32 },
	{ "2001:db8::/32",	AF_INET6, "2001:db8::",	32 },
	{ "2001:db8::1",	AF_INET6, "2001:db8::1", 128 },
	{ "::/0",		AF_INET6, "::",		0 },
	{ "fe80::/10",		AF_INET6, "fe80::",	10 },
	{ "2001:db8:0:1::/64",	AF_INET6, "2001:db8:0:1::", 64 },
	{ "10.0.0.0/024",	AF_INET,  "10.0.0.0",	24 },
};

START_TEST(test_prefix_good)
{
	struct dmvpn_prefix p, want = { 0 };
	struct errmsg err = { "" };

	ck_assert_int_eq(parse_prefix(good_prefixes[_i].input, &p, &err), 0);
	ck_assert_str_eq(err.text, "");
	ck_assert_int_eq(p.family, good_prefixes[_i].family);
	ck_assert_uint_eq(p.len, good_prefixes[_i].len);
	ck_assert_int_eq(inet_pton(good_prefixes[_i].family,
				   good_prefixes[_i].addr, want.addr.bytes), 1);
	ck_assert_mem_eq(p.addr.bytes, want.addr.bytes, 16);
}
END_TEST

static const struct {
	const char *input;
	const char *error;
} bad_prefixes[] = {
	{ "10.0.0.0/33",	"invalid prefix length 33 for IPv4" },
	{ "2001:db8::/129",	"invalid prefix length 129 for IPv6" },
	{ "10.0.0.0/",		"invalid prefix length ''" },
	{ "10.0.0.0/-1",	"invalid prefix length '-1'" },
	{ "10.0.0.0/2x",	"invalid prefix length '2x'" },
	{ "10.0.0.0/ 24",	"invalid prefix length ' 24'" },
	{ "10.0.0.0/0024",	"invalid prefix length '0024'" },
	{ "10.0.0.0/24/1",	"invalid prefix length '24/1'" },
	{ "10.0.0/24",		"invalid prefix '10.0.0/24': not an IPv4 or IPv6 address" },
	{ "10.0.0.256",		"invalid prefix '10.0.0.256': not an IPv4 or IPv6 address" },
	{ "x",			"invalid prefix 'x': not an IPv4 or IPv6 address" },
	{ "2001:db8:::1",	"invalid prefix '2001:db8:::1': not an IPv4 or IPv6 address" },
	{ "",			"invalid prefix ''" },
	{ "/24",		"invalid prefix '/24'" },
	{ "10.0.0.1/24",	"prefix 10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)" },
	{ "192.0.2.129/25",	"prefix 192.0.2.129/25 has host bits set (did you mean 192.0.2.128/25?)" },
	{ "2001:db8::1/64",	"prefix 2001:db8::1/64 has host bits set (did you mean 2001:db8::/64?)" },
	{ "255.255.255.255/0",	"prefix 255.255.255.255/0 has host bits set (did you mean 0.0.0.0/0?)" },
};

START_TEST(test_prefix_bad)
{
	struct dmvpn_prefix p;
	struct errmsg err = { "" };

	ck_assert_int_eq(parse_prefix(bad_prefixes[_i].input, &p, &err), -1);
	ck_assert_str_eq(err.text, bad_prefixes[_i].error);
}
END_TEST

/* ---- addresses and numbers ---- */

START_TEST(test_ipv4)
{
	struct in_addr a;
	struct errmsg err = { "" };

	ck_assert_int_eq(parse_ipv4("nbma", "192.0.2.1", &a, &err), 0);
	ck_assert_uint_eq(ntohl(a.s_addr), 0xc0000201);
	ck_assert_int_eq(parse_ipv4("nbma", "x", &a, &err), -1);
	ck_assert_str_eq(err.text, "nbma: expected an IPv4 address, got 'x'");
	ck_assert_int_eq(parse_ipv4("nbma", "2001:db8::1", &a, &err), -1);
	ck_assert_str_eq(err.text,
			 "nbma: expected an IPv4 address, got '2001:db8::1'");
}
END_TEST

static const struct {
	const char *input;
	uint32_t max;
	int ret;
	uint32_t value;
} numbers[] = {
	{ "0",		UINT32_MAX, 0, 0 },
	{ "42",		UINT32_MAX, 0, 42 },
	{ "010",	UINT32_MAX, 0, 10 },
	{ "0x10",	UINT32_MAX, 0, 16 },
	{ "0XfF",	UINT32_MAX, 0, 255 },
	{ "4294967295",	UINT32_MAX, 0, UINT32_MAX },
	{ "0xffffffff",	UINT32_MAX, 0, UINT32_MAX },
	{ "4294967296",	UINT32_MAX, -1, 0 },
	{ "99999999999999999999999", UINT32_MAX, -1, 0 },
	{ "-1",		UINT32_MAX, -1, 0 },
	{ "+1",		UINT32_MAX, -1, 0 },
	{ " 1",		UINT32_MAX, -1, 0 },
	{ "1 ",		UINT32_MAX, -1, 0 },
	{ "",		UINT32_MAX, -1, 0 },
	{ "0x",		UINT32_MAX, -1, 0 },
	{ "0x-1",	UINT32_MAX, -1, 0 },
	{ "12abc",	UINT32_MAX, -1, 0 },
	{ "abc",	UINT32_MAX, -1, 0 },
	{ "255",	255,	    0, 255 },
	{ "256",	255,	    -1, 0 },
};

START_TEST(test_numbers)
{
	uint32_t v = 12345;
	int ret = parse_uint(numbers[_i].input, numbers[_i].max, &v);

	ck_assert_int_eq(ret, numbers[_i].ret);
	if (ret == 0)
		ck_assert_uint_eq(v, numbers[_i].value);
	else
		ck_assert_uint_eq(v, 12345);	/* untouched on error */
}
END_TEST

/* ---- names ---- */

static const struct {
	unsigned int type;
	const char *name;
} type_names[] = {
	{ DMVPN_ENTRY_STATIC,	"static" },
	{ DMVPN_ENTRY_DYNAMIC,	"dynamic" },
	{ DMVPN_ENTRY_NHS,	"nhs" },
	{ DMVPN_ENTRY_SHORTCUT,	"shortcut" },
	{ DMVPN_ENTRY_NEGATIVE,	"negative" },
	{ DMVPN_ENTRY_LOCAL,	"local" },
};

START_TEST(test_type_names)
{
	ck_assert_str_eq(entry_type_name(type_names[_i].type), type_names[_i].name);
	ck_assert_int_eq(entry_type_from_name(type_names[_i].name),
			 (int)type_names[_i].type);
}
END_TEST

START_TEST(test_type_names_unknown)
{
	ck_assert_ptr_null(entry_type_name(DMVPN_ENTRY_UNSPEC));
	ck_assert_ptr_null(entry_type_name(DMVPN_ENTRY_TYPE_MAX + 1));
	ck_assert_ptr_null(entry_type_name(1000));
	ck_assert_int_eq(entry_type_from_name("Static"), -1);
	ck_assert_int_eq(entry_type_from_name(""), -1);
	ck_assert_int_eq(entry_type_from_name("stat"), -1);
	/* Every known type has a name that maps back to it. */
	for (unsigned int t = 1; t <= DMVPN_ENTRY_TYPE_MAX; t++)
		ck_assert_int_eq(entry_type_from_name(entry_type_name(t)), (int)t);
}
END_TEST

START_TEST(test_flag_names)
{
	ck_assert_str_eq(entry_flag_name(DMVPN_ENTRY_F_MULTICAST), "multicast");
	ck_assert_str_eq(entry_flag_name(DMVPN_ENTRY_F_UNIQUE), "unique");
	ck_assert_str_eq(entry_flag_name(DMVPN_ENTRY_F_REQUIRE_IPSEC),
			 "require-ipsec");
	ck_assert_ptr_null(entry_flag_name(1U << 3));
	ck_assert_ptr_null(entry_flag_name(0));
	ck_assert_ptr_null(entry_flag_name(DMVPN_ENTRY_F_MULTICAST |
					   DMVPN_ENTRY_F_UNIQUE));
}
END_TEST

static const struct word_map test_words[] = {
	{ "show", 1 }, { "list", 1 }, { "del", 2 }, { "delete", 2 },
	{ "dump", 3 }, { "add", 4 }, { NULL, 0 },
};

static const struct {
	const char *word;
	int value;
} word_cases[] = {
	{ "show", 1 }, { "s", 1 }, { "sh", 1 }, { "l", 1 },
	{ "del", 2 }, { "dele", 2 }, { "delete", 2 },
	{ "de", 2 },			/* del and delete agree */
	{ "d", WORD_AMBIGUOUS },	/* del or dump */
	{ "du", 3 }, { "a", 4 },
	{ "", WORD_UNKNOWN }, { "showx", WORD_UNKNOWN }, { "x", WORD_UNKNOWN },
	{ "SHOW", WORD_UNKNOWN },
};

START_TEST(test_match_word)
{
	ck_assert_int_eq(match_word(word_cases[_i].word, test_words),
			 word_cases[_i].value);
}
END_TEST

/* ---- cache requests ---- */

struct request_case {
	enum cache_op op;
	const char *args;
	const char *dev;
	unsigned int given;
	const char *prefix;
	const char *nbma;
	unsigned int type;
	uint32_t flags;
	uint32_t holdtime, priority, mark;
};

static const struct request_case requests[] = {
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0",
	  "tun0", FIELD_PREFIX | FIELD_NBMA, "10.0.0.0/24", "192.0.2.1",
	  DMVPN_ENTRY_STATIC, 0, 0, 0, 0 },
	/* Any order, every keyword. */
	{ CACHE_OP_ADD, "dev tun0 mark 0x10 unique type dynamic holdtime 600 "
	  "nbma 192.0.2.1 multicast priority 7 require-ipsec 10.1.0.1",
	  "tun0", FIELD_PREFIX | FIELD_NBMA | FIELD_TYPE | FIELD_HOLDTIME |
	  FIELD_PRIORITY | FIELD_MARK | FIELD_FLAGS, "10.1.0.1/32", "192.0.2.1",
	  DMVPN_ENTRY_DYNAMIC, DMVPN_ENTRY_F_MULTICAST | DMVPN_ENTRY_F_UNIQUE |
	  DMVPN_ENTRY_F_REQUIRE_IPSEC, 600, 7, 16 },
	{ CACHE_OP_REPLACE, "2001:db8::/48 nbma 192.0.2.9 dev tun0 type nhs",
	  "tun0", FIELD_PREFIX | FIELD_NBMA | FIELD_TYPE,
	  "2001:db8::/48", "192.0.2.9", DMVPN_ENTRY_NHS, 0, 0, 0, 0 },
	{ CACHE_OP_ADD, "10.2.0.0/16 negative dev tun0 holdtime 65535",
	  "tun0", FIELD_PREFIX | FIELD_TYPE | FIELD_HOLDTIME, "10.2.0.0/16",
	  NULL, DMVPN_ENTRY_NEGATIVE, 0, 65535, 0, 0 },
	{ CACHE_OP_ADD, "10.2.0.0/16 type negative dev tun0",
	  "tun0", FIELD_PREFIX | FIELD_TYPE, "10.2.0.0/16", NULL,
	  DMVPN_ENTRY_NEGATIVE, 0, 0, 0, 0 },
	{ CACHE_OP_ADD, "10.0.0.1 nbma 192.0.2.1 dev tun0 holdtime never",
	  "tun0", FIELD_PREFIX | FIELD_NBMA | FIELD_HOLDTIME, "10.0.0.1/32",
	  "192.0.2.1", DMVPN_ENTRY_STATIC, 0, 0, 0, 0 },
	{ CACHE_OP_DEL, "10.0.0.0/24 dev tun0", "tun0", FIELD_PREFIX,
	  "10.0.0.0/24", NULL, 0, 0, 0, 0, 0 },
	{ CACHE_OP_GET, "dev tun0 2001:db8::1", "tun0", FIELD_PREFIX,
	  "2001:db8::1/128", NULL, 0, 0, 0, 0, 0 },
	{ CACHE_OP_FLUSH, "dev tun0", "tun0", 0, NULL, NULL, 0, 0, 0, 0, 0 },
	{ CACHE_OP_FLUSH, "dev tun0 type shortcut", "tun0", FIELD_TYPE,
	  NULL, NULL, DMVPN_ENTRY_SHORTCUT, 0, 0, 0, 0 },
	{ CACHE_OP_SHOW, "", NULL, 0, NULL, NULL, 0, 0, 0, 0, 0 },
	{ CACHE_OP_SHOW, "type local dev tun1", "tun1", FIELD_TYPE,
	  NULL, NULL, DMVPN_ENTRY_LOCAL, 0, 0, 0, 0 },
};

static const struct {
	enum cache_op op;
	const char *args;
	const char *error;
} bad_requests[] = {
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1", "missing 'dev DEV'" },
	{ CACHE_OP_ADD, "nbma 192.0.2.1 dev tun0",
	  "missing prefix (for example 10.0.0.0/24)" },
	{ CACHE_OP_ADD, "10.0.0.0/24 dev tun0", "missing 'nbma A.B.C.D'" },
	{ CACHE_OP_ADD, "10.0.0.0/33 nbma 192.0.2.1 dev tun0",
	  "invalid prefix length 33 for IPv4" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma x dev tun0",
	  "nbma: expected an IPv4 address, got 'x'" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 2001:db8::1 dev tun0",
	  "nbma: expected an IPv4 address, got '2001:db8::1'" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 bogus",
	  "unknown keyword 'bogus'" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nmba 192.0.2.1 dev tun0",
	  "unknown keyword 'nmba'" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev",
	  "missing value after 'dev'" },
	{ CACHE_OP_ADD, "10.0.0.0/24 dev tun0 nbma",
	  "missing value after 'nbma'" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 dev tun1",
	  "'dev' given twice" },
	{ CACHE_OP_ADD, "10.0.0.0/24 10.1.0.0/24 nbma 192.0.2.1 dev tun0",
	  "more than one prefix given ('10.1.0.0/24')" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 type bogus",
	  "unknown type 'bogus' (expected static, dynamic, nhs, shortcut, "
	  "negative or local)" },
	{ CACHE_OP_ADD, "10.0.0.0/24 negative type static dev tun0",
	  "the entry type is given twice ('negative' and 'static')" },
	{ CACHE_OP_ADD, "10.0.0.0/24 negative nbma 192.0.2.1 dev tun0",
	  "a negative entry has no 'nbma'" },
	{ CACHE_OP_ADD, "10.0.0.0/24 negative multicast dev tun0",
	  "flags do not apply to a negative entry" },
	{ CACHE_OP_ADD, "10.0.0.0/24 negative priority 3 dev tun0",
	  "'priority' does not apply to a negative entry" },
	{ CACHE_OP_ADD, "10.0.0.0/24 negative mark 3 dev tun0",
	  "'mark' does not apply to a negative entry" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 holdtime -5",
	  "invalid holdtime '-5' (1..65535 seconds, or 'never')" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 holdtime 0",
	  "invalid holdtime '0' (1..65535 seconds, or 'never')" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 holdtime 65536",
	  "invalid holdtime '65536' (1..65535 seconds, or 'never')" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 holdtime 4294967296",
	  "invalid holdtime '4294967296' (1..65535 seconds, or 'never')" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 priority x",
	  "invalid priority 'x' (expected 0..4294967295)" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev tun0 mark 1.5",
	  "invalid mark '1.5' (expected 0..4294967295)" },
	{ CACHE_OP_ADD, "10.0.0.0/24 nbma 192.0.2.1 dev "
	  "averyveryverylongname", "invalid device name 'averyveryverylongname'" },
	{ CACHE_OP_DEL, "10.0.0.0/24 dev tun0 nbma 192.0.2.1",
	  "'nbma' is not valid for 'cache del'" },
	{ CACHE_OP_DEL, "dev tun0", "missing prefix (for example 10.0.0.0/24)" },
	{ CACHE_OP_GET, "10.0.0.0/24 dev tun0 type static",
	  "'type' is not valid for 'cache get'" },
	{ CACHE_OP_FLUSH, "type static", "missing 'dev DEV'" },
	{ CACHE_OP_FLUSH, "10.0.0.0/24 dev tun0",
	  "'cache flush' takes no prefix, got '10.0.0.0/24'" },
	{ CACHE_OP_FLUSH, "dev tun0 multicast",
	  "'multicast' is not valid for 'cache flush'" },
	{ CACHE_OP_SHOW, "dev tun0 holdtime 5",
	  "'holdtime' is not valid for 'cache show'" },
	{ CACHE_OP_SHOW, "type", "missing value after 'type'" },
};

static void check_request(const struct request_case *c,
			  const struct cache_request *req)
{
	struct dmvpn_prefix want;
	struct in_addr nbma;
	struct errmsg err;

	ck_assert_int_eq(req->op, c->op);
	if (c->dev)
		ck_assert_str_eq(req->dev, c->dev);
	else
		ck_assert_ptr_null(req->dev);
	ck_assert_uint_eq(req->given, c->given);
	if (c->prefix) {
		ck_assert_int_eq(parse_prefix(c->prefix, &want, &err), 0);
		ck_assert_int_eq(req->entry.prefix.family, want.family);
		ck_assert_uint_eq(req->entry.prefix.len, want.len);
		ck_assert_mem_eq(req->entry.prefix.addr.bytes, want.addr.bytes, 16);
	}
	ck_assert_int_eq(req->entry.has_nbma, c->nbma != NULL);
	if (c->nbma) {
		inet_pton(AF_INET, c->nbma, &nbma);
		ck_assert_uint_eq(req->entry.nbma.s_addr, nbma.s_addr);
	}
	ck_assert_uint_eq(req->entry.type, c->type);
	ck_assert_uint_eq(req->entry.flags, c->flags);
	ck_assert_uint_eq(req->entry.holdtime, c->holdtime);
	ck_assert_uint_eq(req->entry.priority, c->priority);
	ck_assert_uint_eq(req->entry.mark, c->mark);
}

START_TEST(test_cache_request)
{
	const struct request_case *c = &requests[_i];
	struct cache_request req;
	struct errmsg err = { "" };
	struct test_args args;
	int ret;

	split_args(&args, c->args);
	ret = parse_cache_request(c->op, args.argc, args.argv, &req, &err);
	ck_assert_msg(ret == 0, "'%s' failed: %s", c->args, err.text);
	check_request(c, &req);
}
END_TEST

START_TEST(test_cache_request_bad)
{
	struct cache_request req;
	struct errmsg err = { "" };
	struct test_args args;

	split_args(&args, bad_requests[_i].args);
	ck_assert_int_eq(parse_cache_request(bad_requests[_i].op, args.argc,
					     args.argv, &req, &err), -1);
	ck_assert_str_eq(err.text, bad_requests[_i].error);
}
END_TEST

static const struct {
	const char *args;
	const char *dev;
	const char *error;
} dev_filters[] = {
	{ "", NULL, NULL },
	{ "dev tun0", "tun0", NULL },
	{ "dev", NULL, "missing value after 'dev'" },
	{ "dev tun0 dev tun1", NULL, "'dev' given twice" },
	{ "tun0", NULL, "unknown keyword 'tun0' for 'stats'" },
	{ "dev 0123456789abcdef", NULL, "invalid device name '0123456789abcdef'" },
};

START_TEST(test_dev_filter)
{
	const char *dev = "unset";
	struct errmsg err = { "" };
	struct test_args args;
	int ret;

	split_args(&args, dev_filters[_i].args);
	ret = parse_dev_filter("stats", args.argc, args.argv, &dev, &err);
	if (dev_filters[_i].error) {
		ck_assert_int_eq(ret, -1);
		ck_assert_str_eq(err.text, dev_filters[_i].error);
		return;
	}
	ck_assert_int_eq(ret, 0);
	if (dev_filters[_i].dev)
		ck_assert_str_eq(dev, dev_filters[_i].dev);
	else
		ck_assert_ptr_null(dev);
}
END_TEST

START_TEST(test_op_names)
{
	ck_assert_str_eq(cache_op_name(CACHE_OP_SHOW), "show");
	ck_assert_str_eq(cache_op_name(CACHE_OP_ADD), "add");
	ck_assert_str_eq(cache_op_name(CACHE_OP_REPLACE), "replace");
	ck_assert_str_eq(cache_op_name(CACHE_OP_DEL), "del");
	ck_assert_str_eq(cache_op_name(CACHE_OP_GET), "get");
	ck_assert_str_eq(cache_op_name(CACHE_OP_FLUSH), "flush");
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc;

	tc = tcase_create("prefix");
	tcase_add_loop_test(tc, test_prefix_good, 0, ARRAY_SIZE(good_prefixes));
	tcase_add_loop_test(tc, test_prefix_bad, 0, ARRAY_SIZE(bad_prefixes));
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, test_ipv4);
	tcase_add_loop_test(tc, test_numbers, 0, ARRAY_SIZE(numbers));
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_type_names, 0, ARRAY_SIZE(type_names));
	tcase_add_test(tc, test_type_names_unknown);
	tcase_add_test(tc, test_flag_names);
	tcase_add_loop_test(tc, test_match_word, 0, ARRAY_SIZE(word_cases));
	tcase_add_test(tc, test_op_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_loop_test(tc, test_cache_request, 0, ARRAY_SIZE(requests));
	tcase_add_loop_test(tc, test_cache_request_bad, 0, ARRAY_SIZE(bad_requests));
	tcase_add_loop_test(tc, test_dev_filter, 0, ARRAY_SIZE(dev_filters));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(parse_suite());
}
