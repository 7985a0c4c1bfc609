/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-ins for the functions the plugin takes from the ip binary.  Text
 * output is formatted as ip would print it; JSON output is recorded as
 * "key":value, pairs so that tests can compare it as a string.
 */
#ifndef DMVPN_IP_STUBS_H
#define DMVPN_IP_STUBS_H

#include <stdbool.h>

#include "lib/sbuf.h"

extern bool stub_json;		/* what is_json_context() answers */
extern struct sbuf stub_out;	/* everything "printed" */

#endif
