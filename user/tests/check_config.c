// SPDX-License-Identifier: GPL-2.0
/* dmvpnd's configuration file: every directive, every error, the defaults. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dmvpnd/config.h"
#include "testutil.h"

#define PATH	"dmvpn0.conf"
#define IFNAME	"dmvpn0"

/* The smallest files each role accepts. */
#define MIN_HUB		"role hub\nnetwork-id 1\n"
#define MIN_SPOKE	"role spoke\nnetwork-id 1\nnhs 10.0.0.1 nbma 192.0.2.1\n"

static void assert_prefix(const struct cfg_prefix *p, int family,
			  const char *addr, unsigned int len)
{
	uint8_t want[16] = { 0 };

	ck_assert_int_eq(p->family, family);
	ck_assert_uint_eq(p->len, len);
	ck_assert_int_eq(inet_pton(family, addr, want), 1);
	ck_assert_mem_eq(p->addr.bytes, want, 16);
}

static void assert_v4(struct in_addr a, const char *want)
{
	struct in_addr w;

	ck_assert_int_eq(inet_pton(AF_INET, want, &w), 1);
	ck_assert_uint_eq(a.s_addr, w.s_addr);
}

static void assert_zeroed(const struct cfg *cfg)
{
	struct cfg zero;

	memset(&zero, 0, sizeof(zero));
	ck_assert_mem_eq(cfg, &zero, sizeof(zero));
}

static void parse_ok(const char *text, struct cfg *cfg)
{
	struct errmsg err = { "" };
	int ret = cfg_parse(PATH, text, IFNAME, cfg, &err);

	ck_assert_msg(ret == 0, "cfg_parse failed: %s", err.text);
	ck_assert_str_eq(err.text, "");
}

/* ---- complete files ---- */

static const char hub_text[] =
	"# a hub using every directive a hub may use\n"
	"role hub\n"						/* 2 */
	"protocol-address 10.255.0.1/24\n"
	"network-id 0x64\n"
	"holdtime 600\n"					/* 5 */
	"auth secret#1\n"
	"shortcut off\n"
	"redirect off\n"
	"unique off\n"
	"registration-timeout 10\n"				/* 10 */
	"multicast dynamic\n"
	"multicast nbma 192.0.2.10\n"
	"multicast nbma 192.0.2.11\n"
	"map 10.255.0.2 nbma 198.51.100.2 multicast\n"
	"map 10.20.0.0/16 nbma 198.51.100.2\n"			/* 15 */
	"map 2001:db8:1::/48 nbma 198.51.100.3\n"
	"map 10.20.0.0/17 nbma 198.51.100.4\n"
	"nhs 10.255.0.254 nbma 198.51.100.254 priority 3\n"
	"qos-group gold priority 6 mark 0x10\n"
	"qos-group silver mark 32\n"				/* 20 */
	"qos-group bronze\n"
	"registration-retry 2\n";

START_TEST(test_hub)
{
	struct cfg cfg;

	parse_ok(hub_text, &cfg);
	ck_assert_str_eq(cfg.ifname, IFNAME);
	ck_assert_str_eq(cfg.path, PATH);
	ck_assert_int_eq(cfg.role, CFG_ROLE_HUB);
	/* An interface address: the host bits stay. */
	assert_prefix(&cfg.protocol_address, AF_INET, "10.255.0.1", 24);
	ck_assert_uint_eq(cfg.network_id, 100);
	ck_assert_uint_eq(cfg.holdtime, 600);
	ck_assert(cfg.has_auth);
	ck_assert_uint_eq(cfg.auth_len, 8);
	ck_assert_mem_eq(cfg.auth, "secret#1", 8);
	ck_assert(!cfg.shortcut);
	ck_assert(!cfg.redirect);
	ck_assert(!cfg.unique);
	ck_assert_uint_eq(cfg.registration_timeout, 10);
	ck_assert_uint_eq(cfg.registration_retry, 2);
	ck_assert(cfg.multicast_dynamic);
	ck_assert_str_eq(cfg.group, "");

	ck_assert_uint_eq(cfg.mcast_nbma_count, 2);
	assert_v4(cfg.mcast_nbma[0], "192.0.2.10");
	assert_v4(cfg.mcast_nbma[1], "192.0.2.11");

	ck_assert_uint_eq(cfg.map_count, 4);
	assert_prefix(&cfg.maps[0].proto, AF_INET, "10.255.0.2", 32);
	assert_v4(cfg.maps[0].nbma, "198.51.100.2");
	ck_assert(cfg.maps[0].multicast);
	ck_assert_uint_eq(cfg.maps[0].line, 14);
	assert_prefix(&cfg.maps[1].proto, AF_INET, "10.20.0.0", 16);
	assert_v4(cfg.maps[1].nbma, "198.51.100.2");
	ck_assert(!cfg.maps[1].multicast);
	ck_assert_uint_eq(cfg.maps[1].line, 15);
	assert_prefix(&cfg.maps[2].proto, AF_INET6, "2001:db8:1::", 48);
	assert_v4(cfg.maps[2].nbma, "198.51.100.3");
	ck_assert_uint_eq(cfg.maps[2].line, 16);
	assert_prefix(&cfg.maps[3].proto, AF_INET, "10.20.0.0", 17);
	assert_v4(cfg.maps[3].nbma, "198.51.100.4");
	ck_assert_uint_eq(cfg.maps[3].line, 17);

	/* A hub may register with a hub above it. */
	ck_assert_uint_eq(cfg.nhs_count, 1);
	ck_assert(!cfg.nhs[0].dynamic);
	assert_prefix(&cfg.nhs[0].proto, AF_INET, "10.255.0.254", 32);
	ck_assert_str_eq(cfg.nhs[0].nbma_name, "198.51.100.254");
	ck_assert_uint_eq(cfg.nhs[0].priority, 3);
	ck_assert(!cfg.nhs[0].multicast);
	ck_assert_uint_eq(cfg.nhs[0].line, 18);

	ck_assert_uint_eq(cfg.qos_group_count, 3);
	ck_assert_str_eq(cfg.qos_groups[0].name, "gold");
	ck_assert_uint_eq(cfg.qos_groups[0].priority, 6);
	ck_assert_uint_eq(cfg.qos_groups[0].mark, 0x10);
	ck_assert_uint_eq(cfg.qos_groups[0].line, 19);
	ck_assert_str_eq(cfg.qos_groups[1].name, "silver");
	ck_assert_uint_eq(cfg.qos_groups[1].priority, 0);
	ck_assert_uint_eq(cfg.qos_groups[1].mark, 32);
	ck_assert_uint_eq(cfg.qos_groups[1].line, 20);
	ck_assert_str_eq(cfg.qos_groups[2].name, "bronze");
	ck_assert_uint_eq(cfg.qos_groups[2].priority, 0);
	ck_assert_uint_eq(cfg.qos_groups[2].mark, 0);

	ck_assert_ptr_eq(cfg_find_qos_group(&cfg, "silver"), &cfg.qos_groups[1]);
	ck_assert_ptr_eq(cfg_find_qos_group(&cfg, "gold"), &cfg.qos_groups[0]);
	ck_assert_ptr_null(cfg_find_qos_group(&cfg, "SILVER"));
	ck_assert_ptr_null(cfg_find_qos_group(&cfg, "silve"));
	ck_assert_ptr_null(cfg_find_qos_group(&cfg, ""));
	ck_assert_ptr_null(cfg_find_qos_group(&cfg, NULL));

	cfg_free(&cfg);
	assert_zeroed(&cfg);
	ck_assert_ptr_null(cfg_find_qos_group(&cfg, "gold"));
}
END_TEST

