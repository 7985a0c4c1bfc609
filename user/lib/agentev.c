// SPDX-License-Identifier: GPL-2.0
#include "agentev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "parse.h"

static const char *const kind_names[AGENT_EV_KINDS] = {
	[AGENT_EV_REGISTRATION] = "registration",
	[AGENT_EV_REGISTRATION_REFUSED] = "registration-refused",
	[AGENT_EV_REGISTRATION_EXPIRED] = "registration-expired",
	[AGENT_EV_NHS_UP] = "nhs-up",
	[AGENT_EV_NHS_DOWN] = "nhs-down",
	[AGENT_EV_RESOLUTION_SENT] = "resolution-sent",
	[AGENT_EV_RESOLUTION_ANSWERED] = "resolution-answered",
	[AGENT_EV_RESOLUTION_FAILED] = "resolution-failed",
	[AGENT_EV_SHORTCUT_ADDED] = "shortcut-added",
	[AGENT_EV_SHORTCUT_REMOVED] = "shortcut-removed",
	[AGENT_EV_PURGE_SENT] = "purge-sent",
	[AGENT_EV_PURGE_RECEIVED] = "purge-received",
	[AGENT_EV_IPSEC_UP] = "ipsec-up",
	[AGENT_EV_IPSEC_DOWN] = "ipsec-down",
	[AGENT_EV_RELOAD] = "reload",
};

const char *agent_event_name(enum agent_event_kind kind)
{
	return (unsigned int)kind < AGENT_EV_KINDS ? kind_names[kind] : NULL;
}

/* A word of the stream: no spaces, no control characters, not empty. */
static bool is_word(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] <= ' ' || (unsigned char)s[n] == 0x7f)
			return false;
	return n > 0 && n < max;
}

/* The fields after the kind and device, as text and stream alike. */
static void encode_fields(struct sbuf *out, const struct agent_event *ev)
{
	if (ev->has_peer) {
		sbuf_adds(out, " peer ");
		format_addr(out, &ev->peer);
	}
	if (ev->has_nbma) {
		char nbma[INET_ADDRSTRLEN];

		sbuf_printf(out, " nbma %s", inet_ntop(AF_INET, &ev->nbma,
							nbma, sizeof(nbma)));
	}
	if (ev->has_prefix) {
		sbuf_adds(out, " prefix ");
		format_prefix(out, &ev->prefix, true);
	}
	if (is_word(ev->reason, sizeof(ev->reason)))
		sbuf_printf(out, " reason %s", ev->reason);
}

void agent_event_encode(struct sbuf *out, const struct agent_event *ev)
{
	const char *name = agent_event_name(ev->kind);

	/* Only what decode takes back: the agent's own values always are. */
	if (!name || !is_word(ev->dev, sizeof(ev->dev)))
		return;
	sbuf_printf(out, "event %llu %s %s", (unsigned long long)ev->time_ms,
		    name, ev->dev);
	encode_fields(out, ev);
	sbuf_addc(out, '\n');
}

