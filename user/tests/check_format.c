// SPDX-License-Identifier: GPL-2.0
/* Text presentation: times, sizes, flags, tables, counters, events, errors. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/format.h"
#include "lib/parse.h"
#include "testutil.h"

/* Each test formats into this buffer; it is freed after every test. */
static struct sbuf out = SBUF_INIT;

static void teardown(void)
{
	sbuf_free(&out);
}

static struct dmvpn_prefix prefix(const char *text)
{
	struct dmvpn_prefix p;
	struct errmsg err;

	ck_assert_msg(parse_prefix(text, &p, &err) == 0, "%s", err.text);
	return p;
}

static struct in_addr ipv4(const char *text)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, text, &a), 1);
	return a;
}

/* ---- scalars ---- */

static const struct {
	uint64_t secs;
	const char *text;
} durations[] = {
	{ 0, "0s" }, { 1, "1s" }, { 59, "59s" }, { 60, "1m00s" },
	{ 61, "1m01s" }, { 754, "12m34s" }, { 3599, "59m59s" },
	{ 3600, "1h00m" }, { 3661, "1h01m" }, { 86399, "23h59m" },
	{ 86400, "1d00h" }, { 90000, "1d01h" }, { 4294967295ULL, "49710d06h" },
};

/* A cell from the wire reaches no terminal as an escape sequence. */
START_TEST(test_table_escapes_cells)
{
	static const char *const headers[] = { "NAME", "X" };
	struct table t;
	struct sbuf out = { 0 };

	table_init(&t, 2, headers, NULL);
	ck_assert_int_eq(table_add_row(&t, (const char *const[]){
		"a\x1b]0;owned\x07" "b\\c\n\xc3", "ok" }), 0);
	table_render(&t, &out);
	ck_assert_ptr_nonnull(out.buf);
	ck_assert_ptr_null(strchr(out.buf, 0x1b));
	ck_assert_ptr_null(strchr(out.buf, 0x07));
	ck_assert_ptr_nonnull(strstr(out.buf,
		"a\\x1b]0;owned\\x07b\\x5cc\\x0a\\xc3  ok"));
	table_free(&t);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_duration)
{
	format_duration(&out, durations[_i].secs);
	ck_assert_str_eq(sbuf_str(&out), durations[_i].text);
}
END_TEST

static const struct {
	uint64_t bytes;
	const char *text;
} sizes[] = {
	{ 0, "0B" }, { 1, "1B" }, { 1023, "1023B" }, { 1024, "1.0KiB" },
	{ 1536, "1.5KiB" }, { 1048064, "1023.5KiB" },
	{ 1048575, "1.0MiB" },	/* not "1024.0KiB" */
	{ 1048576, "1.0MiB" }, { 5368709120ULL, "5.0GiB" },
	{ 1099511627776ULL, "1.0TiB" }, { UINT64_MAX, "16.0EiB" },
};

START_TEST(test_bytes)
{
	format_bytes(&out, sizes[_i].bytes);
	ck_assert_str_eq(sbuf_str(&out), sizes[_i].text);
}
END_TEST

static const struct {
	uint32_t flags;
	const char *text;
} flag_texts[] = {
	{ 0, "-" },
	{ DMVPN_ENTRY_F_MULTICAST, "multicast" },
	{ DMVPN_ENTRY_F_UNIQUE, "unique" },
	{ DMVPN_ENTRY_F_REQUIRE_IPSEC, "require-ipsec" },
	{ DMVPN_ENTRY_F_ALL, "multicast,unique,require-ipsec" },
	{ DMVPN_ENTRY_F_UNIQUE | (1U << 3), "unique,0x8" },
	{ 1U << 31, "0x80000000" },
};

START_TEST(test_flags)
{
	format_flags(&out, flag_texts[_i].flags);
	ck_assert_str_eq(sbuf_str(&out), flag_texts[_i].text);
}
END_TEST

START_TEST(test_type)
{
	format_type(&out, DMVPN_ENTRY_SHORTCUT);
	sbuf_addc(&out, ' ');
	format_type(&out, 42);
	ck_assert_str_eq(sbuf_str(&out), "shortcut unknown(42)");
}
END_TEST

