// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the NHRP codec (make -C user fuzz).
 *
 * Any input: nhrp_parse() must not read out of bounds or crash, and must
 * give a reason and an offset inside the input when it refuses.  An input
 * that parses must build again, the result must parse to the same message,
 * building that message must give the same bytes, and building into one
 * byte less room must fail.  nhrp_describe() (the agent's debug log of
 * every packet, even a stranger's) must stay inside its buffer and end it
 * with a NUL, however small the buffer.
 *
 * Each input is tried as it is and, since a mutation almost always breaks
 * the checksum, again with ar$chksum made right, so that the fuzzer gets
 * past the fixed header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nhrp.h"
#include "nhrp_equal.h"

#define MAX_PACKET 65536

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_nhrp: %s%s%s\n", what, why ? ": " : "",
		why ? why : "");
	abort();
}

/* A small heap buffer, so that ASan sees a write past its end. */
static void describe(const struct nhrp_msg *m)
{
	static const size_t sizes[] = { 1, 5, 64, 1024, 8192 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *buf = malloc(sizes[i]);
		size_t n;

		if (!buf)
			return;
		n = nhrp_describe(m, buf, sizes[i]);
		if (n >= sizes[i] || buf[n] != '\0' || strlen(buf) != n)
			fail("nhrp_describe: length or NUL wrong", NULL);
		free(buf);
	}
}

static void check_one(const uint8_t *data, size_t size)
{
	static uint8_t out1[MAX_PACKET], out2[MAX_PACKET];
	static struct nhrp_msg m1, m2;
	struct nhrp_parse_error err;
	const char *why = NULL;
	uint8_t *short_buf;
	int n1, n2;

	if (nhrp_parse(data, size, &m1, &err)) {
		if (!err.reason)
			fail("refused without a reason", NULL);
		if (err.offset > size)
			fail("refused at an offset past the input", err.reason);
		return;
	}

	describe(&m1);

	n1 = nhrp_build(&m1, out1, sizeof(out1), &why);
	if (n1 < 0)
		fail("a parsed message does not build", why);
	if ((size_t)n1 > size)
		fail("the rebuilt packet is longer than the input", NULL);
	if (nhrp_parse(out1, (size_t)n1, &m2, &err))
		fail("a built packet does not parse", err.reason);
	if (!nhrp_msg_equal(&m1, &m2))
		fail("parse(build(m)) != m", NULL);

	n2 = nhrp_build(&m2, out2, sizeof(out2), &why);
	if (n2 != n1 || memcmp(out1, out2, (size_t)n1))
		fail("build is not stable", why);

	/* One byte short: refused, and nothing written past the end. */
	short_buf = malloc((size_t)n1 - 1);
	if (!short_buf)
		return;
	if (nhrp_build(&m1, short_buf, (size_t)n1 - 1, &why) != -1)
		fail("build into a short buffer succeeded", NULL);
	free(short_buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;
	size_t pktsz;
	uint16_t sum;

	check_one(data, size);

	if (size < NHRP_FIXED_HDR_LEN)
		return 0;
	pktsz = (size_t)data[10] << 8 | data[11];
	if (pktsz > size || pktsz < NHRP_FIXED_HDR_LEN)
		return 0;
	/* An exact copy, so that ASan sees reads past the end. */
	fixed = malloc(size);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	fixed[12] = fixed[13] = 0;
	sum = nhrp_checksum(fixed, pktsz);
	fixed[12] = sum >> 8;
	fixed[13] = sum & 0xff;
	check_one(fixed, size);
	free(fixed);
	return 0;
}