static const char spoke_text[] =
	"role spoke\n"
	"network-id 4294967295\n"
	"nhs 10.255.0.1 nbma 198.51.100.1 priority 5 multicast\n"	/* 3 */
	"nhs dynamic nbma hub2.Example-1.net priority 1\n"
	"nhs 10.255.0.3 nbma 198.51.100.3 priority 5\n"		/* 5 */
	"nhs 2001:db8::1 nbma 198.51.100.4\n"
	"nhs 10.255.0.5 multicast priority 0x5 nbma hub-5.example.net\n"
	"nhs dynamic priority 255 nbma 198.51.100.8\n"
	"group spoke_gold.1\n"
	"protocol-address 2001:db8::7/64\n"			/* 10 */
	"auth k\n"
	"holdtime 1\n"
	"registration-timeout 65535\n"
	"shortcut on\n"
	"redirect on\n"						/* 15 */
	"unique on\n"
	"map 10.255.0.9 nbma 203.0.113.9\n"
	"multicast nbma 203.0.113.10\n"
	"registration-retry 65535\n";

START_TEST(test_spoke)
{
	static const struct {
		bool dynamic;
		const char *proto;
		int family;
		const char *nbma;
		unsigned int priority;
		bool multicast;
		unsigned int line;
	} want[] = {
		/* Lowest priority number first, the file's order on a tie. */
		{ false, "2001:db8::1", AF_INET6, "198.51.100.4", 0, false, 6 },
		{ true, NULL, 0, "hub2.Example-1.net", 1, false, 4 },
		{ false, "10.255.0.1", AF_INET, "198.51.100.1", 5, true, 3 },
		{ false, "10.255.0.3", AF_INET, "198.51.100.3", 5, false, 5 },
		{ false, "10.255.0.5", AF_INET, "hub-5.example.net", 5, true, 7 },
		{ true, NULL, 0, "198.51.100.8", 255, false, 8 },
	};
	struct cfg cfg;
	unsigned int i;

	parse_ok(spoke_text, &cfg);
	ck_assert_int_eq(cfg.role, CFG_ROLE_SPOKE);
	ck_assert_uint_eq(cfg.network_id, 4294967295U);
	assert_prefix(&cfg.protocol_address, AF_INET6, "2001:db8::7", 64);
	ck_assert(cfg.has_auth);
	ck_assert_uint_eq(cfg.auth_len, 1);
	ck_assert_mem_eq(cfg.auth, "k", 1);
	ck_assert_uint_eq(cfg.holdtime, 1);
	ck_assert_uint_eq(cfg.registration_timeout, 65535);
	ck_assert_uint_eq(cfg.registration_retry, 65535);
	ck_assert(cfg.shortcut);
	ck_assert(cfg.redirect);
	ck_assert(cfg.unique);
	ck_assert(!cfg.multicast_dynamic);
	ck_assert_str_eq(cfg.group, "spoke_gold.1");
	ck_assert_uint_eq(cfg.qos_group_count, 0);
	ck_assert_ptr_null(cfg.qos_groups);

	ck_assert_uint_eq(cfg.nhs_count, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		const struct cfg_nhs *n = &cfg.nhs[i];

		ck_assert_msg(n->line == want[i].line,
			      "nhs[%u] is line %u, want %u", i, n->line,
			      want[i].line);
		ck_assert_int_eq(n->dynamic, want[i].dynamic);
		if (want[i].dynamic)
			ck_assert_int_eq(n->proto.family, 0);
		else
			assert_prefix(&n->proto, want[i].family, want[i].proto,
				      want[i].family == AF_INET6 ? 128 : 32);
		ck_assert_str_eq(n->nbma_name, want[i].nbma);
		ck_assert_uint_eq(n->priority, want[i].priority);
		ck_assert_int_eq(n->multicast, want[i].multicast);
	}

	ck_assert_uint_eq(cfg.map_count, 1);
	assert_prefix(&cfg.maps[0].proto, AF_INET, "10.255.0.9", 32);
	assert_v4(cfg.maps[0].nbma, "203.0.113.9");
	ck_assert(!cfg.maps[0].multicast);
	ck_assert_uint_eq(cfg.mcast_nbma_count, 1);
	assert_v4(cfg.mcast_nbma[0], "203.0.113.10");

	cfg_free(&cfg);
	assert_zeroed(&cfg);
}
END_TEST

START_TEST(test_defaults)
{
	static const char *const texts[] = { MIN_HUB, MIN_SPOKE };
	struct cfg cfg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		parse_ok(texts[i], &cfg);
		ck_assert_int_eq(cfg.role, i == 0 ? CFG_ROLE_HUB : CFG_ROLE_SPOKE);
		ck_assert_uint_eq(cfg.network_id, 1);
		ck_assert_int_eq(cfg.protocol_address.family, 0);
		ck_assert_uint_eq(cfg.holdtime, 7200);
		ck_assert_uint_eq(cfg.registration_timeout, 5);
		ck_assert_uint_eq(cfg.registration_retry, 1);
		ck_assert(cfg.shortcut);
		ck_assert(cfg.redirect);
		ck_assert(cfg.unique);
		ck_assert(!cfg.multicast_dynamic);
		ck_assert(!cfg.has_auth);
		ck_assert_uint_eq(cfg.auth_len, 0);
		ck_assert_str_eq(cfg.group, "");
		ck_assert_str_eq(cfg.ipsec_profile, "");
		ck_assert_str_eq(cfg.vici_path, "/var/run/charon.vici");
		ck_assert_str_eq(cfg.swanctl_path, "/etc/swanctl/swanctl.conf");
		ck_assert_uint_eq(cfg.map_count, 0);
		ck_assert_uint_eq(cfg.mcast_nbma_count, 0);
		ck_assert_uint_eq(cfg.qos_group_count, 0);
		ck_assert_uint_eq(cfg.nhs_count, i == 0 ? 0 : 1);
		if (i == 1) {
			ck_assert_uint_eq(cfg.nhs[0].priority, 0);
			ck_assert(!cfg.nhs[0].multicast);
			ck_assert(!cfg.nhs[0].dynamic);
		}
		cfg_free(&cfg);
	}
}
END_TEST

/* ---- layout: comments, blanks, line ends ---- */

/* Each says the same as LAYOUT_REF. */
#define LAYOUT_REF "role hub\nnetwork-id 7\nauth ab#c\nholdtime 60\n"

static const char *const layouts[] = {
	LAYOUT_REF,
	"role hub\r\nnetwork-id 7\r\nauth ab#c\r\nholdtime 60\r\n",
	"role hub\r\nnetwork-id 7\nauth ab#c\r\nholdtime 60",
	"role hub\nnetwork-id 7\nauth ab#c\nholdtime 60",
	"\n\n# comment\n   # indented comment\n\t\nrole hub\n\n"
	"network-id 7\n#\nauth ab#c\nholdtime 60\n\n",
	"  role\thub  \n\tnetwork-id   7\t\nauth ab#c \nholdtime 60 \r\n",
	"role hub # the hub\nnetwork-id 7 #seven\nauth ab#c # secret\n"
	"holdtime 60 #\n",
	"role hub\nnetwork-id 7\nauth ab#c\nholdtime 60\n# role spoke\n",
	"role\vhub\f\nnetwork-id\f7\nauth\tab#c\v\nholdtime 60\n",
	"role hub\r\r\nnetwork-id\r7\nauth ab#c\r # c\r\nholdtime 60\r\r",
	"\r\n\r\nrole hub\r\n\r\nnetwork-id 7\r\n# c\r\nauth ab#c\r\n"
	"holdtime 60\r\n\r\n",
};

