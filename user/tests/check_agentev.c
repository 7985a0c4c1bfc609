// SPDX-License-Identifier: GPL-2.0
/* The agent's event stream (monitor): lines both ways, text and JSON. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/agentev.h"
#include "lib/json.h"
#include "testutil.h"

static struct sbuf out = SBUF_INIT;

static void teardown(void)
{
	sbuf_free(&out);
}

static struct dmvpn_prefix host4(const char *a)
{
	struct dmvpn_prefix p = { .family = AF_INET, .len = 32 };

	inet_pton(AF_INET, a, p.addr.bytes);
	return p;
}

static struct agent_event registration(void)
{
	struct agent_event ev = {
		.kind = AGENT_EV_REGISTRATION, .time_ms = 1796424613123ULL,
		.dev = "dmvpn0", .has_peer = true, .has_nbma = true,
	};

	ev.peer = host4("10.255.0.2");
	inet_pton(AF_INET, "192.0.2.2", &ev.nbma);
	return ev;
}

/* Every kind, with every field in turn, goes through the stream intact. */
START_TEST(test_round_trip)
{
	struct agent_event ev = registration(), back;
	struct errmsg err = { "" };
	uint64_t lost = 0;
	char *nl;

	ev.kind = (enum agent_event_kind)_i;
	ev.has_prefix = _i % 2;
	ev.prefix = (struct dmvpn_prefix){ .family = AF_INET6, .len = 48 };
	inet_pton(AF_INET6, "fd02:1::", ev.prefix.addr.bytes);
	if (_i % 3 == 0)
		strcpy(ev.reason, "administratively-prohibited");
	ev.has_peer = _i % 4 != 1;
	if (!ev.has_peer)
		memset(&ev.peer, 0, sizeof(ev.peer));
	if (!ev.has_prefix)
		memset(&ev.prefix, 0, sizeof(ev.prefix));
	agent_event_encode(&out, &ev);
	ck_assert_uint_lt(out.len, AGENT_EVENT_LINE_MAX);
	nl = strchr(out.buf, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_ptr_eq(nl, out.buf + out.len - 1);
	*nl = '\0';
	ck_assert_int_eq(agent_event_decode(out.buf, &back, &lost, &err),
			 AGENT_LINE_EVENT);
	ck_assert_mem_eq(&back, &ev, sizeof(ev));
}
END_TEST

START_TEST(test_encode)
{
	struct agent_event ev = registration();

	agent_event_encode(&out, &ev);
	ev.kind = AGENT_EV_RESOLUTION_FAILED;
	ev.has_peer = false;
	ev.has_prefix = true;
	ev.prefix = host4("10.2.0.10");
	strcpy(ev.reason, "no-reply");
	agent_event_encode(&out, &ev);
	agent_event_encode_lost(&out, 17);
	ck_assert_str_eq(sbuf_str(&out),
		"event 1796424613123 registration dmvpn0 peer 10.255.0.2 "
		"nbma 192.0.2.2\n"
		"event 1796424613123 resolution-failed dmvpn0 nbma 192.0.2.2 "
		"prefix 10.2.0.10/32 reason no-reply\n"
		"lost 17\n");
}
END_TEST

/* What decode cannot take back is never written. */
START_TEST(test_encode_refuses)
{
	struct agent_event ev = registration();

	ev.kind = AGENT_EV_KINDS;
	agent_event_encode(&out, &ev);
	ev = registration();
	strcpy(ev.dev, "a b");
	agent_event_encode(&out, &ev);
	ev = registration();
	strcpy(ev.reason, "two words");
	agent_event_encode(&out, &ev);
	ck_assert_str_eq(sbuf_str(&out),
		"event 1796424613123 registration dmvpn0 peer 10.255.0.2 "
		"nbma 192.0.2.2\n");
}
END_TEST

START_TEST(test_decode_lost)
{
	struct agent_event ev;
	struct errmsg err;
	uint64_t lost = 0;

	ck_assert_int_eq(agent_event_decode("lost 18446744073709551615", &ev,
					    &lost, &err), AGENT_LINE_LOST);
	ck_assert_uint_eq(lost, UINT64_MAX);
}
END_TEST

static const struct {
	const char *line;
	const char *why;
} bad_lines[] = {
	{ "", "not an event" },
	{ "ok", "not an event" },
	{ "lost", "not an event" },
	{ "lost -1", "bad count" },
	{ "lost 18446744073709551616", "bad count" },
	{ "lost 12x", "bad count" },
	{ "event 1 registration", "not an event" },
	{ "event x registration dmvpn0", "bad time" },
	{ "event 1 bogus dmvpn0", "unknown event" },
	{ "event 1 registration dmvpn0123456789ab", "bad device" },
	{ "event 1 registration d peer", "\"peer\" without a value" },
	{ "event 1 registration d peer 10.0.0.0/8", "bad peer" },
	{ "event 1 registration d peer 10.0.0.300", "bad peer" },
	{ "event 1 registration d peer 10.0.0.1 peer 10.0.0.2",
	  "unexpected \"peer\"" },
	{ "event 1 registration d nbma fd00::1", "bad nbma" },
	{ "event 1 registration d prefix 10.0.0.1", "bad prefix" },
	{ "event 1 registration d prefix 10.0.0.1/8", "bad prefix" },
	{ "event 1 registration d reason "
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bad reason" },
	{ "event 1 registration d colour red", "unexpected \"colour\"" },
	{ "event 1 registration d a b c d e f g h i j k l m", "too many words" },
};

START_TEST(test_decode_bad)
{
	struct agent_event ev;
	struct errmsg err = { "" };
	uint64_t lost;

	ck_assert_int_eq(agent_event_decode(bad_lines[_i].line, &ev, &lost,
					    &err), AGENT_LINE_BAD);
	ck_assert_msg(strstr(err.text, bad_lines[_i].why),
		      "\"%s\": got \"%s\"", bad_lines[_i].line, err.text);
}
END_TEST

START_TEST(test_decode_too_long)
{
	char line[AGENT_EVENT_LINE_MAX + 8];
	struct agent_event ev;
	struct errmsg err;
	uint64_t lost;

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	ck_assert_int_eq(agent_event_decode(line, &ev, &lost, &err),
			 AGENT_LINE_BAD);
	ck_assert_str_eq(err.text, "line too long");
}
END_TEST

START_TEST(test_text)
{
	struct agent_event ev = registration();

	agent_event_to_text(&out, &ev);
	sbuf_addc(&out, '\n');
	ev.kind = AGENT_EV_SHORTCUT_ADDED;
	ev.has_prefix = true;
	ev.prefix = (struct dmvpn_prefix){ .family = AF_INET, .len = 24 };
	inet_pton(AF_INET, "10.2.0.0", ev.prefix.addr.bytes);
	agent_event_to_text(&out, &ev);
	sbuf_addc(&out, '\n');
	ev = (struct agent_event){ .kind = AGENT_EV_RELOAD, .dev = "dmvpn1" };
	agent_event_to_text(&out, &ev);
	ck_assert_str_eq(sbuf_str(&out),
		"agent registration dev dmvpn0 peer 10.255.0.2 nbma 192.0.2.2\n"
		"agent shortcut-added dev dmvpn0 peer 10.255.0.2 nbma "
		"192.0.2.2 prefix 10.2.0.0/24\n"
		"agent reload dev dmvpn1");
	ck_assert_str_eq(agent_event_name(AGENT_EV_NHS_UP), "nhs-up");
	ck_assert_ptr_null(agent_event_name(AGENT_EV_KINDS));
}
END_TEST

START_TEST(test_json)
{
	struct agent_event ev = registration();
	struct json j;

	json_init(&j, &out, false);
	agent_event_to_json_at(&j, &ev, "2026-12-04T22:50:13.123Z");
	ev.kind = AGENT_EV_REGISTRATION_REFUSED;
	ev.has_prefix = true;
	ev.prefix = (struct dmvpn_prefix){ .family = AF_INET6, .len = 64 };
	inet_pton(AF_INET6, "fd02::", ev.prefix.addr.bytes);
	strcpy(ev.reason, "unique-address-registered");
	agent_event_to_json_at(&j, &ev, NULL);
	ck_assert_str_eq(sbuf_str(&out),
		"{\"time\":\"2026-12-04T22:50:13.123Z\",\"source\":\"agent\","
		"\"event\":\"registration\",\"device\":\"dmvpn0\","
		"\"peer\":\"10.255.0.2\",\"nbma\":\"192.0.2.2\"}"
		"{\"source\":\"agent\",\"event\":\"registration-refused\","
		"\"device\":\"dmvpn0\",\"peer\":\"10.255.0.2\","
		"\"nbma\":\"192.0.2.2\",\"prefix\":\"fd02::/64\","
		"\"family\":\"inet6\","
		"\"reason\":\"unique-address-registered\"}");
}
END_TEST

static Suite *agentev_suite(void)
{
	Suite *s = suite_create("agentev");
	TCase *tc = tcase_create("stream");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, test_round_trip, 0, AGENT_EV_KINDS);
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_decode_lost);
	tcase_add_loop_test(tc, test_decode_bad, 0, ARRAY_SIZE(bad_lines));
	tcase_add_test(tc, test_decode_too_long);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_json);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(agentev_suite());
}
