/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmvpnd's per-device configuration, /etc/dmvpn/<device>.conf.
 *
 * Line oriented: one directive per line, words separated by blanks, '#'
 * starts a comment.  A directive given twice where only one makes sense is
 * an error, as is anything unknown; every error names file:line and what
 * was expected there.
 *
 *   role hub|spoke                      required
 *   protocol-address A.B.C.D/N          this host's tunnel address
 *                                       (default: the device's own)
 *   nhs PROTO nbma ADDR|NAME [priority N] [multicast]
 *                                       spoke: a hub to register with;
 *                                       several allowed, lowest priority
 *                                       number first (default 0)
 *   nhs dynamic nbma ADDR|NAME ...      the hub's tunnel address is learnt
 *                                       from its registration reply
 *   holdtime SECONDS                    1..65535, default 7200 (Cisco's)
 *   network-id N                        1..4294967295, required
 *   auth SECRET                         Cisco cleartext, 1..8 bytes
 *   shortcut on|off                     spoke: resolve on misses and
 *                                       traffic indications (default on)
 *   redirect on|off                     hub: send traffic indications
 *                                       (default on for a hub)
 *   map PROTO[/N] nbma ADDR [multicast] a static entry
 *   multicast dynamic                   hub: registered spokes get
 *                                       multicast copies
 *   multicast nbma ADDR                 also send multicast to ADDR
 *                                       (parsed; cfg_load() refuses it
 *                                       until the agent can do it)
 *   group NAME                          spoke: NHRP group sent with the
 *                                       registration (QoS on the hub)
 *   qos-group NAME [priority N] [mark N]  hub: what a group maps to
 *   registration-timeout SECONDS        spoke: interval of registrations
 *                                       with an NHS that answers (IOS
 *                                       "ip nhrp registration timeout";
 *                                       default 5, at most a third of
 *                                       the holding time granted)
 *   registration-retry SECONDS          spoke: interval of requests to an
 *                                       NHS that does not answer, also
 *                                       while it is down (default 1)
 *   unique on|off                       spoke: register with the unique
 *                                       flag (default on)
 *   link OPTION...                      the device's link options, as for
 *                                       "ip link add DEV type dmvpn":
 *                                       dmvpnd creates the device with
 *                                       them when it is missing, and sets
 *                                       them when it is there
 *   address A.B.C.D/N | X:X::X/N        with "link": an address dmvpnd
 *                                       gives the device; several allowed
 *   ipsec profile NAME                  protect every tunnel with IPsec:
 *                                       NAME is a connection in charon's
 *                                       swanctl.conf, the template of
 *                                       every peer's SA (see ipsec.c)
 *   ipsec vici PATH                     charon's VICI socket (default
 *                                       /var/run/charon.vici)
 *   ipsec swanctl PATH                  the swanctl.conf that holds the
 *                                       profile (default
 *                                       /etc/swanctl/swanctl.conf): each
 *                                       copy is built from it
 */
#ifndef DMVPND_CONFIG_H
#define DMVPND_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "errmsg.h"
#include "link_opts.h"

#define CFG_NAME_MAX		64	/* DNS names, group names */
#define CFG_AUTH_MAX		8
#define CFG_PATH_MAX		108	/* sun_path */
#define CFG_VICI_DEFAULT	"/var/run/charon.vici"
#define CFG_SWANCTL_DEFAULT	"/etc/swanctl/swanctl.conf"
#define CFG_SWANCTL_MAX		256

enum cfg_role {
	CFG_ROLE_NONE,
	CFG_ROLE_HUB,
	CFG_ROLE_SPOKE,
};

/* An overlay address or prefix, IPv4 or IPv6, network order. */
struct cfg_prefix {
	uint8_t family;		/* AF_INET or AF_INET6; 0 = not set */
	uint8_t len;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} addr;
};

struct cfg_nhs {
	bool dynamic;			/* protocol address learnt */
	struct cfg_prefix proto;	/* host address unless dynamic */
	char nbma_name[CFG_NAME_MAX];	/* as written: address or DNS name */
	unsigned int priority;
	bool multicast;
	unsigned int line;
};

struct cfg_map {
	struct cfg_prefix proto;
	struct in_addr nbma;
	bool multicast;
	unsigned int line;
};

struct cfg_qos_group {
	char name[CFG_NAME_MAX];
	uint32_t priority;
	uint32_t mark;
	unsigned int line;
};

struct cfg {
	char ifname[IF_NAMESIZE];
	char path[256];
	enum cfg_role role;
	struct cfg_prefix protocol_address;	/* family 0: the device's */
	uint32_t holdtime;
	uint32_t network_id;
	bool has_auth;
	/* The file holding the secret can be read or written by users
	 * other than its owner (cfg_load: mode & 077); the agent warns. */
	bool auth_file_exposed;
	uint8_t auth_len;
	uint8_t auth[CFG_AUTH_MAX];
	bool shortcut;
	bool redirect;
	bool multicast_dynamic;
	bool unique;
	uint32_t registration_timeout;
	uint32_t registration_retry;
	char group[CFG_NAME_MAX];		/* "" = none */
	char ipsec_profile[CFG_NAME_MAX];	/* "" = no IPsec */
	unsigned int ipsec_line;		/* where it was given */
	char vici_path[CFG_PATH_MAX];
	char swanctl_path[CFG_SWANCTL_MAX];

	struct cfg_nhs *nhs;		/* sorted by priority, stable */
	unsigned int nhs_count;
	struct cfg_map *maps;
	unsigned int map_count;
	struct in_addr *mcast_nbma;
	unsigned int mcast_nbma_count;
	struct cfg_qos_group *qos_groups;
	unsigned int qos_group_count;
	unsigned int mcast_nbma_line;		/* the first one, 0 = none */

	/* "link": dmvpnd makes the device itself, as wg-quick does. */
	bool has_link;
	struct dmvpn_link_opts link;
	struct cfg_prefix *addresses;
	unsigned int address_count;

	/*
	 * What parses but cannot work as written ("path:line: why"): a
	 * directive its role ignores.  The agent logs them and --check
	 * prints them; none stops a start.
	 */
	struct errmsg *warnings;
	unsigned int warning_count;
};

/*
 * Parse @text (the contents of @path, NUL terminated) into @cfg for device
 * @ifname.  On error returns -1 with "path:line: reason" in @err and @cfg
 * freed.  Checks across lines too: a spoke needs at least one nhs, a hub
 * may not have "group", network-id is required.
 */
int cfg_parse(const char *path, const char *text, const char *ifname,
	      struct cfg *cfg, struct errmsg *err);

/*
 * Read @path and cfg_parse() it, then refuse with cfg_supported() what the
 * agent cannot do: start, reload and --check all come through here, so
 * they accept and refuse the same files.
 */
int cfg_load(const char *path, const char *ifname, struct cfg *cfg,
	     struct errmsg *err);

/* 0, or -1 with "path:line: why" when @cfg asks for what dmvpnd lacks. */
int cfg_supported(const struct cfg *cfg, struct errmsg *err);

void cfg_free(struct cfg *cfg);

/* The QoS group called @name, or NULL. */
const struct cfg_qos_group *cfg_find_qos_group(const struct cfg *cfg,
					       const char *name);

#endif
