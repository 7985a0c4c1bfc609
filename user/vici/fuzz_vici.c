// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the VICI codec (make -C user fuzz-vici).
 *
 * Any input, taken as a frame: parsing must not read out of bounds or
 * crash, and must give a reason when it refuses.  A frame that parses and
 * validates must build again into the same bytes, and building it into one
 * byte less room must fail.  The input is also tried as a bare message.
 * What dmvpnd reads from a valid message (vici_charon.c) must not crash
 * either, and a profile it finds must name a child it found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vici.h"
#include "vici_charon.h"

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_vici: %s%s%s\n", what, why ? ": " : "",
		why ? why : "");
	abort();
}

static long rebuild(const struct vici_packet *p, uint8_t *out, size_t cap)
{
	struct vici_builder b;
	struct vici_reader r;
	struct vici_elem e;
	int ret;

	vici_begin(&b, out, cap, p->op, p->name);
	vici_reader_init(&r, p->body, p->body_len);
	while ((ret = vici_next(&r, &e)) > 0) {
		switch (e.type) {
		case VICI_SECTION_START: vici_section(&b, e.name); break;
		case VICI_SECTION_END: vici_end_section(&b); break;
		case VICI_KEY_VALUE: vici_kv(&b, e.name, e.value, e.value_len);
			break;
		case VICI_LIST_START: vici_list(&b, e.name); break;
		case VICI_LIST_ITEM: vici_item(&b, e.value, e.value_len); break;
		case VICI_LIST_END: vici_end_list(&b); break;
		default: fail("an element of unknown type", NULL);
		}
	}
	if (ret < 0)
		fail("a validated message fails to read", r.error);
	return vici_finish(&b);
}

static void count_sa(void *arg, struct vici_sa *s)
{
	(void)s;
	(*(int *)arg)++;
}

static void count_rekey(void *arg, const char *name,
			const struct vici_ike_rekey *k)
{
	if (!name || !k->old_id || !k->new_id)
		fail("an IKE_SA rekey without its ids", NULL);
	(*(int *)arg)++;
}

static void meaning(const struct vici_packet *p)
{
	struct vici_profile t;
	int sas = 0;

	memset(&t, 0, sizeof(t));
	vici_profile_parse(p->body, p->body_len, "dmvpn", &t);
	if (!vici_profile_problem(&t) && !t.child[0])
		fail("a usable profile without a child", NULL);
	vici_sa_walk(p->body, p->body_len, count_sa, &sas);
	vici_ike_rekey_walk(p->body, p->body_len, count_rekey, &sas);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[VICI_PACKET_MAX + VICI_HDR_LEN];
	struct vici_packet p;
	const char *why = NULL;
	long n;

	if (vici_validate(data, size, &why) && !why)
		fail("a message refused without a reason", NULL);
	if (vici_frame_len(data, size, VICI_PACKET_MAX) != (long)size)
		return 0;
	if (vici_packet_parse(data, size, &p, &why)) {
		if (!why)
			fail("a frame refused without a reason", NULL);
		return 0;
	}
	if (vici_validate(p.body, p.body_len, &why))
		return 0;
	meaning(&p);
	n = rebuild(&p, out, sizeof(out));
	if (n != (long)size || memcmp(out, data, size))
		fail("a parsed frame does not build to the same bytes", NULL);
	if (rebuild(&p, out, size - 1) != -1)
		fail("built into less room than it needs", NULL);
	return 0;
}
