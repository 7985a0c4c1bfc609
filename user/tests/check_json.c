// SPDX-License-Identifier: GPL-2.0
/* JSON: escaping, the writer's layout, and the objects dmvpnctl prints. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/format.h"
#include "lib/json.h"
#include "lib/parse.h"
#include "testutil.h"

static struct sbuf out = SBUF_INIT;

static void teardown(void)
{
	sbuf_free(&out);
}

static const struct {
	const char *input;
	const char *json;
} escapes[] = {
	{ "", "\"\"" },
	{ "tun0", "\"tun0\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "a\\b", "\"a\\\\b\"" },
	{ "\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "/", "\"/\"" },
	{ "\x7f", "\"\x7f\"" },
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },		/* valid UTF-8 kept */
	{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },		/* euro sign */
	{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },	/* 4 bytes */
	{ "\xff", "\"\\u00ff\"" },			/* not UTF-8 */
	{ "a\xc3", "\"a\\u00c3\"" },			/* truncated */
	{ "\xc0\xaf", "\"\\u00c0\\u00af\"" },		/* overlong '/' */
	{ "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"" },	/* surrogate */
	{ "\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"" }, /* > U+10FFFF */
};

START_TEST(test_escape)
{
	json_escape(&out, escapes[_i].input);
	ck_assert_str_eq(sbuf_str(&out), escapes[_i].json);
}
END_TEST

static void write_sample(struct json *j)
{
	json_open_array(j, NULL);
	json_open_object(j, NULL);
	json_string(j, "s", "x");
	json_u64(j, "n", 18446744073709551615ULL);
	json_bool(j, "t", true);
	json_bool(j, "f", false);
	json_null(j, "z");
	json_string(j, "nul", NULL);
	json_open_array(j, "empty");
	json_close_array(j);
	json_open_array(j, "list");
	json_string(j, NULL, "a");
	json_u64(j, NULL, 1);
	json_close_array(j);
	json_open_object(j, "obj");
	json_close_object(j);
	json_close_object(j);
	json_open_object(j, NULL);
	json_close_object(j);
	json_close_array(j);
}

START_TEST(test_writer_compact)
{
	struct json j;

	json_init(&j, &out, false);
	write_sample(&j);
	ck_assert_int_eq(j.depth, 0);
	ck_assert_str_eq(sbuf_str(&out),
		"[{\"s\":\"x\",\"n\":18446744073709551615,\"t\":true,"
		"\"f\":false,\"z\":null,\"nul\":null,\"empty\":[],"
		"\"list\":[\"a\",1],\"obj\":{}},{}]");
}
END_TEST

START_TEST(test_writer_pretty)
{
	struct json j;

	json_init(&j, &out, true);
	write_sample(&j);
	ck_assert_str_eq(sbuf_str(&out),
		"[\n"
		"    {\n"
		"        \"s\": \"x\",\n"
		"        \"n\": 18446744073709551615,\n"
		"        \"t\": true,\n"
		"        \"f\": false,\n"
		"        \"z\": null,\n"
		"        \"nul\": null,\n"
		"        \"empty\": [],\n"
		"        \"list\": [\n"
		"            \"a\",\n"
		"            1\n"
		"        ],\n"
		"        \"obj\": {}\n"
		"    },\n"
		"    {}\n"
		"]");
}
END_TEST

START_TEST(test_writer_unbalanced)
{
	struct json j;

	json_init(&j, &out, false);
	json_close_object(&j);		/* ignored, not a crash */
	ck_assert_str_eq(sbuf_str(&out), "");
	for (int i = 0; i < JSON_MAX_DEPTH + 4; i++)
		json_open_array(&j, NULL);
	ck_assert_int_eq(j.depth, JSON_MAX_DEPTH - 1);
}
END_TEST

static struct dmvpn_prefix prefix(const char *text)
{
	struct dmvpn_prefix p;
	struct errmsg err;

	ck_assert_msg(parse_prefix(text, &p, &err) == 0, "%s", err.text);
	return p;
}

START_TEST(test_entry_json)
{
	struct dmvpn_entry e = {
		.prefix = prefix("10.0.0.0/24"),
		.has_nbma = true,
		.type = DMVPN_ENTRY_DYNAMIC,
		.flags = DMVPN_ENTRY_F_MULTICAST | DMVPN_ENTRY_F_REQUIRE_IPSEC |
			 (1U << 5),
		.holdtime = 600,
		.has_used = true,
		.used_msecs = 1500,
		.tx_packets = 3,
		.tx_bytes = 252,
		.priority = 6,
		.mark = 0x10,
		.ipsec_mark = 3,
		.ipsec_mask = 0x00ffffff,
	};
	struct json j;

	inet_pton(AF_INET, "192.0.2.1", &e.nbma);
	json_init(&j, &out, false);
	entry_to_json(&j, "tun\"0", &e);
	ck_assert_str_eq(sbuf_str(&out),
		"{\"device\":\"tun\\\"0\",\"prefix\":\"10.0.0.0/24\","
		"\"family\":\"inet\",\"nbma\":\"192.0.2.1\",\"type\":\"dynamic\","
		"\"flags\":[\"multicast\",\"require-ipsec\",\"0x20\"],"
		"\"expires_secs\":600,\"idle_secs\":1,\"tx_packets\":3,"
		"\"tx_bytes\":252,\"priority\":6,\"mark\":16,"
		"\"ipsec_mark\":3,\"ipsec_mask\":16777215}");
}
END_TEST

/* Absent values stay in the object as null, so the keys are stable. */
START_TEST(test_entry_json_negative)
{
	struct dmvpn_entry e = {
		.prefix = prefix("2001:db8::/48"),
		.type = DMVPN_ENTRY_NEGATIVE,
	};
	struct json j;

	json_init(&j, &out, false);
	entry_to_json(&j, "tun0", &e);
	ck_assert_str_eq(sbuf_str(&out),
		"{\"device\":\"tun0\",\"prefix\":\"2001:db8::/48\","
		"\"family\":\"inet6\",\"nbma\":null,\"type\":\"negative\","
		"\"flags\":[],\"expires_secs\":null,\"idle_secs\":null,"
		"\"tx_packets\":0,\"tx_bytes\":0,\"priority\":0,\"mark\":0,"
		"\"ipsec_mark\":0,\"ipsec_mask\":0}");
}
END_TEST

START_TEST(test_stats_json)
{
	struct dmvpn_stats s = { 0 };
	struct json j;

	s.present[DMVPN_STATS_A_TX_SHORTCUT] = true;
	s.value[DMVPN_STATS_A_TX_SHORTCUT] = 7;
	s.present[DMVPN_STATS_A_RX_ERR_KEY] = true;
	s.value[DMVPN_STATS_A_RX_ERR_KEY] = 2;
	s.present[DMVPN_STATS_A_ENTRIES] = true;
	s.value[DMVPN_STATS_A_ENTRIES] = 1048576;
	json_init(&j, &out, false);
	json_open_object(&j, NULL);
	stats_to_json(&j, &s);
	json_close_object(&j);
	ck_assert_str_eq(sbuf_str(&out),
		"{\"tx_shortcut\":7,\"rx_err_key\":2,\"entries\":1048576}");
}
END_TEST

START_TEST(test_event_json)
{
	static const uint8_t head[20] = {
		0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0,
		10, 1, 0, 5, 10, 2, 0, 9,
	};
	struct dmvpn_event miss = {
		.cmd = DMVPN_CMD_EVENT_MISS, .has_entry = true,
		.entry = { .prefix = prefix("2001:db8::9") },
	};
	struct dmvpn_event redirect = {
		.cmd = DMVPN_CMD_EVENT_REDIRECT, .has_nbma_src = true,
		.packet = head, .packet_len = sizeof(head),
	};
	struct dmvpn_event truncated = {
		.cmd = DMVPN_CMD_EVENT_REDIRECT, .packet = head, .packet_len = 3,
	};
	struct dmvpn_event expired = {
		.cmd = DMVPN_CMD_EVENT_EXPIRED, .has_entry = true,
		.entry = { .prefix = prefix("10.9.0.0/16"), .has_nbma = true,
			   .type = DMVPN_ENTRY_SHORTCUT },
	};
	struct json j;

	inet_pton(AF_INET, "192.0.2.7", &redirect.nbma_src);
	inet_pton(AF_INET, "192.0.2.9", &expired.entry.nbma);
	json_init(&j, &out, false);
	event_to_json(&j, &miss, "tun0");
	event_to_json(&j, &redirect, "tun0");
	event_to_json(&j, &truncated, "tun0");
	event_to_json(&j, &expired, "tun1");
	/* monitor -t: the time comes first */
	event_to_json_at(&j, &miss, "tun0", "2026-12-04T22:50:13.123Z");
	ck_assert_str_eq(sbuf_str(&out),
		"{\"source\":\"kernel\",\"event\":\"miss\",\"device\":\"tun0\","
		"\"prefix\":\"2001:db8::9/128\",\"family\":\"inet6\"}"
		"{\"source\":\"kernel\",\"event\":\"redirect\",\"device\":\"tun0\",\"nbma_src\":\"192.0.2.7\","
		"\"packet_src\":\"10.1.0.5\",\"packet_dst\":\"10.2.0.9\"}"
		"{\"source\":\"kernel\",\"event\":\"redirect\",\"device\":\"tun0\",\"packet_len\":3}"
		"{\"source\":\"kernel\",\"event\":\"expired\",\"device\":\"tun1\",\"prefix\":\"10.9.0.0/16\","
		"\"family\":\"inet\",\"nbma\":\"192.0.2.9\","
		"\"type\":\"shortcut\"}"
		"{\"time\":\"2026-12-04T22:50:13.123Z\",\"source\":\"kernel\",\"event\":\"miss\","
		"\"device\":\"tun0\",\"prefix\":\"2001:db8::9/128\","
		"\"family\":\"inet6\"}");
}
END_TEST

/*
 * The schema's rules (README, "JSON output") over every object the library
 * writes: snake_case keys, "device" never "dev", no split prefixes, and
 * every prefix as address/length.
 */
static void assert_schema_keys(const char *doc)
{
	const char *p = doc;

	while ((p = strchr(p, '"'))) {
		const char *end = strchr(p + 1, '"');
		size_t len;

		ck_assert_ptr_nonnull(end);
		len = (size_t)(end - p - 1);
		if (end[1] == ':') {
			ck_assert_msg(strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
					     "0123456789_") == len,
				      "key %.*s is not snake_case", (int)len, p + 1);
			ck_assert_msg(len != 3 || strncmp(p + 1, "dev", 3),
				      "\"dev\" where the schema says \"device\"");
			ck_assert_msg(strncmp(p + 1, "prefixlen", 9),
				      "a split prefix in %s", doc);
			if (len == 6 && !strncmp(p + 1, "prefix", 6)) {
				const char *v = end + 3, *q = strchr(v, '"');

				ck_assert_msg(end[2] == '"' && q &&
					      memchr(v, '/', (size_t)(q - v)),
					      "prefix without a length in %s", doc);
			}
		}
		p = end + 1;
	}
}