void agent_event_encode_lost(struct sbuf *out, uint64_t count)
{
	sbuf_printf(out, "lost %llu\n", (unsigned long long)count);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_host(const char *s, struct dmvpn_prefix *p)
{
	struct errmsg why;

	return !s || strchr(s, '/') || parse_prefix(s, p, &why) ? -1 : 0;
}

static int decode_field(const char *key, const char *value,
			struct agent_event *ev, struct errmsg *err)
{
	struct errmsg why;

	if (!value) {
		errmsg_set(err, "\"%.20s\" without a value", key);
		return -1;
	}
	if (!strcmp(key, "peer") && !ev->has_peer) {
		if (parse_host(value, &ev->peer))
			goto bad;
		ev->has_peer = true;
	} else if (!strcmp(key, "nbma") && !ev->has_nbma) {
		if (inet_pton(AF_INET, value, &ev->nbma) != 1)
			goto bad;
		ev->has_nbma = true;
	} else if (!strcmp(key, "prefix") && !ev->has_prefix) {
		if (!strchr(value, '/') ||
		    parse_prefix(value, &ev->prefix, &why))
			goto bad;
		ev->has_prefix = true;
	} else if (!strcmp(key, "reason") && !ev->reason[0]) {
		if (!is_word(value, sizeof(ev->reason)))
			goto bad;
		strcpy(ev->reason, value);
	} else {
		errmsg_set(err, "unexpected \"%.20s\"", key);
		return -1;
	}
	return 0;
bad:
	errmsg_set(err, "bad %s \"%.60s\"", key, value);
	return -1;
}

#define AGENT_LINE_WORDS	16

enum agent_line agent_event_decode(const char *line, struct agent_event *ev,
				   uint64_t *lost, struct errmsg *err)
{
	char copy[AGENT_EVENT_LINE_MAX], *save = NULL, *w[AGENT_LINE_WORDS];
	int n = 0, kind;

	memset(ev, 0, sizeof(*ev));
	if (strlen(line) >= sizeof(copy)) {
		errmsg_set(err, "line too long");
		return AGENT_LINE_BAD;
	}
	strcpy(copy, line);
	for (char *t = strtok_r(copy, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		if (n == AGENT_LINE_WORDS) {
			errmsg_set(err, "too many words");
			return AGENT_LINE_BAD;
		}
		w[n++] = t;
	}
	if (n == 2 && !strcmp(w[0], "lost")) {
		if (parse_u64(w[1], lost)) {
			errmsg_set(err, "bad count \"%.40s\"", w[1]);
			return AGENT_LINE_BAD;
		}
		return AGENT_LINE_LOST;
	}
	if (n < 4 || strcmp(w[0], "event")) {
		errmsg_set(err, "not an event: \"%.60s\"", line);
		return AGENT_LINE_BAD;
	}
	if (parse_u64(w[1], &ev->time_ms)) {
		errmsg_set(err, "bad time \"%.40s\"", w[1]);
		return AGENT_LINE_BAD;
	}
	for (kind = 0; kind < AGENT_EV_KINDS; kind++)
		if (!strcmp(w[2], kind_names[kind]))
			break;
	if (kind == AGENT_EV_KINDS) {
		errmsg_set(err, "unknown event \"%.40s\"", w[2]);
		return AGENT_LINE_BAD;
	}
	ev->kind = (enum agent_event_kind)kind;
	if (!is_word(w[3], sizeof(ev->dev))) {
		errmsg_set(err, "bad device \"%.40s\"", w[3]);
		return AGENT_LINE_BAD;
	}
	strcpy(ev->dev, w[3]);
	for (int i = 4; i < n; i += 2)
		if (decode_field(w[i], i + 1 < n ? w[i + 1] : NULL, ev, err))
			return AGENT_LINE_BAD;
	return AGENT_LINE_EVENT;
}

void agent_event_to_text(struct sbuf *out, const struct agent_event *ev)
{
	const char *name = agent_event_name(ev->kind);

	sbuf_printf(out, "agent %s dev %s", name ? name : "unknown", ev->dev);
	encode_fields(out, ev);
}

static void json_addr(struct json *j, const char *key,
		      const struct dmvpn_prefix *p)
{
	struct sbuf text = SBUF_INIT;

	format_addr(&text, p);
	json_string(j, key, sbuf_str(&text));
	sbuf_free(&text);
}

void agent_event_to_json_at(struct json *j, const struct agent_event *ev,
			    const char *time)
{
	char nbma[INET_ADDRSTRLEN];

	json_open_object(j, NULL);
	if (time)
		json_string(j, "time", time);
	json_string(j, "source", "agent");
	json_string(j, "event", agent_event_name(ev->kind));
	json_string(j, "device", ev->dev);
	if (ev->has_peer)
		json_addr(j, "peer", &ev->peer);
	if (ev->has_nbma)
		json_string(j, "nbma", inet_ntop(AF_INET, &ev->nbma, nbma,
						 sizeof(nbma)));
	if (ev->has_prefix) {
		json_prefix(j, "prefix", &ev->prefix);
		json_string(j, "family", family_name(ev->prefix.family));
	}
	if (ev->reason[0])
		json_string(j, "reason", ev->reason);
	json_close_object(j);
}