START_TEST(test_prefix_text)
{
	struct dmvpn_prefix host = prefix("10.0.0.1");
	struct dmvpn_prefix net6 = prefix("2001:db8::/32");

	format_prefix(&out, &host, false);
	sbuf_addc(&out, ' ');
	format_prefix(&out, &host, true);
	sbuf_addc(&out, ' ');
	format_prefix(&out, &net6, false);
	sbuf_addc(&out, ' ');
	format_addr(&out, &net6);
	ck_assert_str_eq(sbuf_str(&out),
			 "10.0.0.1 10.0.0.1/32 2001:db8::/32 2001:db8::");
	ck_assert_str_eq(family_name(AF_INET), "inet");
	ck_assert_str_eq(family_name(AF_INET6), "inet6");
}
END_TEST

START_TEST(test_expires_used)
{
	struct dmvpn_entry e = { 0 };

	format_expires(&out, &e);
	sbuf_addc(&out, '|');
	format_used(&out, &e);
	sbuf_addc(&out, '|');
	e.holdtime = 7200;
	e.has_used = true;
	e.used_msecs = 3999;
	format_expires(&out, &e);
	sbuf_addc(&out, '|');
	format_used(&out, &e);
	sbuf_addc(&out, '|');
	e.used_msecs = 0;
	format_used(&out, &e);
	ck_assert_str_eq(sbuf_str(&out), "never|never|2h00m|3s ago|0s ago");
}
END_TEST

/* ---- ordering ---- */

START_TEST(test_entry_order)
{
	const char *sorted[] = {
		"0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/24", "10.0.0.1",
		"10.0.1.0/24", "192.0.2.0/24", "::/0", "2001:db8::/32",
		"2001:db8::1",
	};
	/* The same prefixes, shuffled. */
	const unsigned int order[] = { 7, 2, 8, 0, 5, 3, 6, 1, 4 };
	struct dmvpn_entry e[ARRAY_SIZE(sorted)];
	size_t i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < ARRAY_SIZE(order); i++)
		e[i].prefix = prefix(sorted[order[i]]);
	qsort(e, ARRAY_SIZE(e), sizeof(e[0]), entry_compare);
	for (i = 0; i < ARRAY_SIZE(sorted); i++) {
		struct dmvpn_entry want = { .prefix = prefix(sorted[i]) };

		ck_assert_msg(entry_compare(&e[i], &want) == 0,
			      "position %zu is not %s", i, sorted[i]);
	}
}
END_TEST

static const struct {
	const char *sorted;	/* prefixes, space separated */
	const char *unique;
} dedups[] = {
	{ "", "" },
	{ "10.0.0.0/8", "10.0.0.0/8" },
	{ "10.0.0.0/8 10.0.0.0/8", "10.0.0.0/8" },
	{ "10.0.0.0/8 10.0.0.0/8 10.0.0.0/8 10.0.0.0/24 10.0.0.0/24 ::/0",
	  "10.0.0.0/8 10.0.0.0/24 ::/0" },
	{ "10.0.0.0/8 10.0.0.0/24 10.0.0.1 ::/0 ::/0",
	  "10.0.0.0/8 10.0.0.0/24 10.0.0.1/32 ::/0" },
};

START_TEST(test_entry_dedup)
{
	struct dmvpn_entry e[8];
	struct test_args args;
	size_t i, n;

	memset(e, 0, sizeof(e));
	split_args(&args, dedups[_i].sorted);
	for (i = 0; i < (size_t)args.argc; i++) {
		e[i].prefix = prefix(args.argv[i]);
		e[i].tx_packets = i;	/* tells the copies apart */
	}
	n = entry_dedup(e, (size_t)args.argc);
	for (i = 0; i < n; i++) {
		if (i)
			sbuf_addc(&out, ' ');
		format_prefix(&out, &e[i].prefix, true);
	}
	ck_assert_str_eq(sbuf_str(&out), dedups[_i].unique);
	/* The first of the copies is the one kept. */
	for (i = 1; i < n; i++)
		ck_assert_uint_gt(e[i].tx_packets, e[i - 1].tx_packets);
}
END_TEST

