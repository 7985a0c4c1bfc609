// SPDX-License-Identifier: GPL-2.0
/* What charon's VICI messages mean to dmvpnd (see vici_charon.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vici_charon.h"

/* ---- the profile, from list-conn ---- */

static void template_key(struct vici_profile *t, unsigned int depth,
			 char sec[][VICI_NAME_MAX + 1], const char *key,
			 const char *v)
{
	if (depth == 1) {
		if (!strcmp(key, "version"))
			snprintf(t->version, sizeof(t->version), "%s",
				 !strcmp(v, "IKEv1") ? "1" :
				 !strcmp(v, "IKEv2") ? "2" : "0");
		else if (!strcmp(key, "rekey_time"))
			snprintf(t->rekey_time, sizeof(t->rekey_time), "%s", v);
		else if (!strcmp(key, "reauth_time"))
			snprintf(t->reauth_time, sizeof(t->reauth_time), "%s",
				 v);
		else if (!strcmp(key, "dpd_delay"))
			snprintf(t->dpd_delay, sizeof(t->dpd_delay), "%s", v);
		else if (!strcmp(key, "dpd_timeout"))
			snprintf(t->dpd_timeout, sizeof(t->dpd_timeout), "%s",
				 v);
		return;
	}
	if (depth == 2 && (!strcmp(sec[1], "local-1") ||
			   !strcmp(sec[1], "remote-1"))) {
		bool local = sec[1][0] == 'l';
		char *auth = local ? t->local_auth : t->remote_auth;
		char *id = local ? t->local_id : t->remote_id;

		if (!strcmp(key, "class")) {
			if (!strcmp(v, "pre-shared key"))
				strcpy(auth, "psk");
			else if (!strcmp(v, "public key"))
				strcpy(auth, "pubkey");
			else
				snprintf(t->problem, sizeof(t->problem),
					 "its %s authentication is %.40s, not a pre-shared key or public key",
					 local ? "local" : "remote", v);
		} else if (!strcmp(key, "id")) {
			snprintf(id, sizeof(t->local_id), "%s", v);
		}
		return;
	}
	if (depth == 3 && !strcmp(sec[1], "children") &&
	    !strcmp(sec[2], t->child)) {
		if (!strcmp(key, "mode"))
			t->transport = !strcmp(v, "TRANSPORT");
		else if (!strcmp(key, "rekey_time"))
			snprintf(t->child_rekey_time,
				 sizeof(t->child_rekey_time), "%s", v);
	}
}

static bool ts_is_gre(const char *v)
{
	size_t n = strlen(v);

	return (n > 5 && !strcmp(v + n - 5, "[gre]")) ||
	       (n > 4 && !strcmp(v + n - 4, "[47]"));
}

void vici_profile_parse(const uint8_t *msg, size_t len, const char *name,
			struct vici_profile *t)
{
	char sec[VICI_DEPTH_MAX][VICI_NAME_MAX + 1];
	struct vici_reader r;
	struct vici_elem e;
	char v[256], list[VICI_NAME_MAX + 1] = "";
	int ts_seen = 0, ts_gre = 0;

	vici_reader_init(&r, msg, len);
	while (vici_next(&r, &e) > 0) {
		switch (e.type) {
		case VICI_SECTION_START:
			strcpy(sec[e.depth], e.name);
			if (e.depth == 0) {
				if (strcmp(e.name, name))
					return;
				t->found = true;
			}
			/* The first child is the one we copy. */
			if (e.depth == 2 && !strcmp(sec[1], "children") &&
			    !t->child[0])
				strcpy(t->child, e.name);
			break;
		case VICI_KEY_VALUE:
			if (vici_value_str(&e, v, sizeof(v)))
				template_key(t, e.depth, sec, e.name, v);
			break;
		case VICI_LIST_START:
			strcpy(list, e.name);
			break;
		case VICI_LIST_ITEM:
			if (e.depth == 3 && !strcmp(sec[2], t->child) &&
			    (!strcmp(list, "local-ts") ||
			     !strcmp(list, "remote-ts"))) {
				ts_seen++;
				if (vici_value_str(&e, v, sizeof(v)) &&
				    ts_is_gre(v))
					ts_gre++;
			}
			break;
		}
	}
	t->gre = ts_seen >= 2 && ts_gre == ts_seen;
}


const char *vici_profile_problem(const struct vici_profile *t)
{
	if (!t->found)
		return "charon has no such connection (swanctl --load-conns?)";
	if (t->problem[0])
		return t->problem;
	if (!t->child[0])
		return "it has no CHILD_SA";
	if (!t->transport)
		return "its CHILD_SA is not in transport mode";
	if (!t->gre)
		return "its CHILD_SA is not for GRE (local_ts and remote_ts dynamic[gre])";
	if (!t->local_auth[0] || !t->remote_auth[0])
		return "it has no authentication";
	return NULL;
}

/* ---- SAs, from child-updown, ike-updown, child-rekey, list-sa ---- */

static uint32_t to_u32(const char *s)
{
	return (uint32_t)strtoul(s, NULL, 10);
}

