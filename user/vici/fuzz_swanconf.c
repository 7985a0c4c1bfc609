// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the swanctl.conf reader (make -C user
 * fuzz-swanconf).
 *
 * Any input, taken as swanctl.conf: parsing must not read out of bounds
 * or crash and must say why (FILE:LINE) when it refuses.  Each include
 * statement reads the input again, up to a depth, into the section where
 * it stands.  When connection "dmvpn" is there, its load-conn body must
 * build into a message the VICI reader takes, or fail with a reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swanconf.h"

static const uint8_t *input;
static size_t input_len;
static unsigned int depth;

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_swanconf: %s%s%s\n", what, why ? ": " : "",
		why ? why : "");
	abort();
}

static int include(void *arg, struct swconf *c, const char *file,
		   const char *pattern)
{
	int ret;

	(void)arg;
	(void)file;
	if (!pattern[0])
		fail("an include without a pattern", NULL);
	if (depth == 3)
		return 0;
	depth++;
	ret = swconf_parse(c, "inc.conf", (const char *)input, input_len,
			   include, NULL);
	depth--;
	return ret;
}

static int file_item(void *arg, const char *key, const char *entry,
		     struct vici_builder *b, char *err, size_t err_size)
{
	(void)arg;
	(void)key;
	if (!entry[0] || strpbrk(entry, ", ")) {
		snprintf(err, err_size, "a list entry not split");
		return -1;
	}
	vici_item_str(b, entry);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct swconf c;
	static uint8_t out[64 * 1024];
	const struct swconf_vici_ops ops = { .file_item = file_item };
	struct vici_builder b;
	struct vici_packet p;
	const char *why = NULL;
	uint32_t ike, child;
	long n;

	input = data;
	input_len = size;
	depth = 0;
	swconf_init(&c);
	if (swconf_parse(&c, "f.conf", (const char *)data, size, include,
			 NULL)) {
		if (!c.error[0] || !strchr(c.error, ':'))
			fail("a file refused without FILE:LINE and a reason",
			     c.error);
		return 0;
	}
	/* Whatever the file says, our rekey never comes after charon's. */
	if (!swconf_rekey_bounds(&c, "dmvpn", "gre", &ike, &child) &&
	    ((child && swconf_rekey_delay_ms(child, 0, ike) >
		       (uint64_t)child * 1000) ||
	     (ike && swconf_rekey_delay_ms(ike, 0, child) >
		     (uint64_t)ike * 1000)))
		fail("a rekey planned past charon's own", NULL);
	/* The copies' policies rank one below this (ipsec.c): any file. */
	(void)swconf_child_priority(&c, "dmvpn", "gre");
	vici_begin(&b, out, sizeof(out), VICI_CMD_REQUEST, "load-conn");
	if (swconf_conn_to_vici(&c, "dmvpn", "copy", &ops, &b)) {
		if (!c.error[0])
			fail("a connection refused without a reason", NULL);
		return 0;
	}
	n = vici_finish(&b);
	if (n < 0)
		fail("built without an error, finished with one", b.error);
	if (vici_packet_parse(out, (size_t)n, &p, &why) ||
	    vici_validate(p.body, p.body_len, &why))
		fail("a built load-conn does not read back", why);
	return 0;
}