START_TEST(test_layout)
{
	struct cfg ref, cfg;

	parse_ok(LAYOUT_REF, &ref);
	parse_ok(layouts[_i], &cfg);
	ck_assert_int_eq(cfg.role, ref.role);
	ck_assert_uint_eq(cfg.network_id, ref.network_id);
	ck_assert_uint_eq(cfg.holdtime, ref.holdtime);
	ck_assert_uint_eq(cfg.auth_len, 4);
	ck_assert_mem_eq(cfg.auth, "ab#c", 4);
	cfg_free(&cfg);
	cfg_free(&ref);
}
END_TEST

/* A line number counts every line, blank, comment or CRLF. */
START_TEST(test_line_numbers)
{
	static const char text[] =
		"\r\n# one\r\n\r\n  \r\nrole hub\r\nnetwork-id 1\r\n"
		"\r\nmap 10.0.0.0/8 nbma 192.0.2.1\r\nholdtime x\r\n";
	struct errmsg err = { "" };
	struct cfg cfg;

	ck_assert_int_eq(cfg_parse(PATH, text, IFNAME, &cfg, &err), -1);
	ck_assert_str_eq(err.text,
		PATH ":9: holdtime: expected seconds 1..65535, got \"x\"");
}
END_TEST

/* ---- errors ---- */

#define NAME63 "abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" \
	       "abcdefghij" "abcdefghij" "abc"