/* ---- tables ---- */

START_TEST(test_table_layout)
{
	static const char *const headers[] = { "A", "LONG-HEADER", "N" };
	static const bool right[] = { false, false, true };
	const char *row1[] = { "wide-cell", "x", "5" };
	const char *row2[] = { "b", "", "12345" };
	struct table t;

	table_init(&t, 3, headers, right);
	ck_assert_int_eq(table_add_row(&t, row1), 0);
	ck_assert_int_eq(table_add_row(&t, row2), 0);
	table_render(&t, &out);
	table_free(&t);
	ck_assert_str_eq(sbuf_str(&out),
			 "A          LONG-HEADER      N\n"
			 "wide-cell  x                5\n"
			 "b                       12345\n");
}
END_TEST

START_TEST(test_table_grows)
{
	static const char *const headers[] = { "N" };
	char cell[16];
	const char *cells[] = { cell };
	struct table t;
	int i;

	table_init(&t, 1, headers, NULL);
	for (i = 0; i < 1000; i++) {
		snprintf(cell, sizeof(cell), "%d", i);
		ck_assert_int_eq(table_add_row(&t, cells), 0);
	}
	table_render(&t, &out);
	table_free(&t);
	ck_assert_uint_eq(t.nrows, 0);
	ck_assert_ptr_null(strstr(sbuf_str(&out), " \n"));	/* no trailing blanks */
	ck_assert(strncmp(sbuf_str(&out), "N\n0\n1\n2\n", 8) == 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "\n999\n"));
}
END_TEST

static struct dmvpn_entry sample_entry(void)
{
	struct dmvpn_entry e = {
		.prefix = prefix("10.0.0.0/24"),
		.has_nbma = true,
		.nbma = ipv4("192.0.2.1"),
		.type = DMVPN_ENTRY_DYNAMIC,
		.flags = DMVPN_ENTRY_F_MULTICAST | DMVPN_ENTRY_F_UNIQUE,
		.holdtime = 7195,
		.has_used = true,
		.used_msecs = 3200,
		.tx_packets = 12,
		.tx_bytes = 1536,
	};

	return e;
}

START_TEST(test_entry_table)
{
	struct dmvpn_entry e = sample_entry();
	struct dmvpn_entry neg = {
		.prefix = prefix("2001:db8::/48"),
		.type = DMVPN_ENTRY_NEGATIVE,
	};
	struct table t;

	table_init(&t, ENTRY_TABLE_COLUMNS, entry_table_headers,
		   entry_table_right_align);
	ck_assert_int_eq(entry_table_add(&t, "tun0", &e), 0);
	ck_assert_int_eq(entry_table_add(&t, "tun0", &neg), 0);
	table_render(&t, &out);
	table_free(&t);
	ck_assert_str_eq(sbuf_str(&out),
		"DEV   PREFIX         NBMA       TYPE      FLAGS             "
		"EXPIRES  USED    TX-PACKETS  TX-BYTES\n"
		"tun0  10.0.0.0/24    192.0.2.1  dynamic   multicast,unique  "
		"1h59m    3s ago          12    1.5KiB\n"
		"tun0  2001:db8::/48  -          negative  -                 "
		"never    never            0        0B\n");
}
END_TEST

/* An entry whose packets take a marked SA (a peer behind a NAT address
 * another peer shares) shows the mark after its address, as ip xfrm. */
START_TEST(test_entry_table_ipsec_mark)
{
	struct dmvpn_entry e = sample_entry();
	struct table t;

	e.ipsec_mark = 3;
	e.ipsec_mask = 0x00ffffff;
	e.flags = 0;
	table_init(&t, ENTRY_TABLE_COLUMNS, entry_table_headers,
		   entry_table_right_align);
	ck_assert_int_eq(entry_table_add(&t, "tun0", &e), 0);
	table_render(&t, &out);
	table_free(&t);
	ck_assert_str_eq(sbuf_str(&out),
		"DEV   PREFIX       NBMA                         TYPE     FLAGS  "
		"EXPIRES  USED    TX-PACKETS  TX-BYTES\n"
		"tun0  10.0.0.0/24  192.0.2.1 mark 0x3/0xffffff  dynamic  -      "
		"1h59m    3s ago          12    1.5KiB\n");
}
END_TEST

