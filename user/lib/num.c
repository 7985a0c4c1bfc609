// SPDX-License-Identifier: GPL-2.0
#include "num.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_digit_in_base(char c, int base)
{
	if (c >= '0' && c <= '9')
		return 1;
	return base == 16 && c && strchr("abcdefABCDEF", c) != NULL;
}

int parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	int base = 10;
	unsigned long long v;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoull would accept leading blanks and a sign: refuse both. */
	if (!is_digit_in_base(*s, base))
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}