static const struct {
	const char *text;
	const char *error;
} errors[] = {
	/* unknown */
	{ "role hub\nnsh 10.0.0.1\n",
	  PATH ":2: unknown directive \"nsh\"" },
	{ "Role hub\n", PATH ":1: unknown directive \"Role\"" },
	{ "ro\x01le\"\\ hub\n",
	  PATH ":1: unknown directive \"ro\\x01le\\\"\\\\\"" },
	{ "\xc3\xa9t\xc3\xa9 1\n",
	  PATH ":1: unknown directive \"\\xc3\\xa9t\\xc3\\xa9\"" },
	{ "abcdefghijabcdefghijabcdefghijabcdefghijX\n",
	  PATH ":1: unknown directive \"abcdefghijabcdefghijabcdefghijabcdefghij...\"" },
	/* role */
	{ "role\n", PATH ":1: role: expected hub or spoke" },
	{ "role hubb\n", PATH ":1: role: expected hub or spoke, got \"hubb\"" },
	{ "role HUB\n", PATH ":1: role: expected hub or spoke, got \"HUB\"" },
	{ "role hub spoke\n", PATH ":1: role: unexpected \"spoke\"" },
	{ "role hub\nnetwork-id 1\n\nrole spoke\n",
	  PATH ":4: role given twice (first on line 1)" },
	{ "role hub\nrole hub\n", PATH ":2: role given twice (first on line 1)" },
	/* protocol-address */
	{ "protocol-address\n",
	  PATH ":1: protocol-address: expected an IPv4 or IPv6 address[/LEN]" },
	{ "protocol-address 10.0.0/24\n",
	  PATH ":1: protocol-address: expected an IPv4 or IPv6 address[/LEN], got \"10.0.0/24\"" },
	{ "protocol-address 10.0.0.1/33\n",
	  PATH ":1: protocol-address: expected an IPv4 or IPv6 address[/LEN], got \"10.0.0.1/33\"" },
	{ "protocol-address 10.0.0.1/\n",
	  PATH ":1: protocol-address: expected an IPv4 or IPv6 address[/LEN], got \"10.0.0.1/\"" },
	{ "protocol-address 10.0.0.1/0x8\n",
	  PATH ":1: protocol-address: expected an IPv4 or IPv6 address[/LEN], got \"10.0.0.1/0x8\"" },
	{ "protocol-address 10.0.0.1/0024\n",
	  PATH ":1: protocol-address: expected an IPv4 or IPv6 address[/LEN], got \"10.0.0.1/0024\"" },
	{ "protocol-address 2001:db8::1/129\n",
	  PATH ":1: protocol-address: expected an IPv4 or IPv6 address[/LEN], got \"2001:db8::1/129\"" },
	{ "protocol-address host.example\n",
	  PATH ":1: protocol-address: expected an IPv4 or IPv6 address[/LEN], got \"host.example\"" },
	{ "protocol-address 10.0.0.1/24 10.0.0.2/24\n",
	  PATH ":1: protocol-address: unexpected \"10.0.0.2/24\"" },
	{ "protocol-address 10.0.0.1/24\nprotocol-address 10.0.0.1/24\n",
	  PATH ":2: protocol-address given twice (first on line 1)" },
	/* holdtime */
	{ "holdtime abc\n",
	  PATH ":1: holdtime: expected seconds 1..65535, got \"abc\"" },
	{ "holdtime\n", PATH ":1: holdtime: expected seconds 1..65535" },
	{ "holdtime 0\n", PATH ":1: holdtime: expected seconds 1..65535, got \"0\"" },
	{ "holdtime 65536\n",
	  PATH ":1: holdtime: expected seconds 1..65535, got \"65536\"" },
	{ "holdtime -1\n", PATH ":1: holdtime: expected seconds 1..65535, got \"-1\"" },
	{ "holdtime 10s\n", PATH ":1: holdtime: expected seconds 1..65535, got \"10s\"" },
	{ "holdtime 1 2\n", PATH ":1: holdtime: unexpected \"2\"" },
	/* '#' starts a comment at the start of a word only */
	{ "holdtime 60#1\n",
	  PATH ":1: holdtime: expected seconds 1..65535, got \"60#1\"" },
	{ "holdtime 1\nholdtime 1\n",
	  PATH ":2: holdtime given twice (first on line 1)" },
	/* network-id */
	{ "network-id\n", PATH ":1: network-id: expected 1..4294967295" },
	{ "network-id 0\n", PATH ":1: network-id: expected 1..4294967295, got \"0\"" },
	{ "network-id 4294967296\n",
	  PATH ":1: network-id: expected 1..4294967295, got \"4294967296\"" },
	{ "network-id one\n",
	  PATH ":1: network-id: expected 1..4294967295, got \"one\"" },
	{ "network-id 1 2\n", PATH ":1: network-id: unexpected \"2\"" },
	{ "network-id 1\nnetwork-id 2\n",
	  PATH ":2: network-id given twice (first on line 1)" },
	/* auth: the secret never appears in a message */
	{ "auth\n", PATH ":1: auth: expected a secret of 1..8 bytes" },
	{ "auth 123456789\n",
	  PATH ":1: auth: expected a secret of 1..8 bytes, got 9 bytes" },
	{ "auth two words\n", PATH ":1: auth: the secret may not contain blanks" },
	{ "auth a\nauth a\n", PATH ":2: auth given twice (first on line 1)" },
	/* on/off */
	{ "shortcut yes\n", PATH ":1: shortcut: expected on or off, got \"yes\"" },
	{ "shortcut\n", PATH ":1: shortcut: expected on or off" },
	{ "shortcut on off\n", PATH ":1: shortcut: unexpected \"off\"" },
	{ "shortcut on\nshortcut off\n",
	  PATH ":2: shortcut given twice (first on line 1)" },
	{ "redirect 1\n", PATH ":1: redirect: expected on or off, got \"1\"" },
	{ "redirect off\nredirect off\n",
	  PATH ":2: redirect given twice (first on line 1)" },
	{ "unique ON\n", PATH ":1: unique: expected on or off, got \"ON\"" },
	{ "unique on\nunique on\n",
	  PATH ":2: unique given twice (first on line 1)" },
	/* registration-timeout */
	{ "registration-timeout 0\n",
	  PATH ":1: registration-timeout: expected seconds 1..65535, got \"0\"" },
	{ "registration-timeout\n",
	  PATH ":1: registration-timeout: expected seconds 1..65535" },
	{ "registration-timeout 5\nregistration-timeout 5\n",
	  PATH ":2: registration-timeout given twice (first on line 1)" },
	/* registration-retry */
	{ "registration-retry 0\n",
	  PATH ":1: registration-retry: expected seconds 1..65535, got \"0\"" },
	{ "registration-retry 65536\n",
	  PATH ":1: registration-retry: expected seconds 1..65535, got \"65536\"" },
	{ "registration-retry 1s\n",
	  PATH ":1: registration-retry: expected seconds 1..65535, got \"1s\"" },
	{ "registration-retry\n",
	  PATH ":1: registration-retry: expected seconds 1..65535" },
	{ "registration-retry 1 2\n",
	  PATH ":1: registration-retry: unexpected \"2\"" },
	{ "registration-retry 1\nregistration-retry 1\n",
	  PATH ":2: registration-retry given twice (first on line 1)" },
	{ "registration-retries 1\n",
	  PATH ":1: unknown directive \"registration-retries\"" },
	/* map */
	{ "map\n", PATH ":1: map: expected an IPv4 or IPv6 prefix" },
	{ "map nbma 192.0.2.1\n",
	  PATH ":1: map: expected an IPv4 or IPv6 prefix, got \"nbma\"" },
	{ "map 10.0.0.256 nbma 192.0.2.1\n",
	  PATH ":1: map: expected an IPv4 or IPv6 prefix, got \"10.0.0.256\"" },
	{ "map 10.0.0.1/24 nbma 192.0.2.1\n",
	  PATH ":1: map: prefix 10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)" },
	{ "map 2001:db8::1/64 nbma 192.0.2.1\n",
	  PATH ":1: map: prefix 2001:db8::1/64 has host bits set (did you mean 2001:db8::/64?)" },
	{ "map 10.0.0.0/24\n", PATH ":1: map: expected \"nbma ADDRESS\"" },
	{ "map 10.0.0.0/24 multicast\n", PATH ":1: map: expected \"nbma ADDRESS\"" },
	{ "map 10.0.0.0/24 nbma\n",
	  PATH ":1: map: nbma: expected a unicast IPv4 address" },
	{ "map 10.0.0.0/24 nbma hub.example.net\n",
	  PATH ":1: map: nbma: expected a unicast IPv4 address, got \"hub.example.net\"" },
	{ "map 10.0.0.0/24 nbma 2001:db8::1\n",
	  PATH ":1: map: nbma: expected a unicast IPv4 address, got \"2001:db8::1\"" },
	{ "map 10.0.0.0/24 nbma 0.0.0.0\n",
	  PATH ":1: map: nbma: expected a unicast IPv4 address, got \"0.0.0.0\"" },
	{ "map 10.0.0.0/24 nbma 224.0.0.5\n",
	  PATH ":1: map: nbma: expected a unicast IPv4 address, got \"224.0.0.5\"" },
	{ "map 10.0.0.0/24 nbma 255.255.255.255\n",
	  PATH ":1: map: nbma: expected a unicast IPv4 address, got \"255.255.255.255\"" },
	{ "map 10.0.0.0/24 nbma 192.0.2.1 nbma 192.0.2.2\n",
	  PATH ":1: map: nbma given twice" },
	{ "map 10.0.0.0/24 multicast nbma 192.0.2.1 multicast\n",
	  PATH ":1: map: multicast given twice" },
	{ "map 10.0.0.1 192.0.2.1\n",
	  PATH ":1: map: unexpected \"192.0.2.1\": IOS's \"ip nhrp map 10.0.0.1 "
	  "192.0.2.1\" is \"map 10.0.0.1 nbma 192.0.2.1\" here" },
	{ "map 10.0.0.0/24 nbma 192.0.2.1 192.0.2.2\n",
	  PATH ":1: map: unexpected \"192.0.2.2\" (expected nbma or multicast)" },
	{ "map 10.0.0.0/24 nbma 192.0.2.1 priority 1\n",
	  PATH ":1: map: unexpected \"priority\" (expected nbma or multicast)" },
	{ "map 10.0.0.0/24 nbma 192.0.2.1\nmap 10.0.0.0/24 nbma 192.0.2.2\n",
	  PATH ":2: map 10.0.0.0/24 given twice (first on line 1)" },
	{ "map 10.0.0.1 nbma 192.0.2.1\n#\nmap 10.0.0.1/32 nbma 192.0.2.1\n",
	  PATH ":3: map 10.0.0.1/32 given twice (first on line 1)" },
	{ "map 2001:db8::/32 nbma 192.0.2.1\nmap 2001:db8:0::/32 nbma 192.0.2.2\n",
	  PATH ":2: map 2001:db8::/32 given twice (first on line 1)" },
	/* multicast */
	{ "multicast\n",
	  PATH ":1: multicast: expected \"dynamic\" or \"nbma ADDRESS\"" },
	{ "multicast all\n",
	  PATH ":1: multicast: expected \"dynamic\" or \"nbma ADDRESS\", got \"all\"" },
	{ "multicast 192.0.2.1\n",
	  PATH ":1: multicast: expected \"dynamic\" or \"nbma ADDRESS\", got \"192.0.2.1\"" },
	{ "multicast dynamic yes\n", PATH ":1: multicast: unexpected \"yes\"" },
	{ "multicast dynamic\nmulticast dynamic\n",
	  PATH ":2: multicast dynamic given twice (first on line 1)" },
	{ "multicast nbma\n",
	  PATH ":1: multicast nbma: expected a unicast IPv4 address" },
	{ "multicast nbma hub.example.net\n",
	  PATH ":1: multicast nbma: expected a unicast IPv4 address, got \"hub.example.net\"" },
	{ "multicast nbma 239.1.1.1\n",
	  PATH ":1: multicast nbma: expected a unicast IPv4 address, got \"239.1.1.1\"" },
	{ "multicast nbma 192.0.2.1 192.0.2.2\n",
	  PATH ":1: multicast: unexpected \"192.0.2.2\"" },
	{ "multicast nbma 192.0.2.1\nmulticast nbma 192.0.2.2\n"
	  "multicast nbma 192.0.2.1\n",
	  PATH ":3: multicast nbma 192.0.2.1 given twice (first on line 1)" },
	/* nhs */
	{ "nhs\n", PATH ":1: nhs: expected the hub's tunnel address or \"dynamic\"" },
	{ "nhs 10.0.0.1/32 nbma 192.0.2.1\n",
	  PATH ":1: nhs: expected the hub's tunnel address or \"dynamic\", got \"10.0.0.1/32\"" },
	{ "nhs hub1 nbma 192.0.2.1\n",
	  PATH ":1: nhs: expected the hub's tunnel address or \"dynamic\", got \"hub1\"" },
	{ "nhs nbma 192.0.2.1\n",
	  PATH ":1: nhs: expected the hub's tunnel address or \"dynamic\", got \"nbma\"" },
	{ "nhs 10.0.0.1\n", PATH ":1: nhs: expected \"nbma ADDRESS|NAME\"; "
	  "IOS's \"ip nhrp nhs 10.0.0.1\" with \"ip nhrp map 10.0.0.1 NBMA\" "
	  "is \"nhs 10.0.0.1 nbma NBMA\" here" },
	{ "nhs dynamic priority 1\n", PATH ":1: nhs: expected \"nbma ADDRESS|NAME\"" },
	{ "nhs 10.0.0.1 nbma\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name" },
	{ "nhs 10.0.0.1 nbma hub_1.example\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name, got \"hub_1.example\"" },
	{ "nhs 10.0.0.1 nbma 192.0.2.256\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name, got \"192.0.2.256\"" },
	{ "nhs 10.0.0.1 nbma 0.0.0.0\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name, got \"0.0.0.0\"" },
	{ "nhs 10.0.0.1 nbma 2001:db8::1\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name, got \"2001:db8::1\"" },
	{ "nhs 10.0.0.1 nbma -hub\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name, got \"-hub\"" },
	{ "nhs 10.0.0.1 nbma .hub\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name, got \".hub\"" },
	{ "nhs 10.0.0.1 nbma hub..example\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name, got \"hub..example\"" },
	{ "nhs 10.0.0.1 nbma " NAME63 "x\n",
	  PATH ":1: nhs: nbma: expected an IPv4 address or DNS name, got \"abcdefghijabcdefghijabcdefghijabcdefghij...\"" },
	{ "nhs 10.0.0.1 nbma 192.0.2.1 priority 256\n",
	  PATH ":1: nhs: priority: expected 0..255, got \"256\"" },
	{ "nhs 10.0.0.1 nbma 192.0.2.1 priority high\n",
	  PATH ":1: nhs: priority: expected 0..255, got \"high\"" },
	{ "nhs 10.0.0.1 nbma 192.0.2.1 priority\n",
	  PATH ":1: nhs: priority: expected 0..255" },
	{ "nhs 10.0.0.1 priority 1 nbma 192.0.2.1 priority 1\n",
	  PATH ":1: nhs: priority given twice" },
	{ "nhs 10.0.0.1 nbma 192.0.2.1 nbma 192.0.2.1\n",
	  PATH ":1: nhs: nbma given twice" },
	{ "nhs 10.0.0.1 multicast nbma 192.0.2.1 multicast\n",
	  PATH ":1: nhs: multicast given twice" },
	{ "nhs 10.0.0.1 nbma 192.0.2.1 cluster 1\n",
	  PATH ":1: nhs: unexpected \"cluster\" (expected nbma, priority or multicast)" },
	{ "nhs 10.0.0.1 nbma 192.0.2.1\nnhs 10.0.0.1 nbma 192.0.2.2\n",
	  PATH ":2: nhs 10.0.0.1 given twice (first on line 1)" },
	{ "nhs 10.0.0.1 nbma hub.example\nnhs dynamic nbma HUB.example\n",
	  PATH ":2: nhs nbma HUB.example given twice (first on line 1)" },
	{ "nhs dynamic nbma 192.0.2.1\nnhs dynamic nbma 192.0.2.1\n",
	  PATH ":2: nhs nbma 192.0.2.1 given twice (first on line 1)" },
	{ "nhs 10.0.0.1 nbma 192.0.2.1\nnhs 10.0.0.2 nbma 192.0.2.1\n",
	  PATH ":2: nhs nbma 192.0.2.1 given twice (first on line 1)" },
	{ "nhs fd00::1 nbma 192.0.2.1\nnhs dynamic nbma 192.0.2.1\n",
	  PATH ":2: nhs nbma 192.0.2.1 given twice (first on line 1)" },
	/* group */
	{ "group\n",
	  PATH ":1: group: expected a name of 1..63 letters, digits, '-', '_' or '.'" },
	{ "group gold!\n",
	  PATH ":1: group: expected a name of 1..63 letters, digits, '-', '_' or '.', got \"gold!\"" },
	{ "group " NAME63 "x\n",
	  PATH ":1: group: expected a name of 1..63 letters, digits, '-', '_' or '.', got \"abcdefghijabcdefghijabcdefghijabcdefghij...\"" },
	{ "group gold silver\n", PATH ":1: group: unexpected \"silver\"" },
	{ "group gold\ngroup gold\n", PATH ":2: group given twice (first on line 1)" },
	/* qos-group */
	{ "qos-group\n",
	  PATH ":1: qos-group: expected a name of 1..63 letters, digits, '-', '_' or '.'" },
	{ "qos-group g/1\n",
	  PATH ":1: qos-group: expected a name of 1..63 letters, digits, '-', '_' or '.', got \"g/1\"" },
	{ "qos-group gold priority\n",
	  PATH ":1: qos-group: priority: expected 0..4294967295" },
	{ "qos-group gold priority -1\n",
	  PATH ":1: qos-group: priority: expected 0..4294967295, got \"-1\"" },
	{ "qos-group gold mark 4294967296\n",
	  PATH ":1: qos-group: mark: expected 0..4294967295, got \"4294967296\"" },
	{ "qos-group gold priority 1 priority 2\n",
	  PATH ":1: qos-group: priority given twice" },
	{ "qos-group gold mark 1 mark 1\n", PATH ":1: qos-group: mark given twice" },
	{ "qos-group gold service-policy GOLD\n",
	  PATH ":1: qos-group: unexpected \"service-policy\" (expected priority or mark)" },
	{ "qos-group gold mark 1\nqos-group silver\nqos-group gold priority 2\n",
	  PATH ":3: qos-group gold given twice (first on line 1)" },
	/* the whole file */
	{ "", PATH ": role missing (expected \"role hub\" or \"role spoke\")" },
	{ "# nothing\n\n", PATH ": role missing (expected \"role hub\" or \"role spoke\")" },
	{ "network-id 1\nholdtime 60\n",
	  PATH ": role missing (expected \"role hub\" or \"role spoke\")" },
	{ "role hub\n",
	  PATH ": network-id missing (expected \"network-id 1..4294967295\")" },
	{ "role spoke\nnhs 10.0.0.1 nbma 192.0.2.1\n",
	  PATH ": network-id missing (expected \"network-id 1..4294967295\")" },
	{ "# spoke\nrole spoke\nnetwork-id 1\n",
	  PATH ":2: a spoke needs at least one nhs" },
	{ "role hub\nnetwork-id 1\ngroup gold\n",
	  PATH ":3: group is for a spoke (role hub on line 1)" },
	{ MIN_SPOKE "qos-group silver\nqos-group gold\n",
	  PATH ":4: qos-group is for a hub (role spoke on line 1)" },
	{ MIN_SPOKE "multicast dynamic\n",
	  PATH ":4: multicast dynamic is for a hub (role spoke on line 1)" },
	{ "multicast dynamic\nnetwork-id 1\nrole spoke\n",
	  PATH ":1: multicast dynamic is for a hub (role spoke on line 3)" },
	/* link, address */
	{ MIN_HUB "link\n",
	  PATH ":3: link: expected the device's options (as for \"ip link add dmvpn0 type dmvpn\")" },
	{ MIN_HUB "link local 192.0.2.1 bogus\n",
	  PATH ":3: link: Error: unknown option \"bogus\" for type dmvpn" },
	{ MIN_HUB "link key\n",
	  PATH ":3: link: Error: \"key\" needs a value: a number or a dotted quad" },
	{ MIN_HUB "link ttl 256\n",
	  PATH ":3: link: Error: argument \"256\" is wrong: \"ttl\" must be 1..255 or \"inherit\"" },
	{ MIN_HUB "link help\n",
	  PATH ":3: link: \"help\" is not an option here; \"ip link add DEV type dmvpn help\" lists them" },
	{ MIN_HUB "link key 1 redirect\nlink key 2 redirect\n",
	  PATH ":4: link given twice (first on line 3)" },
	{ MIN_HUB "address 10.255.0.1/24\n",
	  PATH ":3: address is for a device dmvpnd makes: add a \"link\" line with its options, or give the device its address with ip" },
	{ MIN_HUB "link redirect\naddress\n",
	  PATH ":4: address: expected an IPv4 or IPv6 address/LEN" },
	{ MIN_HUB "link redirect\naddress 10.255.0.1/33\n",
	  PATH ":4: address: expected an IPv4 or IPv6 address/LEN, got \"10.255.0.1/33\"" },
	{ MIN_HUB "link redirect\naddress 10.255.0.1/24 up\n",
	  PATH ":4: address: unexpected \"up\"" },
	{ MIN_HUB "link redirect\naddress 10.255.0.1/24\naddress 10.255.0.1/16\n",
	  PATH ":5: address 10.255.0.1/16 given twice" },
	/* ipsec */
	{ "ipsec\n", PATH ":1: ipsec: expected profile NAME, vici PATH or swanctl PATH" },
	{ "ipsec prof x\n",
	  PATH ":1: ipsec: expected profile NAME, vici PATH or swanctl PATH, got \"prof\"" },
	{ "ipsec profile\n",
	  PATH ":1: ipsec profile: expected a connection name of 1..32 letters, digits, '-', '_' or '.'" },
	{ "ipsec profile a{b\n",
	  PATH ":1: ipsec profile: expected a connection name of 1..32 letters, digits, '-', '_' or '.', got \"a{b\"" },
	{ "ipsec profile abcdefghijabcdefghijabcdefghijabc\n",
	  PATH ":1: ipsec profile: expected a connection name of 1..32 letters, digits, '-', '_' or '.', got \"abcdefghijabcdefghijabcdefghijabc\"" },
	{ "ipsec profile a b\n", PATH ":1: ipsec: unexpected \"b\"" },
	{ "ipsec profile a\nipsec profile b\n",
	  PATH ":2: ipsec profile given twice (first on line 1)" },
	{ "ipsec vici run/charon.vici\n",
	  PATH ":1: ipsec vici: expected an absolute path of a unix socket (at most 107 bytes), got \"run/charon.vici\"" },
	{ "ipsec vici /a\nipsec vici /b\n",
	  PATH ":2: ipsec vici given twice (first on line 1)" },
	{ MIN_HUB "ipsec vici /run/x.vici\n",
	  PATH ":3: ipsec vici without ipsec profile (expected \"ipsec profile NAME\")" },
	{ "ipsec swanctl swanctl.conf\n",
	  PATH ":1: ipsec swanctl: expected an absolute path of swanctl.conf (at most 255 bytes), got \"swanctl.conf\"" },
	{ "ipsec swanctl /a\nipsec swanctl /b\n",
	  PATH ":2: ipsec swanctl given twice (first on line 1)" },
	{ MIN_HUB "ipsec swanctl /etc/s.conf\n",
	  PATH ":3: ipsec swanctl without ipsec profile (expected \"ipsec profile NAME\")" },
	/* a line error comes before what the whole file lacks */
	{ "holdtime 0\n", PATH ":1: holdtime: expected seconds 1..65535, got \"0\"" },
};

