/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of iproute2's internal ABI a link plugin depends on.  iproute2
 * installs no headers, so these are declared here from its sources.  The
 * layout of struct link_util, enum output_type and enum color_attr is the
 * same in every release from v5.10.0 to v6.19.0 (checked against the tags);
 * Debian bookworm ships v6.1.0.
 *
 * Only functions that /usr/bin/ip exports as dynamic symbols may be used:
 * `nm -D --defined-only /usr/bin/ip`.  print_string(), print_uint() and the
 * rta_getattr_*() helpers are static inline in iproute2's headers and do not
 * exist at run time.
 */
#ifndef DMVPN_IPROUTE2_H
#define DMVPN_IPROUTE2_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdio.h>

/* ip/ip_common.h */
struct link_util {
	struct link_util	*next;	/* written by ip: the object is not const */
	const char		*id;
	int			maxattr;
	int			(*parse_opt)(struct link_util *, int, char **,
					     struct nlmsghdr *);
	void			(*print_opt)(struct link_util *, FILE *,
					     struct rtattr *[]);
	void			(*print_xstats)(struct link_util *, FILE *,
						struct rtattr *);
	void			(*print_help)(struct link_util *, int, char **,
					      FILE *);
	int			(*parse_ifla_xstats)(struct link_util *,
						     int, char **);
	int			(*print_ifla_xstats)(struct nlmsghdr *, void *);
};

/*
 * ip builds RTM_NEWLINK in a struct iplink_req whose attribute space is 1024
 * bytes; parse_opt is not told the size, so plugins pass this bound.
 */
#define IPLINK_REQ_ATTR_SPACE 1024

/* include/json_print.h */
enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 4,
};

/* include/color.h */
enum color_attr {
	COLOR_IFNAME,
	COLOR_MAC,
	COLOR_INET,
	COLOR_INET6,
	COLOR_OPERSTATE_UP,
	COLOR_OPERSTATE_DOWN,
	COLOR_NONE
};

/* Exported by the ip binary. */
int addattr_l(struct nlmsghdr *n, int maxlen, int type, const void *data,
	      int alen);
bool is_json_context(void);
int print_color_string(enum output_type type, enum color_attr color,
		       const char *key, const char *fmt, const char *value);
int print_color_uint(enum output_type type, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value);
int print_color_bool(enum output_type type, enum color_attr color,
		     const char *key, const char *fmt, bool value);
const char *ll_index_to_name(unsigned int idx);

#endif
