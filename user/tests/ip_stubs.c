// SPDX-License-Identifier: GPL-2.0
#include "ip_stubs.h"

#include <stdio.h>
#include <string.h>

#include "ip/iproute2.h"

bool stub_json;
struct sbuf stub_out = SBUF_INIT;

bool is_json_context(void)
{
	return stub_json;
}

/* The same test ip's json_print.c makes for each kind of output. */
static bool printed(enum output_type t)
{
	if (stub_json)
		return t & (PRINT_JSON | PRINT_ANY);
	return t & (PRINT_FP | PRINT_ANY);
}

int print_color_string(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, const char *value)
{
	(void)color;
	if (!printed(t))
		return 0;
	if (stub_json)
		sbuf_printf(&stub_out, "\"%s\":\"%s\",", key, value);
	else
		sbuf_printf(&stub_out, fmt, value);
	return 0;
}

int print_color_uint(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value)
{
	(void)color;
	if (!printed(t))
		return 0;
	if (stub_json)
		sbuf_printf(&stub_out, "\"%s\":%u,", key, value);
	else
		sbuf_printf(&stub_out, fmt, value);
	return 0;
}

int print_color_bool(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, bool value)
{
	(void)color;
	if (!printed(t))
		return 0;
	if (stub_json)
		sbuf_printf(&stub_out, "\"%s\":%s,", key, value ? "true" : "false");
	else
		sbuf_printf(&stub_out, fmt, value ? "true" : "false");
	return 0;
}

const char *ll_index_to_name(unsigned int idx)
{
	static char name[16];

	if (idx == 1)
		return "lo";
	snprintf(name, sizeof(name), "if%u", idx);
	return name;
}

/* As ip's lib/libnetlink.c behaves: append, or fail past @maxlen. */
int addattr_l(struct nlmsghdr *n, int maxlen, int type, const void *data,
	      int alen)
{
	unsigned int len = RTA_LENGTH((unsigned int)alen);
	struct rtattr *rta;

	if (NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(len) > (unsigned int)maxlen)
		return -1;
	rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)len;
	if (alen)
		memcpy(RTA_DATA(rta), data, (size_t)alen);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(len);
	return 0;
}