START_TEST(test_error)
{
	struct errmsg err = { "" };
	struct cfg cfg;

	/* Garbage in, so that "cfg freed" is seen to zero it. */
	memset(&cfg, 0xa5, sizeof(cfg));
	ck_assert_int_eq(cfg_parse(PATH, errors[_i].text, IFNAME, &cfg, &err), -1);
	ck_assert_str_eq(err.text, errors[_i].error);
	assert_zeroed(&cfg);
}
END_TEST

/* Near misses of the errors above that are fine. */
static const char *const accepted[] = {
	MIN_HUB "protocol-address 10.0.0.1\n",
	MIN_HUB "protocol-address 2001:db8::1/64\n",
	MIN_HUB "protocol-address 10.0.0.0/0\n",
	MIN_HUB "map 0.0.0.0/0 nbma 192.0.2.1\n",
	MIN_HUB "map ::/0 nbma 192.0.2.1\n",
	MIN_HUB "map 10.0.0.0/8 nbma 192.0.2.1\nmap 10.0.0.0/9 nbma 192.0.2.1\n",
	MIN_HUB "map 10.0.0.0/8 nbma 192.0.2.1\nmap a00::/8 nbma 192.0.2.1\n",
	MIN_HUB "map 10.0.0.0/024 nbma 192.0.2.1\n",
	"role hub\nnetwork-id 4294967295\nholdtime 65535\n",
	MIN_HUB "auth 12345678\n",
	MIN_HUB "qos-group " NAME63 "\n",
	MIN_HUB "qos-group a mark 0xffffffff priority 4294967295\n",
	MIN_HUB "nhs dynamic nbma a\n",
	MIN_HUB "nhs dynamic nbma " NAME63 "\n",
	MIN_HUB "nhs 10.0.0.1 nbma 192.0.2.1\nnhs 10.0.0.2 nbma 192.0.2.2\n",
	MIN_HUB "nhs dynamic nbma 192.0.2.1\nnhs dynamic nbma 192.0.2.2\n",
	MIN_HUB "redirect off\nshortcut on\nunique off\n",
	MIN_HUB "multicast nbma 192.0.2.1\nmulticast nbma 192.0.2.2\n",
	MIN_SPOKE "group " NAME63 "\n",
	MIN_SPOKE "redirect off\n",
	MIN_SPOKE "multicast nbma 192.0.2.9\n",
	MIN_SPOKE "map 10.0.0.0/8 nbma 192.0.2.1 multicast\n",
	MIN_SPOKE "nhs 10.0.0.2 nbma 1.2.3.4.example\n",
	MIN_SPOKE "ipsec profile dmvpn\n",
	MIN_HUB "ipsec profile a.b-c_1\nipsec vici /run/ns1/charon.vici\nipsec swanctl /run/ns1/swanctl.conf\n",
	MIN_HUB "ipsec profile abcdefghijabcdefghijabcdefghijab\n",
	/* dual stack: one hub, an NHS for each protocol */
	MIN_SPOKE "nhs fd00::1 nbma 192.0.2.1\n",
	MIN_SPOKE "link local any\naddress 10.255.0.2/24\naddress fd00::2/64\n",
	MIN_SPOKE "address 10.255.0.2\nlink nokey\n",
};

