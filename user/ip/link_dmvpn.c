// SPDX-License-Identifier: GPL-2.0
/*
 * iproute2 link plugin for kind "dmvpn": ip dlopen()s link_dmvpn.so from
 * its library directory and uses the struct link_util named dmvpn_link_util.
 *
 * Everything but that symbol is hidden (-fvisibility=hidden), so that no
 * function here is interposed by a namesake in ip, and calls into ip go
 * only to the functions declared in iproute2.h.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include "dmvpn.h"
#include "iproute2.h"
#include "link_opts.h"

/* ---- ip link add/set ---- */

static int resolve_link(struct dmvpn_link_opts *opts)
{
	unsigned int ifindex;

	if (!dmvpn_link_has(opts, IFLA_DMVPN_LINK))
		return 0;
	ifindex = if_nametoindex(opts->link_name);
	if (!ifindex) {
		fprintf(stderr, "Cannot find device \"%s\"\n", opts->link_name);
		return -1;
	}
	opts->value[IFLA_DMVPN_LINK] = ifindex;
	return 0;
}

static int add_attrs(struct nlmsghdr *n, const struct dmvpn_link_opts *opts)
{
	int attr;

	for (attr = 1; attr <= IFLA_DMVPN_MAX; attr++) {
		uint32_t v32 = opts->value[attr];
		uint8_t v8 = (uint8_t)v32;
		size_t size = dmvpn_link_attr_size(attr);

		if (!dmvpn_link_has(opts, attr))
			continue;
		if (addattr_l(n, IPLINK_REQ_ATTR_SPACE, attr,
			      size == 1 ? (const void *)&v8 : (const void *)&v32,
			      (int)size))
			return -1;
	}
	return 0;
}

static void dmvpn_print_help(struct link_util *lu, int argc, char **argv,
			     FILE *f)
{
	(void)lu;
	(void)argc;
	(void)argv;
	dmvpn_link_usage(f);
}

static int dmvpn_parse_opt(struct link_util *lu, int argc, char **argv,
			   struct nlmsghdr *n)
{
	struct dmvpn_link_opts opts;
	struct dmvpn_link_error err;

	switch (dmvpn_link_parse(argc, argv, &opts, &err)) {
	case DMVPN_LINK_OK:
		break;
	case DMVPN_LINK_HELP:
		dmvpn_print_help(lu, argc, argv, stderr);
		return -1;
	case DMVPN_LINK_UNKNOWN:
		fprintf(stderr, "%s\n", err.text);
		dmvpn_print_help(lu, argc, argv, stderr);
		return -1;
	default:
		fprintf(stderr, "%s\n", err.text);
		return -1;
	}
	if (resolve_link(&opts))
		return -1;
	return add_attrs(n, &opts);
}

/* ---- ip -d link show ---- */

/* The attribute's value if it is there and long enough. */
static bool get_attr(struct rtattr *tb[], int attr, uint32_t *out)
{
	struct rtattr *rta = tb[attr];
	size_t size = dmvpn_link_attr_size(attr);

	if (!rta || RTA_PAYLOAD(rta) < size)
		return false;
	if (size == 1)
		*out = *(const uint8_t *)RTA_DATA(rta);
	else
		memcpy(out, RTA_DATA(rta), sizeof(*out));
	return true;
}

static void print_local(struct rtattr *tb[])
{
	char text[INET_ADDRSTRLEN] = "any";
	uint32_t local = 0;

	if (get_attr(tb, IFLA_DMVPN_LOCAL, &local) && local)
		inet_ntop(AF_INET, &local, text, sizeof(text));
	print_color_string(PRINT_ANY, COLOR_NONE, "local", "local %s ", text);
}

static void print_link(struct rtattr *tb[])
{
	uint32_t ifindex;

	if (get_attr(tb, IFLA_DMVPN_LINK, &ifindex) && ifindex)
		print_color_string(PRINT_ANY, COLOR_NONE, "link", "dev %s ",
				   ll_index_to_name(ifindex));
}

static void print_key(struct rtattr *tb[])
{
	uint32_t on, key;

	if (get_attr(tb, IFLA_DMVPN_KEY_ON, &on) && on &&
	    get_attr(tb, IFLA_DMVPN_KEY, &key))
		print_color_uint(PRINT_ANY, COLOR_NONE, "key", "key %u ", key);
}

/* JSON keeps ttl a number, 0 meaning inherit, as ip's gre does. */
static void print_ttl(struct rtattr *tb[])
{
	uint32_t ttl;

	if (!get_attr(tb, IFLA_DMVPN_TTL, &ttl))
		return;
	if (ttl || is_json_context())
		print_color_uint(PRINT_ANY, COLOR_NONE, "ttl", "ttl %u ", ttl);
	else
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "ttl %s ",
				   "inherit");
}

/* The default TOS 0 is left out of the text, not of the JSON. */
static void print_tos(struct rtattr *tb[])
{
	char text[8] = "inherit";
	uint32_t tos;

	if (!get_attr(tb, IFLA_DMVPN_TOS, &tos))
		return;
	if (tos != DMVPN_TOS_INHERIT)
		snprintf(text, sizeof(text), "0x%x", tos);
	print_color_string(PRINT_JSON, COLOR_NONE, "tos", NULL, text);
	if (tos)
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "tos %s ", text);
}

/*
 * A boolean: always in JSON; in the text @on_word or @off_word, either of
 * which may be NULL to say nothing in that state.
 */
static void print_switch(struct rtattr *tb[], int attr, const char *key,
			 const char *on_word, const char *off_word)
{
	const char *word;
	uint32_t value;

	if (!get_attr(tb, attr, &value))
		return;
	print_color_bool(PRINT_JSON, COLOR_NONE, key, NULL, value);
	word = value ? on_word : off_word;
	if (word)
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s ", word);
}

static void print_fwmark(struct rtattr *tb[])
{
	uint32_t mark;

	if (!get_attr(tb, IFLA_DMVPN_FWMARK, &mark))
		return;
	print_color_uint(PRINT_JSON, COLOR_NONE, "fwmark", NULL, mark);
	if (mark)
		print_color_uint(PRINT_FP, COLOR_NONE, NULL, "fwmark %#x ", mark);
}

static void print_max_entries(struct rtattr *tb[])
{
	uint32_t max;

	if (get_attr(tb, IFLA_DMVPN_MAX_ENTRIES, &max))
		print_color_uint(PRINT_ANY, COLOR_NONE, "max_entries",
				 "max-entries %u ", max);
}

static void dmvpn_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	(void)lu;
	(void)f;	/* ip's print functions write to stdout */
	if (!tb)
		return;
	print_local(tb);
	print_link(tb);
	print_key(tb);
	print_ttl(tb);
	print_tos(tb);
	print_switch(tb, IFLA_DMVPN_PMTUDISC, "pmtudisc", "pmtudisc",
		     "nopmtudisc");
	print_switch(tb, IFLA_DMVPN_CSUM, "csum", "csum", NULL);
	print_fwmark(tb);
	print_switch(tb, IFLA_DMVPN_REDIRECT, "redirect", "redirect", NULL);
	print_switch(tb, IFLA_DMVPN_REQUIRE_IPSEC, "require_ipsec",
		     "require-ipsec", NULL);
	print_max_entries(tb);
}

__attribute__((visibility("default")))
struct link_util dmvpn_link_util = {
	.id		= "dmvpn",
	.maxattr	= IFLA_DMVPN_MAX,
	.parse_opt	= dmvpn_parse_opt,
	.print_opt	= dmvpn_print_opt,
	.print_help	= dmvpn_print_help,
};