/* ---- counters ---- */

START_TEST(test_stats_names)
{
	ck_assert_str_eq(stats_name(DMVPN_STATS_A_TX_SHORTCUT), "tx_shortcut");
	ck_assert_str_eq(stats_name(DMVPN_STATS_A_MISSES), "misses");
	ck_assert_str_eq(stats_name(DMVPN_STATS_A_RX_ERR_KEY), "rx_err_key");
	ck_assert_str_eq(stats_name(DMVPN_STATS_A_ENTRIES), "entries");
	ck_assert_ptr_null(stats_name(DMVPN_STATS_A_UNSPEC));
	ck_assert_ptr_null(stats_name(DMVPN_STATS_A_PAD));
	ck_assert_ptr_null(stats_name(1000));
	/* Every counter of the uapi has a name. */
	for (unsigned int i = 1; i < DMVPN_STATS_A_PAD; i++)
		ck_assert_msg(stats_name(i) != NULL, "counter %u has no name", i);
}
END_TEST

START_TEST(test_stats_text)
{
	struct dmvpn_stats s = { 0 };

	s.present[DMVPN_STATS_A_TX_SHORTCUT] = true;
	s.value[DMVPN_STATS_A_TX_SHORTCUT] = 42;
	s.present[DMVPN_STATS_A_ENTRIES] = true;
	s.value[DMVPN_STATS_A_ENTRIES] = 18446744073709551615ULL;
	s.present[DMVPN_STATS_A_RX_ERR_KEY] = true;
	stats_to_text(&out, &s, "  ");
	ck_assert_str_eq(sbuf_str(&out),
			 "  tx_shortcut      42\n"
			 "  rx_err_key       0\n"
			 "  entries          18446744073709551615\n");
}
END_TEST

START_TEST(test_timestamp)
{
	format_timestamp(&out, 1796424613, 123999999);
	sbuf_addc(&out, '|');
	format_timestamp(&out, 0, 0);
	ck_assert_str_eq(sbuf_str(&out),
			 "2026-12-04T22:50:13.123Z|1970-01-01T00:00:00.000Z");
}
END_TEST

/* The exposition node_exporter's textfile collector reads: each family
 * once with HELP and TYPE, samples of every device together, labels
 * escaped. */