START_TEST(test_accepted)
{
	struct cfg cfg;

	parse_ok(accepted[_i], &cfg);
	cfg_free(&cfg);
}
END_TEST

/* ---- lengths ---- */

/* @text followed by blanks up to @len bytes, then @end. */
static char *padded(const char *text, size_t len, const char *end)
{
	size_t n = strlen(text);
	char *s = malloc(len + strlen(end) + 1);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_le(n, len);
	memcpy(s, text, n);
	memset(s + n, ' ', len - n);
	strcpy(s + len, end);
	return s;
}

static const struct {
	size_t len;		/* of the "holdtime 60" line, padded */
	const char *end;	/* after it */
	const char *error;	/* NULL: accepted */
} long_lines[] = {
	{ 1024, "\n", NULL },
	{ 1024, "", NULL },
	{ 1024, "\r\n", NULL },
	{ 1025, "\n", PATH ":3: line longer than 1024 bytes" },
	{ 1025, "", PATH ":3: line longer than 1024 bytes" },
	{ 1025, "\r\n", PATH ":3: line longer than 1024 bytes" },
	{ 100000, "\nrole spoke\n", PATH ":3: line longer than 1024 bytes" },
};

START_TEST(test_long_line)
{
	char *line = padded("holdtime 60", long_lines[_i].len,
			    long_lines[_i].end);
	char *text = malloc(strlen(MIN_HUB) + strlen(line) + 1);
	struct errmsg err = { "" };
	struct cfg cfg;
	int ret;

	ck_assert_ptr_nonnull(text);
	strcpy(text, MIN_HUB);
	strcat(text, line);
	ret = cfg_parse(PATH, text, IFNAME, &cfg, &err);
	free(line);
	free(text);
	if (long_lines[_i].error) {
		ck_assert_int_eq(ret, -1);
		ck_assert_str_eq(err.text, long_lines[_i].error);
	} else {
		ck_assert_msg(ret == 0, "%s", err.text);
		ck_assert_uint_eq(cfg.holdtime, 60);
		cfg_free(&cfg);
	}
}
END_TEST