/* A mark or mask, as charon's list_child() prints them ("%.8x"). */
static uint32_t to_hex32(const char *s)
{
	unsigned long n = strtoul(s, NULL, 16);

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* An IKE SPI, as charon writes it: 16 hex digits; 0 if it is not one. */
static uint64_t to_spi(const char *s)
{
	char *end;
	unsigned long long n;

	if (!isxdigit((unsigned char)s[0]))
		return 0;
	errno = 0;
	n = strtoull(s, &end, 16);
	return *end || errno ? 0 : (uint64_t)n;
}

/* An age in seconds: charon's clock may make it negative ("-1"). */
static uint32_t to_age(const char *s)
{
	long long n = strtoll(s, NULL, 10);

	return n < 0 ? 0 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

bool vici_sa_child_fresh(const struct vici_sa *s)
{
	return s->child_age <= 1;
}

void vici_sa_walk(const uint8_t *msg, size_t len,
		  void (*fn)(void *arg, struct vici_sa *s), void *arg)
{
	char sec[VICI_DEPTH_MAX][VICI_NAME_MAX + 1];
	struct vici_reader r;
	struct vici_elem e;
	struct vici_sa s;
	bool up = false, in_ike = false;
	char v[64];

	memset(&s, 0, sizeof(s));
	vici_reader_init(&r, msg, len);
	while (vici_next(&r, &e) > 0) {
		if (e.type == VICI_SECTION_START) {
			strcpy(sec[e.depth], e.name);
			if (e.depth == 0) {
				memset(&s, 0, sizeof(s));
				strcpy(s.ike_name, e.name);
				in_ike = true;
			}
			continue;
		}
		if (e.type == VICI_SECTION_END && e.depth == 0 && in_ike) {
			/* charon names a mask only when it is not all ones. */
			if (s.mark_in && !s.mask_in)
				s.mask_in = UINT32_MAX;
			if (s.mark_out && !s.mask_out)
				s.mask_out = UINT32_MAX;
			s.up = up;
			fn(arg, &s);
			in_ike = false;
			continue;
		}
		if (e.type != VICI_KEY_VALUE || !vici_value_str(&e, v, sizeof(v)))
			continue;
		if (e.depth == 0) {
			if (!strcmp(e.name, "up"))
				up = !strcmp(v, "yes");
			continue;
		}
		if (e.depth == 1) {
			if (!strcmp(e.name, "uniqueid"))
				s.ike_id = to_u32(v);
			else if (!strcmp(e.name, "local-host"))
				inet_pton(AF_INET, v, &s.local);
			else if (!strcmp(e.name, "remote-host"))
				s.have_remote = inet_pton(AF_INET, v,
							  &s.remote) == 1;
			else if (!strcmp(e.name, "initiator"))
				s.ike_initiator = !strcmp(v, "yes");
			else if (!strcmp(e.name, "initiator-spi"))
				s.ike_spi_i = to_spi(v);
			else if (!strcmp(e.name, "established"))
				s.ike_age = to_age(v);
			continue;
		}
		if (strcmp(sec[1], "child-sas"))
			continue;
		/* A child rekeyed: child-sas.NAME.old / .new. */
		if (e.depth == 4 && !strcmp(sec[3], "old")) {
			if (!strcmp(e.name, "uniqueid"))
				s.old_child_id = to_u32(v);
			continue;
		}
		if (e.depth == 4 && strcmp(sec[3], "new"))
			continue;
		if (e.depth != 3 && e.depth != 4)
			continue;
		if (s.child_id && strcmp(e.name, "uniqueid") == 0)
			continue;	/* the first child only */
		if (!strcmp(e.name, "uniqueid"))
			s.child_id = to_u32(v);
		else if (!strcmp(e.name, "state"))
			s.child_installed = !strcmp(v, "INSTALLED");
		else if (!strcmp(e.name, "install-time"))
			s.child_age = to_age(v);
		else if (!strcmp(e.name, "mode"))
			s.transport = !strcmp(v, "TRANSPORT");
		else if (!strcmp(e.name, "spi-in"))
			snprintf(s.spi_in, sizeof(s.spi_in), "%.11s", v);
		else if (!strcmp(e.name, "spi-out"))
			snprintf(s.spi_out, sizeof(s.spi_out), "%.11s", v);
		else if (!strcmp(e.name, "mark-in"))
			s.mark_in = to_hex32(v);
		else if (!strcmp(e.name, "mark-mask-in"))
			s.mask_in = to_hex32(v);
		else if (!strcmp(e.name, "mark-out"))
			s.mark_out = to_hex32(v);
		else if (!strcmp(e.name, "mark-mask-out"))
			s.mask_out = to_hex32(v);
	}
}

void vici_ike_rekey_walk(const uint8_t *msg, size_t len,
			 void (*fn)(void *arg, const char *name,
				    const struct vici_ike_rekey *k),
			 void *arg)
{
	char name[VICI_NAME_MAX + 1] = "", part[VICI_NAME_MAX + 1] = "";
	struct vici_ike_rekey k;
	struct vici_reader r;
	struct vici_elem e;
	char v[24];

	memset(&k, 0, sizeof(k));
	vici_reader_init(&r, msg, len);
	while (vici_next(&r, &e) > 0) {
		if (e.type == VICI_SECTION_START && e.depth == 0) {
			strcpy(name, e.name);
			memset(&k, 0, sizeof(k));
		} else if (e.type == VICI_SECTION_START && e.depth == 1) {
			strcpy(part, e.name);
		} else if (e.type == VICI_SECTION_END && e.depth == 0) {
			if (k.old_id && k.new_id)
				fn(arg, name, &k);
		} else if (e.type == VICI_KEY_VALUE && e.depth == 2 &&
			   vici_value_str(&e, v, sizeof(v))) {
			if (!strcmp(e.name, "uniqueid") && !strcmp(part, "old"))
				k.old_id = to_u32(v);
			else if (strcmp(part, "new"))
				continue;
			else if (!strcmp(e.name, "uniqueid"))
				k.new_id = to_u32(v);
			else if (!strcmp(e.name, "initiator"))
				k.new_initiator = !strcmp(v, "yes");
			else if (!strcmp(e.name, "initiator-spi"))
				k.new_spi_i = to_spi(v);
			else if (!strcmp(e.name, "established"))
				k.new_age = to_age(v);
		}
	}
}