START_TEST(test_stats_prometheus)
{
	struct dmvpn_stats a = { 0 }, b = { 0 };
	struct dmvpn_entry e[2] = { 0 };
	struct prom_device devs[2] = {
		{ .name = "dmvpn0", .stats = &a, .entries = e, .entry_count = 2 },
		{ .name = "q\"\\", .stats = &b },
	};

	a.present[DMVPN_STATS_A_TX_SHORTCUT] = true;
	a.value[DMVPN_STATS_A_TX_SHORTCUT] = 42;
	a.present[DMVPN_STATS_A_ENTRIES] = true;
	a.value[DMVPN_STATS_A_ENTRIES] = 2;
	b.present[DMVPN_STATS_A_TX_SHORTCUT] = true;
	b.value[DMVPN_STATS_A_TX_SHORTCUT] = 7;
	stats_to_prometheus(&out, devs, 2);
	ck_assert_str_eq(sbuf_str(&out),
		"# HELP dmvpn_tx_shortcut_total dmvpn device counter tx_shortcut.\n"
		"# TYPE dmvpn_tx_shortcut_total counter\n"
		"dmvpn_tx_shortcut_total{device=\"dmvpn0\"} 42\n"
		"dmvpn_tx_shortcut_total{device=\"q\\\"\\\\\"} 7\n"
		"# HELP dmvpn_entries dmvpn device counter entries.\n"
		"# TYPE dmvpn_entries gauge\n"
		"dmvpn_entries{device=\"dmvpn0\"} 2\n");

	sbuf_free(&out);
	out = (struct sbuf)SBUF_INIT;
	e[0].prefix.family = AF_INET;
	e[0].prefix.len = 24;
	e[0].prefix.addr.bytes[0] = 10;
	e[0].prefix.addr.bytes[1] = 2;
	e[0].has_nbma = true;
	e[0].nbma.s_addr = htonl(0xc0000203);
	e[0].type = DMVPN_ENTRY_SHORTCUT;
	e[0].tx_packets = 5;
	e[0].tx_bytes = 420;
	e[1].prefix.family = AF_INET;
	e[1].prefix.len = 32;
	e[1].prefix.addr.bytes[0] = 10;
	e[1].prefix.addr.bytes[3] = 9;
	e[1].type = DMVPN_ENTRY_NEGATIVE;
	entries_to_prometheus(&out, devs, 2);
	ck_assert_str_eq(sbuf_str(&out),
		"# HELP dmvpn_entry_tx_packets_total Packets sent by a cache entry (a peer or prefix).\n"
		"# TYPE dmvpn_entry_tx_packets_total counter\n"
		"dmvpn_entry_tx_packets_total{device=\"dmvpn0\",prefix=\"10.2.0.0/24\",nbma=\"192.0.2.3\",type=\"shortcut\"} 5\n"
		"dmvpn_entry_tx_packets_total{device=\"dmvpn0\",prefix=\"10.0.0.9/32\",type=\"negative\"} 0\n"
		"# HELP dmvpn_entry_tx_bytes_total Bytes sent by a cache entry (a peer or prefix).\n"
		"# TYPE dmvpn_entry_tx_bytes_total counter\n"
		"dmvpn_entry_tx_bytes_total{device=\"dmvpn0\",prefix=\"10.2.0.0/24\",nbma=\"192.0.2.3\",type=\"shortcut\"} 420\n"
		"dmvpn_entry_tx_bytes_total{device=\"dmvpn0\",prefix=\"10.0.0.9/32\",type=\"negative\"} 0\n");
}
END_TEST

/* ---- events ---- */

static const uint8_t ipv4_head[20] = {
	0x45, 0, 0, 84, 0, 0, 0x40, 0, 64, 1, 0, 0,
	10, 1, 0, 5,	/* source */
	10, 2, 0, 9,	/* destination */
};

static const uint8_t ipv6_head[40] = {
	0x60, 0, 0, 0, 0, 8, 58, 64,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
};

START_TEST(test_packet_head)
{
	format_packet_head(&out, ipv4_head, sizeof(ipv4_head));
	sbuf_addc(&out, '|');
	format_packet_head(&out, ipv6_head, sizeof(ipv6_head));
	sbuf_addc(&out, '|');
	format_packet_head(&out, ipv4_head, 19);
	sbuf_addc(&out, '|');
	format_packet_head(&out, ipv6_head, 39);
	sbuf_addc(&out, '|');
	format_packet_head(&out, NULL, 0);
	ck_assert_str_eq(sbuf_str(&out),
			 "10.1.0.5 > 10.2.0.9|2001:db8::1 > 2001:db8::2|"
			 "unparsed(19 bytes)|unparsed(39 bytes)|"
			 "unparsed(0 bytes)");
}
END_TEST

START_TEST(test_event_text)
{
	struct dmvpn_event miss = {
		.cmd = DMVPN_CMD_EVENT_MISS, .has_entry = true,
		.entry = { .prefix = prefix("10.2.0.9") },
	};
	struct dmvpn_event redirect = {
		.cmd = DMVPN_CMD_EVENT_REDIRECT, .has_nbma_src = true,
		.nbma_src = ipv4("192.0.2.7"),
		.packet = ipv4_head, .packet_len = sizeof(ipv4_head),
	};
	struct dmvpn_event expired = {
		.cmd = DMVPN_CMD_EVENT_EXPIRED, .has_entry = true,
		.entry = sample_entry(),
	};
	struct dmvpn_event odd = { .cmd = 77 };

	event_to_text(&out, &miss, "tun0");
	sbuf_addc(&out, '\n');
	event_to_text(&out, &redirect, "tun0");
	sbuf_addc(&out, '\n');
	event_to_text(&out, &expired, "tun1");
	sbuf_addc(&out, '\n');
	event_to_text(&out, &odd, "if9");
	ck_assert_str_eq(sbuf_str(&out),
		"miss dev tun0 10.2.0.9\n"
		"redirect dev tun0 from 192.0.2.7 packet 10.1.0.5 > 10.2.0.9\n"
		"expired dev tun1 10.0.0.0/24 nbma 192.0.2.1 type dynamic\n"
		"event(77) dev if9");
	ck_assert_str_eq(event_name(DMVPN_CMD_EVENT_MISS), "miss");
	ck_assert_ptr_null(event_name(DMVPN_CMD_ENTRY_GET));
}
END_TEST