/* 512 one-letter words fill a line; none of them may overrun anything. */
START_TEST(test_many_words)
{
	char *text = padded(MIN_HUB, strlen(MIN_HUB) + 1024, "\n");
	struct errmsg err = { "" };
	struct cfg cfg;
	size_t i;

	for (i = strlen(MIN_HUB); i < strlen(MIN_HUB) + 1024; i += 2)
		text[i] = 'x';
	ck_assert_int_eq(cfg_parse(PATH, text, IFNAME, &cfg, &err), -1);
	ck_assert_str_eq(err.text, PATH ":3: unknown directive \"x\"");
	memcpy(text + strlen(MIN_HUB), "role ", 5);
	ck_assert_int_eq(cfg_parse(PATH, text, IFNAME, &cfg, &err), -1);
	ck_assert_str_eq(err.text, PATH ":3: role: expected hub or spoke, got \"x\"");
	free(text);
}
END_TEST

/* Enough entries for the arrays to grow many times. */
START_TEST(test_many_entries)
{
	const unsigned int n = 3000;
	size_t size = strlen(MIN_HUB) + n * 160 + 1, off;
	char *text = malloc(size);
	struct cfg cfg;
	unsigned int i;
	char want[32];

	ck_assert_ptr_nonnull(text);
	off = (size_t)snprintf(text, size, "%s", MIN_HUB);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, size - off,
			"map 10.%u.%u.0/24 nbma 192.0.2.1\n"
			"qos-group g%u mark %u\n"
			"nhs 10.255.%u.%u nbma hub%u.example priority %u\n"
			"multicast nbma 10.%u.%u.1\n",
			i / 256, i % 256,
			i, i,
			i / 256, i % 256, i, (n - i) % 7,
			i / 256, i % 256);
	ck_assert_uint_lt(off, size);
	/* Too big for the file limit is not cfg_parse()'s business. */
	parse_ok(text, &cfg);
	free(text);
	ck_assert_uint_eq(cfg.map_count, n);
	ck_assert_uint_eq(cfg.qos_group_count, n);
	ck_assert_uint_eq(cfg.nhs_count, n);
	ck_assert_uint_eq(cfg.mcast_nbma_count, n);
	assert_prefix(&cfg.maps[n - 1].proto, AF_INET, "10.11.183.0", 24);
	snprintf(want, sizeof(want), "g%u", n - 1);
	ck_assert_uint_eq(cfg_find_qos_group(&cfg, want)->mark, n - 1);
	for (i = 1; i < n; i++) {
		ck_assert_uint_le(cfg.nhs[i - 1].priority, cfg.nhs[i].priority);
		if (cfg.nhs[i - 1].priority == cfg.nhs[i].priority)
			ck_assert_uint_lt(cfg.nhs[i - 1].line, cfg.nhs[i].line);
	}
	cfg_free(&cfg);
}
END_TEST

START_TEST(test_names)
{
	char longpath[300];
	struct errmsg err = { "" };
	struct cfg cfg;

	ck_assert_int_eq(cfg_parse(PATH, MIN_HUB, "dmvpn0123456789", &cfg, &err), 0);
	ck_assert_str_eq(cfg.ifname, "dmvpn0123456789");
	cfg_free(&cfg);
	ck_assert_int_eq(cfg_parse(PATH, MIN_HUB, NULL, &cfg, &err), 0);
	ck_assert_str_eq(cfg.ifname, "");
	cfg_free(&cfg);

	ck_assert_int_eq(cfg_parse(PATH, MIN_HUB, "dmvpn01234567890", &cfg, &err), -1);
	ck_assert_str_eq(err.text,
		PATH ": interface name \"dmvpn01234567890\" longer than 15 bytes");
	assert_zeroed(&cfg);

	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(cfg_parse(longpath, MIN_HUB, IFNAME, &cfg, &err), -1);
	ck_assert_str_eq(err.text, "path longer than 255 bytes: \""
			 "pppppppppppppppppppppppppppppppppppppppp...\"");
	assert_zeroed(&cfg);
	longpath[255] = '\0';
	ck_assert_int_eq(cfg_parse(longpath, MIN_HUB, IFNAME, &cfg, &err), 0);
	ck_assert_str_eq(cfg.path, longpath);
	cfg_free(&cfg);
	longpath[255] = 'p';
	longpath[256] = '\0';
	ck_assert_int_eq(cfg_parse(longpath, MIN_HUB, IFNAME, &cfg, &err), -1);
	assert_zeroed(&cfg);
}
END_TEST

/* ---- warnings: what parses but the role ignores ---- */

static const struct {
	const char *text;
	const char *warning;	/* NULL: none */
} warnings[] = {
	{ MIN_HUB "shortcut on\n",
	  PATH ":3: shortcut is for a spoke; a hub ignores it" },
	{ MIN_HUB "unique off\n",
	  PATH ":3: unique is for registering with an nhs; this hub has none" },
	{ MIN_HUB "registration-timeout 9\n",
	  PATH ":3: registration-timeout is for registering with an nhs; "
	  "this hub has none" },
	{ MIN_HUB "registration-retry 2\n",
	  PATH ":3: registration-retry is for registering with an nhs; "
	  "this hub has none" },
	{ MIN_SPOKE "redirect on\n",
	  PATH ":4: redirect is for a hub; a spoke ignores it" },
	/* A hub that registers with a hub above it does register. */
	{ MIN_HUB "nhs 10.0.0.1 nbma 192.0.2.1\nunique off\n"
	  "registration-timeout 9\nregistration-retry 2\n", NULL },
	{ MIN_HUB "redirect off\n", NULL },
	{ MIN_SPOKE "shortcut off\nunique off\nregistration-timeout 9\n", NULL },
	{ MIN_HUB "link local 192.0.2.1 key 5\n",
	  PATH ":3: link: without \"redirect\" this hub sends no traffic "
	  "indication (redirect is on by default for a hub)" },
	{ MIN_HUB "redirect on\nlink noredirect\n",
	  PATH ":4: link: without \"redirect\" this hub sends no traffic "
	  "indication (redirect is on)" },
	{ MIN_HUB "link local 192.0.2.1 redirect\n", NULL },
	{ MIN_HUB "redirect off\nlink key 5\n", NULL },
	{ MIN_SPOKE "link key 5\n", NULL },
};

/* The link options and addresses as the agent gives them to the kernel. */
START_TEST(test_link)
{
	struct cfg cfg;

	parse_ok(MIN_SPOKE "link local 192.0.2.2 dev wan0 key 42 ttl 64\n"
		 "address 10.255.0.2/24\naddress fd00::2/64\n", &cfg);
	ck_assert(cfg.has_link);
	ck_assert(dmvpn_link_has(&cfg.link, IFLA_DMVPN_LOCAL));
	assert_v4((struct in_addr){ cfg.link.value[IFLA_DMVPN_LOCAL] },
		  "192.0.2.2");
	ck_assert(dmvpn_link_has(&cfg.link, IFLA_DMVPN_LINK));
	ck_assert_str_eq(cfg.link.link_name, "wan0");
	ck_assert_uint_eq(cfg.link.value[IFLA_DMVPN_KEY], 42);
	ck_assert_uint_eq(cfg.link.value[IFLA_DMVPN_KEY_ON], 1);
	ck_assert_uint_eq(cfg.link.value[IFLA_DMVPN_TTL], 64);
	ck_assert(!dmvpn_link_has(&cfg.link, IFLA_DMVPN_REDIRECT));
	ck_assert_uint_eq(cfg.address_count, 2);
	assert_prefix(&cfg.addresses[0], AF_INET, "10.255.0.2", 24);
	assert_prefix(&cfg.addresses[1], AF_INET6, "fd00::2", 64);
	cfg_free(&cfg);

	parse_ok(MIN_SPOKE, &cfg);
	ck_assert(!cfg.has_link);
	ck_assert_uint_eq(cfg.address_count, 0);
	cfg_free(&cfg);
}
END_TEST