START_TEST(test_schema_keys)
{
	struct dmvpn_entry e = {
		.prefix = prefix("10.9.0.1"), .has_nbma = true,
		.type = DMVPN_ENTRY_SHORTCUT, .flags = DMVPN_ENTRY_F_UNIQUE,
		.holdtime = 1, .has_used = true,
	};
	struct dmvpn_event ev = { .has_entry = true, .entry = e,
				  .has_nbma_src = true };
	struct dmvpn_stats st = { 0 };
	struct json j;

	json_init(&j, &out, false);
	entry_to_json(&j, "tun0", &e);
	for (unsigned int i = 0; i <= DMVPN_STATS_A_MAX; i++)
		st.present[i] = true;
	json_open_object(&j, NULL);
	stats_to_json(&j, &st);
	json_close_object(&j);
	for (ev.cmd = 0; ev.cmd <= DMVPN_CMD_MAX; ev.cmd++)
		event_to_json_at(&j, &ev, "tun0", "2026-12-04T22:50:13.123Z");
	assert_schema_keys(sbuf_str(&out));
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc;

	tc = tcase_create("writer");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, test_escape, 0, ARRAY_SIZE(escapes));
	tcase_add_test(tc, test_writer_compact);
	tcase_add_test(tc, test_writer_pretty);
	tcase_add_test(tc, test_writer_unbalanced);
	suite_add_tcase(s, tc);

	tc = tcase_create("objects");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_entry_json);
	tcase_add_test(tc, test_entry_json_negative);
	tcase_add_test(tc, test_stats_json);
	tcase_add_test(tc, test_event_json);
	tcase_add_test(tc, test_schema_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(json_suite());
}
