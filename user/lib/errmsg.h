/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fixed-size error message.  Pure functions report what went wrong here
 * instead of printing, so callers decide where the text goes and tests can
 * check it.
 */
#ifndef DMVPN_ERRMSG_H
#define DMVPN_ERRMSG_H

#include <stdio.h>

struct errmsg {
	char text[256];
};

#define errmsg_set(e, ...) \
	((void)snprintf((e)->text, sizeof((e)->text), __VA_ARGS__))

#endif