START_TEST(test_warnings)
{
	struct cfg cfg;

	parse_ok(warnings[_i].text, &cfg);
	if (!warnings[_i].warning) {
		ck_assert_msg(cfg.warning_count == 0, "unexpected: %s",
			      cfg.warnings[0].text);
	} else {
		ck_assert_uint_eq(cfg.warning_count, 1);
		ck_assert_str_eq(cfg.warnings[0].text, warnings[_i].warning);
	}
	cfg_free(&cfg);
}
END_TEST

/* ---- files ---- */

START_TEST(test_examples)
{
	struct errmsg err = { "" };
	struct cfg hub, spoke;

	ck_assert_msg(cfg_load("dmvpnd/examples/hub.conf", "dmvpn0", &hub,
			       &err) == 0, "%s", err.text);
	ck_assert_int_eq(hub.role, CFG_ROLE_HUB);
	ck_assert_str_eq(hub.path, "dmvpnd/examples/hub.conf");
	ck_assert_str_eq(hub.ifname, "dmvpn0");
	ck_assert_uint_eq(hub.network_id, 100);
	ck_assert(hub.multicast_dynamic);
	ck_assert(hub.redirect);
	ck_assert_uint_eq(hub.auth_len, 8);
	ck_assert_mem_eq(hub.auth, "DMVPNKEY", 8);
	ck_assert_uint_eq(hub.map_count, 2);
	ck_assert_uint_eq(hub.mcast_nbma_count, 0);
	ck_assert_uint_eq(hub.warning_count, 0);
	ck_assert_uint_eq(hub.qos_group_count, 2);
	ck_assert_ptr_nonnull(cfg_find_qos_group(&hub, "spoke-gold"));

	ck_assert_msg(cfg_load("dmvpnd/examples/spoke.conf", "dmvpn0", &spoke,
			       &err) == 0, "%s", err.text);
	ck_assert_int_eq(spoke.role, CFG_ROLE_SPOKE);
	ck_assert_uint_eq(spoke.warning_count, 0);
	ck_assert_uint_eq(spoke.network_id, hub.network_id);
	ck_assert_uint_eq(spoke.auth_len, hub.auth_len);
	ck_assert_mem_eq(spoke.auth, hub.auth, hub.auth_len);
	/* Sorted by priority, stable: the IPv4 and IPv6 NHS of the first
	 * hub (priority 1), then the dynamic one (priority 2). */
	ck_assert_uint_eq(spoke.nhs_count, 3);
	ck_assert(!spoke.nhs[0].dynamic);
	ck_assert_int_eq(spoke.nhs[0].proto.family, AF_INET);
	ck_assert(!spoke.nhs[1].dynamic);
	ck_assert_int_eq(spoke.nhs[1].proto.family, AF_INET6);
	ck_assert_str_eq(spoke.nhs[1].nbma_name, spoke.nhs[0].nbma_name);
	ck_assert(spoke.nhs[2].dynamic);
	ck_assert_str_eq(spoke.nhs[2].nbma_name, "hub2.example.net");
	/* The group the spoke sends is one the hub knows. */
	ck_assert_ptr_nonnull(cfg_find_qos_group(&hub, spoke.group));

	cfg_free(&hub);
	cfg_free(&spoke);
}
END_TEST

/* A temporary file holding @len bytes of @data; the caller unlinks it. */
static void write_temp(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/check_config.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_load_errors)
{
	struct errmsg err = { "" };
	char path[64], want[256];
	struct cfg cfg;

	ck_assert_int_eq(cfg_load("dmvpnd/examples/none.conf", IFNAME, &cfg,
				  &err), -1);
	ck_assert_str_eq(err.text,
			 "dmvpnd/examples/none.conf: No such file or directory");
	assert_zeroed(&cfg);

	ck_assert_int_eq(cfg_load("dmvpnd/examples", IFNAME, &cfg, &err), -1);
	ck_assert_str_eq(err.text, "dmvpnd/examples: Is a directory");

	/* A parse error names the file as given. */
	write_temp(path, "role hub\nholdtime x\n", 20);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), -1);
	unlink(path);
	snprintf(want, sizeof(want),
		 "%s:2: holdtime: expected seconds 1..65535, got \"x\"", path);
	ck_assert_str_eq(err.text, want);
	assert_zeroed(&cfg);

	write_temp(path, "role hub\nnetwork-id 1\nau\0th x\n", 30);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s:3: NUL byte in the file", path);
	ck_assert_str_eq(err.text, want);
	assert_zeroed(&cfg);

	/* Parsed, but what the agent cannot do is refused on load, for
	 * start, reload and --check alike. */
	write_temp(path, MIN_HUB "\nmulticast nbma 192.0.2.1\n", 48);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s:4: \"multicast nbma\" is not "
		 "supported yet; use \"map PROTO nbma ADDR multicast\"", path);
	ck_assert_str_eq(err.text, want);
	assert_zeroed(&cfg);
}
END_TEST

/* A secret in a file other users can read is flagged (issue 14). */
START_TEST(test_load_secret_mode)
{
	struct errmsg err = { "" };
	char path[64];
	struct cfg cfg;

	write_temp(path, MIN_HUB "auth s3cret\n", strlen(MIN_HUB) + 12);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), 0);
	ck_assert(!cfg.auth_file_exposed);
	cfg_free(&cfg);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), 0);
	ck_assert(cfg.auth_file_exposed);
	cfg_free(&cfg);
	ck_assert_int_eq(chmod(path, 0604), 0);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), 0);
	ck_assert(cfg.auth_file_exposed);
	cfg_free(&cfg);
	unlink(path);
	/* Without a secret there is nothing to expose. */
	write_temp(path, MIN_HUB, strlen(MIN_HUB));
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), 0);
	ck_assert(!cfg.auth_file_exposed);
	cfg_free(&cfg);
	unlink(path);
}
END_TEST

/* Up to 1 MiB is read, whatever the buffer sizes on the way. */
START_TEST(test_load_size)
{
	const size_t max = 1024 * 1024;
	char *text = malloc(max + 1);
	struct errmsg err = { "" };
	char path[64], want[128];
	struct cfg cfg;

	ck_assert_ptr_nonnull(text);
	memset(text, '\n', max + 1);
	memcpy(text, MIN_HUB, strlen(MIN_HUB));
	/* The last line decides that all of it was read. */
	memcpy(text + max - 12, "holdtime 42\n", 12);
	write_temp(path, text, max);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), 0);
	unlink(path);
	ck_assert_uint_eq(cfg.holdtime, 42);
	cfg_free(&cfg);

	write_temp(path, text, max + 1);
	ck_assert_int_eq(cfg_load(path, IFNAME, &cfg, &err), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	ck_assert_str_eq(err.text, want);
	assert_zeroed(&cfg);
	free(text);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("files");
	tcase_add_test(tc, test_hub);
	tcase_add_test(tc, test_spoke);
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_layout, 0, ARRAY_SIZE(layouts));
	tcase_add_test(tc, test_line_numbers);
	tcase_add_test(tc, test_examples);
	tcase_add_test(tc, test_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_error, 0, ARRAY_SIZE(errors));
	tcase_add_loop_test(tc, test_accepted, 0, ARRAY_SIZE(accepted));
	tcase_add_loop_test(tc, test_warnings, 0, ARRAY_SIZE(warnings));
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_load_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_long_line, 0, ARRAY_SIZE(long_lines));
	tcase_add_test(tc, test_many_words);
	tcase_add_test(tc, test_many_entries);
	tcase_add_test(tc, test_load_size);
	tcase_add_test(tc, test_load_secret_mode);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(config_suite());
}
