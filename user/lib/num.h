/* SPDX-License-Identifier: GPL-2.0 */
/* Strict number parsing shared by dmvpnctl and the iproute2 plugin. */
#ifndef DMVPN_NUM_H
#define DMVPN_NUM_H

#include <stdint.h>

/*
 * Decimal or 0x-prefixed hex, no sign, no blanks, no junk, at most @max.
 * Octal is not accepted: "010" is ten, as a network engineer expects.
 */
int parse_uint(const char *s, uint32_t max, uint32_t *out);

static inline int parse_u32(const char *s, uint32_t *out)
{
	return parse_uint(s, UINT32_MAX, out);
}

#endif
