// SPDX-License-Identifier: GPL-2.0
#include "link_opts.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/num.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- values ---- */

static int parse_local(const char *arg, uint32_t *out)
{
	struct in_addr a;

	if (!strcmp(arg, "any")) {
		*out = 0;
		return 0;
	}
	if (inet_pton(AF_INET, arg, &a) != 1)
		return -1;
	*out = a.s_addr;
	return 0;
}

/* A dotted quad is the key's four bytes in order, as ip's gre reads it. */
static int parse_key(const char *arg, uint32_t *out)
{
	struct in_addr a;

	if (!strchr(arg, '.'))
		return parse_u32(arg, out);
	if (inet_pton(AF_INET, arg, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int parse_ttl(const char *arg, uint32_t *out)
{
	if (!strcmp(arg, "inherit")) {
		*out = 0;
		return 0;
	}
	return parse_uint(arg, 255, out) || *out == 0 ? -1 : 0;
}

/* Like ip, a TOS is hexadecimal with or without its "0x". */
static int parse_tos(const char *arg, uint32_t *out)
{
	const char *digits = arg;

	if (!strcmp(arg, "inherit")) {
		*out = DMVPN_TOS_INHERIT;
		return 0;
	}
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits += 2;
	if (!*digits || strlen(digits) > 2 ||
	    strspn(digits, "0123456789abcdefABCDEF") != strlen(digits))
		return -1;
	*out = (uint32_t)strtoul(digits, NULL, 16);
	return 0;
}

static int parse_max_entries(const char *arg, uint32_t *out)
{
	return parse_u32(arg, out) || *out == 0 ? -1 : 0;
}

/* ---- options ---- */

struct link_option {
	const char *name;
	int attr;
	/* NULL for a word without a value, which sets @flag_value. */
	int (*parse)(const char *arg, uint32_t *out);
	uint32_t flag_value;
	const char *expected;	/* what @parse accepts, for messages */
};

static const struct link_option options[] = {
	{ "local", IFLA_DMVPN_LOCAL, parse_local, 0,
	  "an IPv4 address or \"any\"" },
	{ "dev", IFLA_DMVPN_LINK, NULL, 0, "an interface name" },
	{ "key", IFLA_DMVPN_KEY, parse_key, 0,
	  "a number or a dotted quad" },
	{ "nokey", IFLA_DMVPN_KEY_ON, NULL, 0, NULL },
	{ "ttl", IFLA_DMVPN_TTL, parse_ttl, 0, "1..255 or \"inherit\"" },
	{ "tos", IFLA_DMVPN_TOS, parse_tos, 0,
	  "hexadecimal 0..ff or \"inherit\"" },
	{ "csum", IFLA_DMVPN_CSUM, NULL, 1, NULL },
	{ "nocsum", IFLA_DMVPN_CSUM, NULL, 0, NULL },
	{ "pmtudisc", IFLA_DMVPN_PMTUDISC, NULL, 1, NULL },
	{ "nopmtudisc", IFLA_DMVPN_PMTUDISC, NULL, 0, NULL },
	{ "fwmark", IFLA_DMVPN_FWMARK, parse_u32, 0, "0..0xffffffff" },
	{ "redirect", IFLA_DMVPN_REDIRECT, NULL, 1, NULL },
	{ "noredirect", IFLA_DMVPN_REDIRECT, NULL, 0, NULL },
	{ "require-ipsec", IFLA_DMVPN_REQUIRE_IPSEC, NULL, 1, NULL },
	{ "norequire-ipsec", IFLA_DMVPN_REQUIRE_IPSEC, NULL, 0, NULL },
	{ "max-entries", IFLA_DMVPN_MAX_ENTRIES, parse_max_entries, 0,
	  "1..4294967295" },
};

/* "dev" is the one option whose value is a name, resolved by the caller. */
static bool takes_value(const struct link_option *opt)
{
	return opt->parse || opt->attr == IFLA_DMVPN_LINK;
}

static const struct link_option *find_option(const char *word)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (!strcmp(options[i].name, word))
			return &options[i];
	return NULL;
}

static void set_attr(struct dmvpn_link_opts *opts, int attr, uint32_t value)
{
	opts->present |= 1U << attr;
	opts->value[attr] = value;
}

/* The error text follows ip's invarg() so that it reads like ip's own. */
static enum dmvpn_link_parse_result
invalid(struct dmvpn_link_error *err, const struct link_option *opt,
	const char *arg)
{
	snprintf(err->text, sizeof(err->text),
		 "Error: argument \"%s\" is wrong: \"%s\" must be %s",
		 arg, opt->name, opt->expected);
	return DMVPN_LINK_INVALID;
}

static enum dmvpn_link_parse_result
apply_value(struct dmvpn_link_opts *opts, const struct link_option *opt,
	    const char *arg, struct dmvpn_link_error *err)
{
	uint32_t value;

	if (opt->attr == IFLA_DMVPN_LINK) {
		if (!*arg || strlen(arg) >= sizeof(opts->link_name))
			return invalid(err, opt, arg);
		strcpy(opts->link_name, arg);
		set_attr(opts, IFLA_DMVPN_LINK, 0);
		return DMVPN_LINK_OK;
	}
	if (opt->parse(arg, &value))
		return invalid(err, opt, arg);
	set_attr(opts, opt->attr, value);
	/* A key is only checked and sent when it is switched on. */
	if (opt->attr == IFLA_DMVPN_KEY)
		set_attr(opts, IFLA_DMVPN_KEY_ON, 1);
	return DMVPN_LINK_OK;
}

enum dmvpn_link_parse_result
dmvpn_link_parse(int argc, char **argv, struct dmvpn_link_opts *opts,
		 struct dmvpn_link_error *err)
{
	enum dmvpn_link_parse_result ret;

	memset(opts, 0, sizeof(*opts));
	err->text[0] = '\0';
	for (; argc > 0; argc--, argv++) {
		const struct link_option *opt;

		if (!strcmp(*argv, "help"))
			return DMVPN_LINK_HELP;
		opt = find_option(*argv);
		if (!opt) {
			snprintf(err->text, sizeof(err->text),
				 "Error: unknown option \"%s\" for type dmvpn",
				 *argv);
			return DMVPN_LINK_UNKNOWN;
		}
		if (!takes_value(opt)) {
			set_attr(opts, opt->attr, opt->flag_value);
			continue;
		}
		if (argc < 2) {
			snprintf(err->text, sizeof(err->text),
				 "Error: \"%s\" needs a value: %s",
				 opt->name, opt->expected);
			return DMVPN_LINK_INVALID;
		}
		argc--;
		argv++;
		ret = apply_value(opts, opt, *argv, err);
		if (ret != DMVPN_LINK_OK)
			return ret;
	}
	return DMVPN_LINK_OK;
}

size_t dmvpn_link_attr_size(int attr)
{
	switch (attr) {
	case IFLA_DMVPN_LOCAL:
	case IFLA_DMVPN_LINK:
	case IFLA_DMVPN_KEY:
	case IFLA_DMVPN_FWMARK:
	case IFLA_DMVPN_MAX_ENTRIES:
		return 4;
	default:
		return 1;
	}
}

void dmvpn_link_usage(FILE *f)
{
	fprintf(f,
		"Usage: ... dmvpn [ local ADDR ]\n"
		"                 [ dev PHYS_DEV ]\n"
		"                 [ key KEY | nokey ]\n"
		"                 [ ttl TTL ]\n"
		"                 [ tos TOS ]\n"
		"                 [ [no]csum ]\n"
		"                 [ [no]pmtudisc ]\n"
		"                 [ fwmark MARK ]\n"
		"                 [ [no]redirect ]\n"
		"                 [ [no]require-ipsec ]\n"
		"                 [ max-entries NUMBER ]\n"
		"\n"
		"Where: ADDR   := { IPV4_ADDRESS | any }   local NBMA address\n"
		"       KEY    := { DOTTED_QUAD | NUMBER }\n"
		"       TTL    := { 1..255 | inherit }     default %d\n"
		"       TOS    := { 0x0..0xff | inherit }  default 0\n"
		"       MARK   := { 0x0..0xffffffff }\n"
		"       NUMBER := { 1..4294967295 }        default %d\n",
		DMVPN_DEFAULT_TTL, DMVPN_DEFAULT_MAX_ENTRIES);
}
