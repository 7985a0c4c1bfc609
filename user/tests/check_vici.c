// SPDX-License-Identifier: GPL-2.0
/*
 * The VICI codec: requests built byte for byte as charon reads them,
 * frames captured from charon 5.9.8 parsed, and every class of malformed
 * frame or message refused with its reason.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vici/vici.h"
#include "vici/vici_charon.h"
#include "testutil.h"
#include "vici_frames.h"

/* ---- building ---- */

START_TEST(test_build_initiate)
{
	static const uint8_t want[] = {
		0, 0, 0, 0x2b,
		VICI_CMD_REQUEST, 8, 'i', 'n', 'i', 't', 'i', 'a', 't', 'e',
		VICI_KEY_VALUE, 5, 'c', 'h', 'i', 'l', 'd', 0, 3, 'g', 'r', 'e',
		VICI_KEY_VALUE, 3, 'i', 'k', 'e', 0, 1, 'x',
		VICI_KEY_VALUE, 7, 't', 'i', 'm', 'e', 'o', 'u', 't', 0, 2,
		'-', '1',
	};
	struct vici_builder b;
	uint8_t buf[256];

	vici_begin(&b, buf, sizeof(buf), VICI_CMD_REQUEST, "initiate");
	vici_kv_str(&b, "child", "gre");
	vici_kv_str(&b, "ike", "x");
	vici_kv_str(&b, "timeout", "-1");
	ck_assert_int_eq(vici_finish(&b), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

START_TEST(test_build_nested)
{
	static const uint8_t want[] = {
		0, 0, 0, 0x17,
		VICI_CMD_REQUEST, 1, 'l',
		VICI_SECTION_START, 1, 'c',
		VICI_LIST_START, 1, 'a',
		VICI_LIST_ITEM, 0, 2, '1', '2',
		VICI_LIST_ITEM, 0, 0,
		VICI_LIST_END,
		VICI_SECTION_START, 1, 's', VICI_SECTION_END,
		VICI_SECTION_END,
	};
	struct vici_builder b;
	uint8_t buf[256];

	vici_begin(&b, buf, sizeof(buf), VICI_CMD_REQUEST, "l");
	vici_section(&b, "c");
	vici_list(&b, "a");
	vici_item_str(&b, "12");
	vici_item(&b, "", 0);
	vici_end_list(&b);
	vici_section(&b, "s");
	vici_end_section(&b);
	vici_end_section(&b);
	ck_assert_int_eq(vici_finish(&b), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

START_TEST(test_build_register)
{
	static const uint8_t want[] = {
		0, 0, 0, 0x0b, VICI_EVENT_REGISTER, 9,
		'l', 'i', 's', 't', '-', 'c', 'o', 'n', 'n',
	};
	struct vici_builder b;
	uint8_t buf[64];

	vici_begin(&b, buf, sizeof(buf), VICI_EVENT_REGISTER, "list-conn");
	ck_assert_int_eq(vici_finish(&b), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

/* Every misuse is refused at vici_finish(), never written half. */
static const struct bad_build {
	const char *what;
	int steps;
} bad_builds[] = {
	{ "section left open", 1 },
	{ "list left open", 2 },
	{ "item outside a list", 3 },
	{ "section inside a list", 4 },
	{ "end without a section", 5 },
	{ "empty key", 6 },
	{ "name of 256 bytes", 7 },
	{ "value of 65536 bytes", 8 },
	{ "no room", 9 },
	{ "nested 17 deep", 10 },
	{ "list end outside a list", 11 },
};

START_TEST(test_bad_build)
{
	static uint8_t big[70000];
	static char name[300];
	struct vici_builder b;
	uint8_t buf[128];
	int i;

	memset(name, 'n', 256);
	name[256] = '\0';
	vici_begin(&b, buf, sizeof(buf), VICI_CMD_REQUEST, "x");
	switch (bad_builds[_i].steps) {
	case 1: vici_section(&b, "s"); break;
	case 2: vici_list(&b, "l"); break;
	case 3: vici_item_str(&b, "v"); break;
	case 4: vici_list(&b, "l"); vici_section(&b, "s"); break;
	case 5: vici_end_section(&b); break;
	case 6: vici_kv_str(&b, "", "v"); break;
	case 7: vici_kv_str(&b, name, "v"); break;
	case 8: vici_kv(&b, "k", big, 65536); break;
	case 9: vici_kv(&b, "k", big, 200); break;
	case 10:
		for (i = 0; i < 17; i++)
			vici_section(&b, "s");
		for (i = 0; i < 17; i++)
			vici_end_section(&b);
		break;
	case 11: vici_end_list(&b); break;
	}
	ck_assert_msg(vici_finish(&b) == -1, "%s: built", bad_builds[_i].what);
	ck_assert_ptr_nonnull(b.error);
}
END_TEST

/* ---- parsing what charon sends ---- */

static void parse_frame(const uint8_t *bytes, size_t len,
			struct vici_packet *p)
{
	const char *why = NULL;
	long flen = vici_frame_len(bytes, len, VICI_PACKET_MAX);

	ck_assert_int_gt(flen, 0);
	ck_assert_int_le(flen, len);
	ck_assert_msg(!vici_packet_parse(bytes, (size_t)flen, p, &why), "%s",
		      why);
	ck_assert_msg(!vici_validate(p->body, p->body_len, &why), "%s", why);
}

/* A path of section names and a key: its value, or NULL. */
static const char *find(const struct vici_packet *p, const char *path)
{
	static char value[256];
	char stack[VICI_DEPTH_MAX][VICI_NAME_MAX + 1], cur[512];
	struct vici_reader r;
	struct vici_elem e;
	unsigned int i;

	vici_reader_init(&r, p->body, p->body_len);
	while (vici_next(&r, &e) > 0) {
		if (e.type == VICI_SECTION_START) {
			strcpy(stack[e.depth], e.name);
			continue;
		}
		if (e.type != VICI_KEY_VALUE)
			continue;
		cur[0] = '\0';
		for (i = 0; i < e.depth; i++) {
			strcat(cur, stack[i]);
			strcat(cur, ".");
		}
		strcat(cur, e.name);
		if (!strcmp(cur, path) && vici_value_str(&e, value,
							 sizeof(value)))
			return value;
	}
	return NULL;
}

START_TEST(test_charon_list_conn)
{
	struct vici_packet p;
	struct vici_reader r;
	struct vici_elem e;
	int lists = 0, items = 0;
	char v[64];

	parse_frame(list_conn_bin, list_conn_bin_len, &p);
	ck_assert_uint_eq(p.op, VICI_EVENT);
	ck_assert_str_eq(p.name, "list-conn");
	ck_assert_str_eq(find(&p, "dmvpn.version"), "IKEv1/2");
	ck_assert_str_eq(find(&p, "dmvpn.local-1.class"), "pre-shared key");
	ck_assert_str_eq(find(&p, "dmvpn.children.gre.mode"), "TRANSPORT");
	ck_assert_ptr_null(find(&p, "dmvpn.children.gre.proposals"));
	vici_reader_init(&r, p.body, p.body_len);
	while (vici_next(&r, &e) > 0) {
		if (e.type == VICI_LIST_START && !strcmp(e.name, "local-ts"))
			lists++;
		if (e.type == VICI_LIST_ITEM && e.depth == 3) {
			ck_assert(vici_value_str(&e, v, sizeof(v)));
			ck_assert_str_eq(v, "dynamic[gre]");
			items++;
		}
	}
	ck_assert_int_eq(lists, 1);
	ck_assert_int_eq(items, 2);
	/* The frame after it is the command's (empty) response. */
	parse_frame(list_conn_bin + p.body_len + (p.body - list_conn_bin),
		    list_conn_bin_len - p.body_len - (p.body - list_conn_bin),
		    &p);
	ck_assert_uint_eq(p.op, VICI_CMD_RESPONSE);
	ck_assert_uint_eq(p.body_len, 0);
}
END_TEST

START_TEST(test_charon_ike_updown)
{
	struct vici_packet p;

	parse_frame(ike_updown_bin, ike_updown_bin_len, &p);
	ck_assert_str_eq(p.name, "ike-updown");
	ck_assert_str_eq(find(&p, "up"), "yes");
	ck_assert_str_eq(find(&p, "dmvpn-d0-192.0.2.2.remote-host"),
			 "192.0.2.2");
	ck_assert_str_eq(find(&p, "dmvpn-d0-192.0.2.2.uniqueid"), "1");
	ck_assert_str_eq(find(&p, "dmvpn-d0-192.0.2.2.state"), "ESTABLISHED");
}
END_TEST

/* Building what was parsed gives the same bytes back. */
START_TEST(test_round_trip)
{
	static uint8_t out[4096];
	struct vici_builder b;
	struct vici_packet p;
	struct vici_reader r;
	struct vici_elem e;

	parse_frame(list_conn_bin, list_conn_bin_len, &p);
	vici_begin(&b, out, sizeof(out), p.op, p.name);
	vici_reader_init(&r, p.body, p.body_len);
	while (vici_next(&r, &e) > 0) {
		switch (e.type) {
		case VICI_SECTION_START: vici_section(&b, e.name); break;
		case VICI_SECTION_END: vici_end_section(&b); break;
		case VICI_KEY_VALUE:
			vici_kv(&b, e.name, e.value, e.value_len);
			break;
		case VICI_LIST_START: vici_list(&b, e.name); break;
		case VICI_LIST_ITEM: vici_item(&b, e.value, e.value_len); break;
		case VICI_LIST_END: vici_end_list(&b); break;
		}
	}
	ck_assert_int_eq(vici_finish(&b), (long)(p.body - list_conn_bin +
						 p.body_len));
	ck_assert_mem_eq(out, list_conn_bin, (size_t)(p.body - list_conn_bin +
						      p.body_len));
}
END_TEST

/* ---- malformed input ---- */

static const struct bad_msg {
	const char *name;
	uint8_t bytes[16];
	size_t len;
	const char *reason;
} bad_msgs[] = {
	{ "section-open", { 1, 1, 's' }, 3, "a section or list left open" },
	{ "list-open", { 4, 1, 'l' }, 3, "a section or list left open" },
	{ "end-without-section", { 2 }, 1,
	  "a section end without a section" },
	{ "item-outside-list", { 5, 0, 0 }, 3,
	  "a list item or end outside a list" },
	{ "list-end-outside-list", { 6 }, 1,
	  "a list item or end outside a list" },
	{ "kv-in-list", { 4, 1, 'l', 3, 1, 'k', 0, 0, 6 }, 9,
	  "an element other than an item in a list" },
	{ "unknown-type", { 9 }, 1, "unknown element type" },
	{ "type-zero", { 0 }, 1, "unknown element type" },
	{ "name-length-missing", { 3 }, 1,
	  "a name's length runs past the end" },
	{ "name-overrun", { 3, 5, 'k' }, 3, "a name runs past the end" },
	{ "name-with-nul", { 3, 2, 'k', 0, 0, 0 }, 6,
	  "a name holds a NUL byte" },
	{ "empty-name", { 3, 0, 0, 0 }, 4, "an empty name" },
	{ "value-length-missing", { 3, 1, 'k', 0 }, 4,
	  "a value's length runs past the end" },
	{ "value-overrun", { 3, 1, 'k', 0, 9, 'v' }, 6,
	  "a value runs past the end" },
	{ "item-overrun", { 4, 1, 'l', 5, 1, 0, 6 }, 7,
	  "a value runs past the end" },
};

START_TEST(test_bad_msg)
{
	const struct bad_msg *t = &bad_msgs[_i];
	const char *why = NULL;

	ck_assert_msg(vici_validate(t->bytes, t->len, &why) == -1,
		      "%s: accepted", t->name);
	ck_assert_str_eq(why, t->reason);
}
END_TEST

START_TEST(test_too_deep)
{
	uint8_t msg[17 * 3 + 17];
	const char *why = NULL;
	size_t i, n = 0;

	for (i = 0; i < 17; i++) {
		msg[n++] = VICI_SECTION_START;
		msg[n++] = 1;
		msg[n++] = 's';
	}
	for (i = 0; i < 17; i++)
		msg[n++] = VICI_SECTION_END;
	ck_assert_int_eq(vici_validate(msg, n, &why), -1);
	ck_assert_str_eq(why, "sections nested too deep");
	/* 16 deep is charon's business and fine. */
	ck_assert_int_eq(vici_validate(msg + 3, n - 4, &why), 0);
}
END_TEST

START_TEST(test_bad_frames)
{
	static const uint8_t empty[] = { 0, 0, 0, 0 };
	static const uint8_t huge[] = { 0, 0x08, 0, 1 };
	static const uint8_t unknown_op[] = { 0, 0, 0, 1, 8 };
	static const uint8_t short_name[] = { 0, 0, 0, 3, 7, 5, 'x' };
	static const uint8_t nameless[] = { 0, 0, 0, 2, 7, 0 };
	static const uint8_t resp[] = { 0, 0, 0, 1, 1 };
	struct vici_packet p;
	const char *why = NULL;

	ck_assert_int_eq(vici_frame_len(empty, 3, VICI_PACKET_MAX), 0);
	ck_assert_int_eq(vici_frame_len(empty, 4, VICI_PACKET_MAX), -1);
	ck_assert_int_eq(vici_frame_len(huge, 4, VICI_PACKET_MAX), -1);
	ck_assert_int_eq(vici_frame_len(resp, 4, VICI_PACKET_MAX), 5);
	ck_assert_int_eq(vici_frame_len(resp, 4, 0), -1);
	ck_assert_int_eq(vici_packet_parse(unknown_op, sizeof(unknown_op),
					   &p, &why), -1);
	ck_assert_str_eq(why, "unknown operation");
	ck_assert_int_eq(vici_packet_parse(short_name, sizeof(short_name),
					   &p, &why), -1);
	ck_assert_str_eq(why, "a name runs past the end");
	ck_assert_int_eq(vici_packet_parse(nameless, sizeof(nameless),
					   &p, &why), -1);
	ck_assert_str_eq(why, "an empty name");
	ck_assert_int_eq(vici_packet_parse(resp, sizeof(resp) - 1, &p, &why),
			 -1);
	ck_assert_int_eq(vici_packet_parse(resp, sizeof(resp), &p, &why), 0);
	ck_assert_uint_eq(p.op, VICI_CMD_RESPONSE);
	ck_assert_str_eq(p.name, "");
}
END_TEST

START_TEST(test_value_str)
{
	static const uint8_t msg[] = { 3, 1, 'k', 0, 3, 'a', 0, 'b',
				       3, 1, 'j', 0, 3, 'a', 'b', 'c' };
	struct vici_reader r;
	struct vici_elem e;
	char out[4];

	vici_reader_init(&r, msg, sizeof(msg));
	ck_assert_int_eq(vici_next(&r, &e), 1);
	ck_assert(!vici_value_str(&e, out, sizeof(out)));
	ck_assert_int_eq(vici_next(&r, &e), 1);
	ck_assert(!vici_value_str(&e, out, 3));
	ck_assert(vici_value_str(&e, out, sizeof(out)));
	ck_assert_str_eq(out, "abc");
	ck_assert_int_eq(vici_next(&r, &e), 0);
}
END_TEST


/* ---- what the messages mean (vici_charon.c) ---- */

static struct vici_packet charon_frame(const unsigned char *bytes, size_t len)
{
	struct vici_packet p;

	parse_frame(bytes, len, &p);
	return p;
}

START_TEST(test_profile_psk)
{
	struct vici_packet p = charon_frame(list_conn_bin, list_conn_bin_len);
	struct vici_profile t;

	memset(&t, 0, sizeof(t));
	vici_profile_parse(p.body, p.body_len, "dmvpn", &t);
	ck_assert(t.found && t.transport && t.gre);
	ck_assert_str_eq(t.version, "0");	/* IKEv1/2: either */
	ck_assert_str_eq(t.rekey_time, "14400");
	ck_assert_str_eq(t.reauth_time, "0");
	ck_assert_str_eq(t.dpd_delay, "");
	ck_assert_str_eq(t.local_auth, "psk");
	ck_assert_str_eq(t.remote_auth, "psk");
	ck_assert_str_eq(t.local_id, "");
	ck_assert_str_eq(t.child, "gre");
	ck_assert_str_eq(t.child_rekey_time, "3600");
	ck_assert_ptr_null(vici_profile_problem(&t));
}
END_TEST

START_TEST(test_profile_refused)
{
	struct vici_packet p;
	struct vici_profile t;

	p = charon_frame(list_conn_bin, list_conn_bin_len);
	memset(&t, 0, sizeof(t));
	vici_profile_parse(p.body, p.body_len, "other", &t);
	ck_assert_str_eq(vici_profile_problem(&t),
			 "charon has no such connection (swanctl --load-conns?)");

	p = charon_frame(list_conn_tun_bin, list_conn_tun_bin_len);
	memset(&t, 0, sizeof(t));
	vici_profile_parse(p.body, p.body_len, "tun", &t);
	ck_assert(t.found);
	ck_assert_str_eq(vici_profile_problem(&t),
			 "its CHILD_SA is not in transport mode");

	p = charon_frame(list_conn_anyproto_bin, list_conn_anyproto_bin_len);
	memset(&t, 0, sizeof(t));
	vici_profile_parse(p.body, p.body_len, "anyproto", &t);
	ck_assert(t.found && t.transport && !t.gre);
	ck_assert_str_eq(vici_profile_problem(&t),
			 "its CHILD_SA is not for GRE (local_ts and remote_ts dynamic[gre])");
}
END_TEST

struct seen {
	struct vici_sa sa[4];
	int n;
};

static void collect(void *arg, struct vici_sa *s)
{
	struct seen *seen = arg;

	ck_assert_int_lt(seen->n, 4);
	seen->sa[seen->n++] = *s;
}

START_TEST(test_sa_ike_updown)
{
	struct vici_packet p = charon_frame(ike_updown_bin, ike_updown_bin_len);
	struct seen seen = { .n = 0 };
	char a[INET_ADDRSTRLEN];

	vici_sa_walk(p.body, p.body_len, collect, &seen);
	ck_assert_int_eq(seen.n, 1);
	ck_assert(seen.sa[0].up);
	ck_assert_str_eq(seen.sa[0].ike_name, "dmvpn-d0-192.0.2.2");
	ck_assert_uint_eq(seen.sa[0].ike_id, 1);
	ck_assert(seen.sa[0].have_remote);
	ck_assert_str_eq(inet_ntop(AF_INET, &seen.sa[0].remote, a, sizeof(a)),
			 "192.0.2.2");
	ck_assert_str_eq(inet_ntop(AF_INET, &seen.sa[0].local, a, sizeof(a)),
			 "192.0.2.1");
	ck_assert_uint_eq(seen.sa[0].child_id, 0);
	ck_assert_uint_eq(seen.sa[0].mark_out, 0);
	ck_assert_uint_eq(seen.sa[0].mask_out, 0);
}
END_TEST

/* A child-updown and a child-rekey laid out as charon 5.9.8's
 * vici_query.c raises them (child_updown(), child_rekey(), list_child()). */
static long child_event(uint8_t *buf, size_t cap, const char *event,
			bool up, bool rekey)
{
	struct vici_builder b;

	vici_begin(&b, buf, cap, VICI_EVENT, event);
	if (up)
		vici_kv_str(&b, "up", "yes");
	vici_section(&b, "dmvpn");
	vici_kv_str(&b, "uniqueid", "7");
	vici_kv_str(&b, "local-host", "192.0.2.2");
	vici_kv_str(&b, "remote-host", "192.0.2.3");
	if (up)
		vici_kv_str(&b, "initiator", "yes");
	vici_kv_str(&b, "initiator-spi", up ? "9a3be0c1d2e3f405" : "zz");
	vici_kv_str(&b, "responder-spi", "0123456789abcdef");
	vici_kv_str(&b, "established", "-1");
	vici_list(&b, "tasks-active");
	vici_item_str(&b, "CHILD_CREATE");
	vici_end_list(&b);
	vici_section(&b, "child-sas");
	if (rekey) {
		vici_section(&b, "gre");
		vici_section(&b, "old");
		vici_kv_str(&b, "uniqueid", "8");
		vici_kv_str(&b, "state", "REKEYED");
		vici_kv_str(&b, "install-time", "6");
		vici_end_section(&b);
		vici_section(&b, "new");
	} else {
		vici_section(&b, "gre-8");
	}
	vici_kv_str(&b, "name", "gre");
	vici_kv_str(&b, "uniqueid", rekey ? "9" : "8");
	vici_kv_str(&b, "state", "INSTALLED");
	vici_kv_str(&b, "mode", "TRANSPORT");
	vici_kv_str(&b, "protocol", "ESP");
	vici_kv_str(&b, "spi-in", rekey ? "c0000003" : "c0000001");
	vici_kv_str(&b, "spi-out", rekey ? "c0000004" : "c0000002");
	/* mark_in/mark_out = %unique/0x00ffffff; after the rekey without a
	 * mask (all ones), which charon leaves out. */
	vici_kv_str(&b, "mark-in", rekey ? "00000005" : "00000003");
	if (!rekey)
		vici_kv_str(&b, "mark-mask-in", "00ffffff");
	vici_kv_str(&b, "mark-out", rekey ? "00000005" : "00000003");
	if (!rekey)
		vici_kv_str(&b, "mark-mask-out", "00ffffff");
	vici_kv_str(&b, "rekey-time", "5");
	vici_kv_str(&b, "install-time", rekey ? "0" : "2");
	vici_list(&b, "local-ts");
	vici_item_str(&b, "192.0.2.2/32[gre]");
	vici_end_list(&b);
	vici_end_section(&b);
	if (rekey)
		vici_end_section(&b);
	vici_end_section(&b);
	vici_end_section(&b);
	return vici_finish(&b);
}

/*
 * A CHILD_SA that may have been installed just now (an SA we answered
 * counts as up only once the initiator can have its half): charon's
 * install-time subtracts two whole-second clock readings, so "1" comes
 * from an SA installed a millisecond before the event as often as a
 * second boundary falls between them.  Red when only "0" counts.
 */
static const struct {
	uint32_t age;
	bool fresh;
} fresh_cases[] = {
	{ 0, true }, { 1, true }, { 2, false }, { 3600, false },
};

START_TEST(test_sa_child_fresh)
{
	struct vici_sa s = { .child_age = fresh_cases[_i].age };

	ck_assert_msg(vici_sa_child_fresh(&s) == fresh_cases[_i].fresh,
		      "install-time %u", fresh_cases[_i].age);
}
END_TEST

START_TEST(test_sa_child_events)
{
	static uint8_t buf[2048];
	struct vici_packet p;
	struct seen seen = { .n = 0 };
	long n;

	n = child_event(buf, sizeof(buf), "child-updown", true, false);
	ck_assert_int_gt(n, 0);
	p = charon_frame(buf, (size_t)n);
	vici_sa_walk(p.body, p.body_len, collect, &seen);
	ck_assert_int_eq(seen.n, 1);
	ck_assert(seen.sa[0].up && seen.sa[0].child_installed &&
		  seen.sa[0].transport);
	ck_assert_uint_eq(seen.sa[0].ike_id, 7);
	ck_assert_uint_eq(seen.sa[0].child_id, 8);
	ck_assert_str_eq(seen.sa[0].spi_in, "c0000001");
	ck_assert_str_eq(seen.sa[0].spi_out, "c0000002");
	ck_assert(seen.sa[0].ike_initiator);
	/* The initiator's SPI, not the responder's. */
	ck_assert(seen.sa[0].ike_spi_i == 0x9a3be0c1d2e3f405ULL);
	ck_assert_uint_eq(seen.sa[0].ike_age, 0);	/* "-1": charon's clock */
	ck_assert_uint_eq(seen.sa[0].child_age, 2);
	ck_assert_uint_eq(seen.sa[0].mark_in, 3);
	ck_assert_uint_eq(seen.sa[0].mask_in, 0x00ffffff);
	ck_assert_uint_eq(seen.sa[0].mark_out, 3);
	ck_assert_uint_eq(seen.sa[0].mask_out, 0x00ffffff);

	n = child_event(buf, sizeof(buf), "child-updown", false, false);
	p = charon_frame(buf, (size_t)n);
	vici_sa_walk(p.body, p.body_len, collect, &seen);
	ck_assert_int_eq(seen.n, 2);
	ck_assert(!seen.sa[1].up);
	ck_assert(!seen.sa[1].ike_initiator);
	ck_assert(seen.sa[1].ike_spi_i == 0);		/* not hex: none */
	ck_assert_uint_eq(seen.sa[1].child_id, 8);

	/* After a rekey: the new child's id and SPIs, the old one's id. */
	n = child_event(buf, sizeof(buf), "child-rekey", false, true);
	p = charon_frame(buf, (size_t)n);
	vici_sa_walk(p.body, p.body_len, collect, &seen);
	ck_assert_int_eq(seen.n, 3);
	ck_assert_uint_eq(seen.sa[2].old_child_id, 8);
	ck_assert_uint_eq(seen.sa[2].child_id, 9);
	ck_assert_str_eq(seen.sa[2].spi_in, "c0000003");
	ck_assert(seen.sa[2].child_installed);
	ck_assert_uint_eq(seen.sa[2].child_age, 0);	/* the new one's */
	ck_assert_uint_eq(seen.sa[2].mark_out, 5);
	ck_assert_uint_eq(seen.sa[2].mask_out, UINT32_MAX);
	ck_assert_uint_eq(seen.sa[2].mask_in, UINT32_MAX);
}
END_TEST

struct rekeyed {
	int n;
	char name[32];
	struct vici_ike_rekey ids;
};

static void on_rekeyed(void *arg, const char *name,
		       const struct vici_ike_rekey *ids)
{
	struct rekeyed *k = arg;

	k->n++;
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->ids = *ids;
}

/* ike-rekey, laid out as charon 5.9.8's vici_query.c raises it: the
 * IKE_SA's name, then "old" and "new" with each one's keys. */
START_TEST(test_ike_rekey)
{
	static uint8_t buf[1024];
	struct vici_builder b;
	struct vici_packet p;
	struct rekeyed k = { 0 };
	long n;

	vici_begin(&b, buf, sizeof(buf), VICI_EVENT, "ike-rekey");
	vici_section(&b, "dmvpn-dmvpn0-192.0.2.1");
	vici_section(&b, "old");
	vici_kv_str(&b, "uniqueid", "3");
	vici_kv_str(&b, "state", "REKEYED");
	vici_section(&b, "child-sas");
	vici_section(&b, "gre-5");
	vici_kv_str(&b, "uniqueid", "5");
	vici_end_section(&b);
	vici_end_section(&b);
	vici_end_section(&b);
	vici_section(&b, "new");
	vici_kv_str(&b, "uniqueid", "11");
	vici_kv_str(&b, "initiator", "yes");
	vici_kv_str(&b, "initiator-spi", "00000000000000ff");
	vici_kv_str(&b, "established", "1");
	vici_end_section(&b);
	vici_end_section(&b);
	n = vici_finish(&b);
	ck_assert_int_gt(n, 0);
	p = charon_frame(buf, (size_t)n);
	vici_ike_rekey_walk(p.body, p.body_len, on_rekeyed, &k);
	ck_assert_int_eq(k.n, 1);
	ck_assert_str_eq(k.name, "dmvpn-dmvpn0-192.0.2.1");
	ck_assert_uint_eq(k.ids.old_id, 3);
	ck_assert_uint_eq(k.ids.new_id, 11);
	ck_assert(k.ids.new_initiator);
	ck_assert(k.ids.new_spi_i == 0xff);
	ck_assert_uint_eq(k.ids.new_age, 1);

	/* The peer rekeyed it: charon says nothing of "initiator" then,
	 * and only the old one's "initiator" is ours. */
	vici_begin(&b, buf, sizeof(buf), VICI_EVENT, "ike-rekey");
	vici_section(&b, "dmvpn");
	vici_section(&b, "old");
	vici_kv_str(&b, "uniqueid", "4");
	vici_kv_str(&b, "initiator", "yes");
	vici_kv_str(&b, "established", "17");
	vici_end_section(&b);
	vici_section(&b, "new");
	vici_kv_str(&b, "uniqueid", "12");
	vici_kv_str(&b, "initiator-spi", "ffffffffffffffff0");	/* too long */
	vici_end_section(&b);
	vici_end_section(&b);
	n = vici_finish(&b);
	p = charon_frame(buf, (size_t)n);
	vici_ike_rekey_walk(p.body, p.body_len, on_rekeyed, &k);
	ck_assert_int_eq(k.n, 2);
	ck_assert_uint_eq(k.ids.old_id, 4);
	ck_assert_uint_eq(k.ids.new_id, 12);
	ck_assert(!k.ids.new_initiator);
	ck_assert(k.ids.new_spi_i == 0);
	ck_assert_uint_eq(k.ids.new_age, 0);

	/* Without a new IKE_SA's id, nothing to tell. */
	vici_begin(&b, buf, sizeof(buf), VICI_EVENT, "ike-rekey");
	vici_section(&b, "x");
	vici_section(&b, "old");
	vici_kv_str(&b, "uniqueid", "3");
	vici_end_section(&b);
	vici_end_section(&b);
	n = vici_finish(&b);
	p = charon_frame(buf, (size_t)n);
	vici_ike_rekey_walk(p.body, p.body_len, on_rekeyed, &k);
	ck_assert_int_eq(k.n, 2);
}
END_TEST

static Suite *vici_suite(void)
{
	Suite *s = suite_create("vici");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, test_build_initiate);
	tcase_add_test(tc, test_build_nested);
	tcase_add_test(tc, test_build_register);
	tcase_add_loop_test(tc, test_bad_build, 0, ARRAY_SIZE(bad_builds));
	suite_add_tcase(s, tc);
	tc = tcase_create("charon");
	tcase_add_test(tc, test_charon_list_conn);
	tcase_add_test(tc, test_charon_ike_updown);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_bad_msg, 0, ARRAY_SIZE(bad_msgs));
	tcase_add_test(tc, test_too_deep);
	tcase_add_test(tc, test_bad_frames);
	tcase_add_test(tc, test_value_str);
	suite_add_tcase(s, tc);
	tc = tcase_create("meaning");
	tcase_add_test(tc, test_profile_psk);
	tcase_add_test(tc, test_profile_refused);
	tcase_add_test(tc, test_sa_ike_updown);
	tcase_add_test(tc, test_sa_child_events);
	tcase_add_loop_test(tc, test_sa_child_fresh, 0,
			    ARRAY_SIZE(fresh_cases));
	tcase_add_test(tc, test_ike_rekey);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(vici_suite());
}