/* ---- errors ---- */

static const struct {
	int errnum;
	const char *dev;
	const char *text;
} errnos[] = {
	{ EPERM, NULL, "Operation not permitted (need CAP_NET_ADMIN)" },
	{ ENODEV, "tun9", "Cannot find device \"tun9\"" },
	{ ENODEV, NULL, "No such device" },
	{ EOPNOTSUPP, "eth0",
	  "Operation not supported (is \"eth0\" a dmvpn device?)" },
	{ EEXIST, "tun0", "File exists" },
	{ ENOSPC, "tun0", "The cache is full (see the device's max-entries)" },
	{ EINVAL, NULL, "Invalid argument" },
};

START_TEST(test_errno_text)
{
	format_errno(&out, errnos[_i].errnum, errnos[_i].dev);
	ck_assert_str_eq(sbuf_str(&out), errnos[_i].text);
}
END_TEST

/* ---- the buffer itself ---- */

START_TEST(test_sbuf)
{
	ck_assert_str_eq(sbuf_str(&out), "");
	sbuf_adds(&out, "ab");
	sbuf_addc(&out, 'c');
	sbuf_pad(&out, '.', 3);
	sbuf_printf(&out, "%d-%s", 42, "x");
	sbuf_addn(&out, "yzz", 2);
	ck_assert_str_eq(sbuf_str(&out), "abc...42-xyz");
	ck_assert_uint_eq(out.len, 12);
	sbuf_reset(&out);
	ck_assert_str_eq(sbuf_str(&out), "");
	/* Growing well past the first allocation keeps every byte. */
	for (int i = 0; i < 1000; i++)
		sbuf_printf(&out, "%03d", i);
	ck_assert_uint_eq(out.len, 3000);
	ck_assert(strncmp(out.buf + 2997, "999", 3) == 0);
	ck_assert(!out.oom);
}
END_TEST

static Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc;

	tc = tcase_create("scalars");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, test_duration, 0, ARRAY_SIZE(durations));
	tcase_add_loop_test(tc, test_bytes, 0, ARRAY_SIZE(sizes));
	tcase_add_loop_test(tc, test_flags, 0, ARRAY_SIZE(flag_texts));
	tcase_add_test(tc, test_table_escapes_cells);
	tcase_add_test(tc, test_type);
	tcase_add_test(tc, test_prefix_text);
	tcase_add_test(tc, test_expires_used);
	tcase_add_test(tc, test_entry_order);
	tcase_add_loop_test(tc, test_entry_dedup, 0, ARRAY_SIZE(dedups));
	tcase_add_test(tc, test_sbuf);
	suite_add_tcase(s, tc);

	tc = tcase_create("tables");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_table_layout);
	tcase_add_test(tc, test_table_grows);
	tcase_add_test(tc, test_entry_table);
	tcase_add_test(tc, test_entry_table_ipsec_mark);
	suite_add_tcase(s, tc);

	tc = tcase_create("stats_events_errors");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_stats_names);
	tcase_add_test(tc, test_stats_text);
	tcase_add_test(tc, test_stats_prometheus);
	tcase_add_test(tc, test_timestamp);
	tcase_add_test(tc, test_packet_head);
	tcase_add_test(tc, test_event_text);
	tcase_add_loop_test(tc, test_errno_text, 0, ARRAY_SIZE(errnos));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(format_suite());
}
