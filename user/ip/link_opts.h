/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Options of "ip link { add | set } ... type dmvpn": parsed without I/O into
 * the IFLA_DMVPN_* attributes to send.  Only the options given are sent:
 * on a new link the kernel fills in its defaults, on an existing one it
 * keeps what is there (kmod/uapi/dmvpn.h).
 */
#ifndef DMVPN_LINK_OPTS_H
#define DMVPN_LINK_OPTS_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dmvpn.h"

struct dmvpn_link_opts {
	uint32_t present;		/* 1 << IFLA_DMVPN_x for each to send */
	uint32_t value[IFLA_DMVPN_MAX + 1];	/* LOCAL in network order */
	char link_name[IF_NAMESIZE];	/* "dev": resolved by the caller */
};

enum dmvpn_link_parse_result {
	DMVPN_LINK_OK,
	DMVPN_LINK_HELP,		/* "help": show the usage */
	DMVPN_LINK_UNKNOWN,		/* not an option: message and usage */
	DMVPN_LINK_INVALID,		/* a bad or missing value: message */
};

struct dmvpn_link_error {
	char text[256];
};

enum dmvpn_link_parse_result
dmvpn_link_parse(int argc, char **argv, struct dmvpn_link_opts *opts,
		 struct dmvpn_link_error *err);

static inline int dmvpn_link_has(const struct dmvpn_link_opts *opts, int attr)
{
	return (opts->present >> attr) & 1;
}

/* Size on the wire of each IFLA_DMVPN_* attribute: 1 or 4 bytes. */
size_t dmvpn_link_attr_size(int attr);

void dmvpn_link_usage(FILE *f);

#endif
