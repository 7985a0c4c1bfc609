// SPDX-License-Identifier: GPL-2.0
#include "format.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *family_name(uint8_t family)
{
	return family == AF_INET6 ? "inet6" : "inet";
}

void format_addr(struct sbuf *out, const struct dmvpn_prefix *p)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr.bytes, text, sizeof(text)))
		strcpy(text, "?");
	sbuf_adds(out, text);
}

void format_prefix(struct sbuf *out, const struct dmvpn_prefix *p,
		   bool always_len)
{
	format_addr(out, p);
	if (always_len || p->len != dmvpn_family_bits(p->family))
		sbuf_printf(out, "/%u", p->len);
}

void format_type(struct sbuf *out, unsigned int type)
{
	const char *name = entry_type_name(type);

	if (name)
		sbuf_adds(out, name);
	else
		sbuf_printf(out, "unknown(%u)", type);
}

void format_flags(struct sbuf *out, uint32_t flags)
{
	const char *sep = "";
	unsigned int bit;

	if (!flags) {
		sbuf_addc(out, '-');
		return;
	}
	for (bit = 0; bit < 32; bit++) {
		uint32_t flag = 1U << bit;
		const char *name = entry_flag_name(flag);

		if (!(flags & flag))
			continue;
		sbuf_adds(out, sep);
		if (name)
			sbuf_adds(out, name);
		else
			sbuf_printf(out, "%#" PRIx32, flag);
		sep = ",";
	}
}

void format_duration(struct sbuf *out, uint64_t secs)
{
	uint64_t m = secs / 60, h = secs / 3600, d = secs / 86400;

	if (secs < 60)
		sbuf_printf(out, "%" PRIu64 "s", secs);
	else if (secs < 3600)
		sbuf_printf(out, "%" PRIu64 "m%02" PRIu64 "s", m, secs % 60);
	else if (secs < 86400)
		sbuf_printf(out, "%" PRIu64 "h%02" PRIu64 "m", h, m % 60);
	else
		sbuf_printf(out, "%" PRIu64 "d%02" PRIu64 "h", d, h % 24);
}

void format_bytes(struct sbuf *out, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	if (bytes < 1024) {
		sbuf_printf(out, "%" PRIu64 "B", bytes);
		return;
	}
	v /= 1024;
	/* Move up before rounding could print "1024.0KiB". */
	while (v >= 1023.95 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	sbuf_printf(out, "%.1f%s", v, units[u]);
}

void format_expires(struct sbuf *out, const struct dmvpn_entry *e)
{
	if (e->holdtime == 0)
		sbuf_adds(out, "never");
	else
		format_duration(out, e->holdtime);
}

void format_used(struct sbuf *out, const struct dmvpn_entry *e)
{
	if (!e->has_used) {
		sbuf_adds(out, "never");
		return;
	}
	format_duration(out, e->used_msecs / 1000);
	sbuf_adds(out, " ago");
}

int entry_compare(const void *a, const void *b)
{
	const struct dmvpn_prefix *pa = &((const struct dmvpn_entry *)a)->prefix;
	const struct dmvpn_prefix *pb = &((const struct dmvpn_entry *)b)->prefix;
	int c;

	if (pa->family != pb->family)
		return pa->family == AF_INET ? -1 : 1;
	c = memcmp(pa->addr.bytes, pb->addr.bytes,
		   dmvpn_family_bytes(pa->family));
	if (c)
		return c;
	return (int)pa->len - (int)pb->len;
}

size_t entry_dedup(struct dmvpn_entry *entries, size_t count)
{
	size_t in, out = 0;

	for (in = 0; in < count; in++) {
		if (out && entry_compare(&entries[out - 1], &entries[in]) == 0)
			continue;
		entries[out++] = entries[in];
	}
	return out;
}

/* ---- tables ---- */

void table_init(struct table *t, size_t ncols, const char *const *headers,
		const bool *right_align)
{
	*t = (struct table){
		.ncols = ncols,
		.headers = headers,
		.right_align = right_align,
		.arena = SBUF_INIT,
	};
}

void table_free(struct table *t)
{
	sbuf_free(&t->arena);
	free(t->offsets);
	t->offsets = NULL;
	t->nrows = t->cap_rows = 0;
}

static bool table_reserve_row(struct table *t)
{
	size_t cap;
	size_t *p;

	if (t->nrows < t->cap_rows)
		return true;
	cap = t->cap_rows ? t->cap_rows * 2 : 64;
	p = realloc(t->offsets, cap * t->ncols * sizeof(*p));
	if (!p)
		return false;
	t->offsets = p;
	t->cap_rows = cap;
	return true;
}

/*
 * A cell as text a terminal only prints: some cells come from the wire (an
 * NHRP group name a spoke sends), and an escape sequence in one would
 * reach the operator's terminal (issue 14).  Bytes outside printable
 * ASCII, and the backslash, are written \xNN.
 */
static void add_printable(struct sbuf *arena, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (;;) {
		size_t run = 0;

		while (p[run] >= 0x20 && p[run] < 0x7f && p[run] != '\\')
			run++;
		sbuf_addn(arena, (const char *)p, run);
		p += run;
		if (!*p)
			break;
		sbuf_printf(arena, "\\x%02x", *p++);
	}
	sbuf_addn(arena, "", 1);
}

int table_add_row(struct table *t, const char *const *cells)
{
	size_t *row;
	size_t i;

	if (t->oom || !table_reserve_row(t)) {
		t->oom = true;
		return -1;
	}
	row = t->offsets + t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		row[i] = t->arena.len;
		add_printable(&t->arena, cells[i]);
	}
	if (t->arena.oom) {
		t->oom = true;
		return -1;
	}
	t->nrows++;
	return 0;
}

static const char *table_cell(const struct table *t, size_t row, size_t col)
{
	return t->arena.buf + t->offsets[row * t->ncols + col];
}

static void table_render_row(const struct table *t, struct sbuf *out,
			     const size_t *widths, const char *const *cells)
{
	size_t col;

	for (col = 0; col < t->ncols; col++) {
		size_t len = strlen(cells[col]);
		size_t pad = widths[col] - len;
		bool right = t->right_align && t->right_align[col];
		bool last = col + 1 == t->ncols;

		if (col)
			sbuf_adds(out, "  ");
		if (right)
			sbuf_pad(out, ' ', pad);
		sbuf_adds(out, cells[col]);
		if (!right && !last)
			sbuf_pad(out, ' ', pad);
	}
	sbuf_addc(out, '\n');
}

void table_render(const struct table *t, struct sbuf *out)
{
	const char **cells = calloc(t->ncols, sizeof(*cells));
	size_t *widths = calloc(t->ncols, sizeof(*widths));
	size_t row, col;

	if (!cells || !widths) {
		out->oom = true;
		goto out;
	}
	for (col = 0; col < t->ncols; col++)
		widths[col] = strlen(t->headers[col]);
	for (row = 0; row < t->nrows; row++)
		for (col = 0; col < t->ncols; col++) {
			size_t len = strlen(table_cell(t, row, col));

			if (len > widths[col])
				widths[col] = len;
		}
	table_render_row(t, out, widths, t->headers);
	for (row = 0; row < t->nrows; row++) {
		for (col = 0; col < t->ncols; col++)
			cells[col] = table_cell(t, row, col);
		table_render_row(t, out, widths, cells);
	}
out:
	free(cells);
	free(widths);
}

/* ---- cache entries ---- */

const char *const entry_table_headers[ENTRY_TABLE_COLUMNS] = {
	"DEV", "PREFIX", "NBMA", "TYPE", "FLAGS", "EXPIRES", "USED",
	"TX-PACKETS", "TX-BYTES",
};

const bool entry_table_right_align[ENTRY_TABLE_COLUMNS] = {
	[7] = true, [8] = true,
};

static void format_in_addr(struct sbuf *out, const struct in_addr *a)
{
	char text[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, a, text, sizeof(text));
	sbuf_adds(out, text);
}

/* "-" for a negative entry, which has no NBMA address. */
static void format_nbma(struct sbuf *out, const struct dmvpn_entry *e)
{
	if (e->has_nbma)
		format_in_addr(out, &e->nbma);
	else
		sbuf_addc(out, '-');
}

/* The NBMA column: the address, and the mark of the IPsec SA the entry's
 * packets take when it has one, as ip xfrm prints a mark (two peers
 * behind one NAT address have one address and two marks). */
static void format_nbma_cell(struct sbuf *out, const struct dmvpn_entry *e)
{
	format_nbma(out, e);
	if (e->has_nbma && e->ipsec_mark)
		sbuf_printf(out, " mark %#" PRIx32 "/%#" PRIx32, e->ipsec_mark,
			    e->ipsec_mask);
}

int entry_table_add(struct table *t, const char *dev,
		    const struct dmvpn_entry *e)
{
	struct sbuf col[ENTRY_TABLE_COLUMNS - 1];
	const char *cells[ENTRY_TABLE_COLUMNS];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(col); i++)
		col[i] = (struct sbuf)SBUF_INIT;
	format_prefix(&col[0], &e->prefix, true);
	format_nbma_cell(&col[1], e);
	format_type(&col[2], e->type);
	format_flags(&col[3], e->flags);
	format_expires(&col[4], e);
	format_used(&col[5], e);
	sbuf_printf(&col[6], "%" PRIu64, e->tx_packets);
	format_bytes(&col[7], e->tx_bytes);

	cells[0] = dev;
	for (i = 0; i < ARRAY_SIZE(col); i++)
		cells[i + 1] = sbuf_str(&col[i]);
	ret = table_add_row(t, cells);
	for (i = 0; i < ARRAY_SIZE(col); i++) {
		if (col[i].oom)
			ret = -1;
		sbuf_free(&col[i]);
	}
	return ret;
}

static void json_flags(struct json *j, uint32_t flags)
{
	unsigned int bit;
	char hex[16];

	json_open_array(j, "flags");
	for (bit = 0; bit < 32; bit++) {
		uint32_t flag = 1U << bit;
		const char *name = entry_flag_name(flag);

		if (!(flags & flag))
			continue;
		if (!name) {
			snprintf(hex, sizeof(hex), "%#" PRIx32, flag);
			name = hex;
		}
		json_string(j, NULL, name);
	}
	json_close_array(j);
}

/* Writes @fn's text for @e as a JSON string member. */
static void json_formatted(struct json *j, const char *key,
			   void (*fn)(struct sbuf *, const struct dmvpn_entry *),
			   const struct dmvpn_entry *e)
{
	struct sbuf text = SBUF_INIT;

	fn(&text, e);
	json_string(j, key, sbuf_str(&text));
	sbuf_free(&text);
}

/* Always "address/length", a host route too: one form for scripts. */
static void entry_prefix_text(struct sbuf *out, const struct dmvpn_entry *e)
{
	format_prefix(out, &e->prefix, true);
}

static void entry_nbma_text(struct sbuf *out, const struct dmvpn_entry *e)
{
	format_nbma(out, e);
}

static void entry_type_text(struct sbuf *out, const struct dmvpn_entry *e)
{
	format_type(out, e->type);
}

void entry_to_json(struct json *j, const char *dev, const struct dmvpn_entry *e)
{
	json_open_object(j, NULL);
	json_string(j, "device", dev);
	json_formatted(j, "prefix", entry_prefix_text, e);
	json_string(j, "family", family_name(e->prefix.family));
	if (e->has_nbma)
		json_formatted(j, "nbma", entry_nbma_text, e);
	else
		json_null(j, "nbma");
	json_formatted(j, "type", entry_type_text, e);
	json_flags(j, e->flags);
	if (e->holdtime)
		json_u64(j, "expires_secs", e->holdtime);
	else
		json_null(j, "expires_secs");
	/* Seconds, as every duration in the schema; the kernel counts ms. */
	if (e->has_used)
		json_u64(j, "idle_secs", e->used_msecs / 1000);
	else
		json_null(j, "idle_secs");
	json_u64(j, "tx_packets", e->tx_packets);
	json_u64(j, "tx_bytes", e->tx_bytes);
	json_u64(j, "priority", e->priority);
	json_u64(j, "mark", e->mark);
	json_u64(j, "ipsec_mark", e->ipsec_mark);
	json_u64(j, "ipsec_mask", e->ipsec_mark ? e->ipsec_mask : 0);
	json_close_object(j);
}

/* ---- counters ---- */

static const char *const stats_names[] = {
	[DMVPN_STATS_A_TX_SHORTCUT]	= "tx_shortcut",
	[DMVPN_STATS_A_TX_NHS]		= "tx_nhs",
	[DMVPN_STATS_A_TX_NO_ROUTE]	= "tx_no_route",
	[DMVPN_STATS_A_TX_NO_IPSEC]	= "tx_no_ipsec",
	[DMVPN_STATS_A_TX_NHRP]		= "tx_nhrp",
	[DMVPN_STATS_A_TX_ERRORS]	= "tx_errors",
	[DMVPN_STATS_A_MISSES]		= "misses",
	[DMVPN_STATS_A_RESOLVE_EVENTS]	= "resolve_events",
	[DMVPN_STATS_A_REDIRECT_EVENTS]	= "redirect_events",
	[DMVPN_STATS_A_MCAST_COPIES]	= "mcast_copies",
	[DMVPN_STATS_A_RX_PACKETS]	= "rx_packets",
	[DMVPN_STATS_A_RX_NHRP]		= "rx_nhrp",
	[DMVPN_STATS_A_RX_ERR_TRUNCATED] = "rx_err_truncated",
	[DMVPN_STATS_A_RX_ERR_HEADER]	= "rx_err_header",
	[DMVPN_STATS_A_RX_ERR_KEY]	= "rx_err_key",
	[DMVPN_STATS_A_RX_ERR_CSUM]	= "rx_err_csum",
	[DMVPN_STATS_A_RX_ERR_PROTO]	= "rx_err_proto",
	[DMVPN_STATS_A_ENTRIES]		= "entries",
};

const char *stats_name(unsigned int attr)
{
	if (attr >= ARRAY_SIZE(stats_names))
		return NULL;
	return stats_names[attr];
}

void stats_to_text(struct sbuf *out, const struct dmvpn_stats *s,
		   const char *indent)
{
	size_t width = 0;
	unsigned int i;

	/* Pad to the longest name we know, not the longest present, so that
	 * the layout does not shift between kernels or devices. */
	for (i = 0; i < ARRAY_SIZE(stats_names); i++)
		if (stats_names[i] && strlen(stats_names[i]) > width)
			width = strlen(stats_names[i]);
	for (i = 0; i < ARRAY_SIZE(stats_names); i++) {
		if (!s->present[i] || !stats_names[i])
			continue;
		sbuf_printf(out, "%s%-*s %" PRIu64 "\n", indent, (int)width,
			    stats_names[i], s->value[i]);
	}
}

void stats_to_json(struct json *j, const struct dmvpn_stats *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stats_names); i++)
		if (s->present[i] && stats_names[i])
			json_u64(j, stats_names[i], s->value[i]);
}

/* ---- time ---- */

void format_timestamp(struct sbuf *out, int64_t secs, long nsecs)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		sbuf_printf(out, "%" PRId64, secs);
		return;
	}
	sbuf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, nsecs / 1000000);
}

/* ---- Prometheus text exposition ---- */

/* A label value: backslash, double quote and newline escaped. */
static void prom_label(struct sbuf *out, const char *name, const char *value,
		       bool first)
{
	sbuf_printf(out, "%s%s=\"", first ? "" : ",", name);
	for (; *value; value++) {
		if (*value == '\\' || *value == '"')
			sbuf_addc(out, '\\');
		if (*value == '\n') {
			sbuf_adds(out, "\\n");
			continue;
		}
		sbuf_addc(out, *value);
	}
	sbuf_addc(out, '"');
}

/*
 * Every metric once, with its HELP and TYPE, then one sample a device:
 * the format wants a family's samples together.  Counters end in _total;
 * "entries" is a gauge.
 */
void stats_to_prometheus(struct sbuf *out, const struct prom_device *devs,
			 size_t count)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(stats_names); i++) {
		bool gauge = i == DMVPN_STATS_A_ENTRIES, any = false;
		const char *name = stats_names[i];

		for (size_t d = 0; d < count; d++)
			any |= devs[d].stats && devs[d].stats->present[i];
		if (!name || !any)
			continue;
		sbuf_printf(out, "# HELP dmvpn_%s%s dmvpn device counter %s.\n"
			    "# TYPE dmvpn_%s%s %s\n", name, gauge ? "" : "_total",
			    name, name, gauge ? "" : "_total",
			    gauge ? "gauge" : "counter");
		for (size_t d = 0; d < count; d++) {
			if (!devs[d].stats || !devs[d].stats->present[i])
				continue;
			sbuf_printf(out, "dmvpn_%s%s{", name,
				    gauge ? "" : "_total");
			prom_label(out, "device", devs[d].name, true);
			sbuf_printf(out, "} %" PRIu64 "\n",
				    devs[d].stats->value[i]);
		}
	}
}

static void prom_entry_labels(struct sbuf *out, const char *dev,
			      const struct dmvpn_entry *e)
{
	struct sbuf text = SBUF_INIT;

	sbuf_addc(out, '{');
	prom_label(out, "device", dev, true);
	format_prefix(&text, &e->prefix, true);
	prom_label(out, "prefix", sbuf_str(&text), false);
	sbuf_free(&text);
	if (e->has_nbma) {
		text = (struct sbuf)SBUF_INIT;
		format_nbma(&text, e);
		prom_label(out, "nbma", sbuf_str(&text), false);
		sbuf_free(&text);
	}
	text = (struct sbuf)SBUF_INIT;
	format_type(&text, e->type);
	prom_label(out, "type", sbuf_str(&text), false);
	sbuf_free(&text);
	sbuf_addc(out, '}');
}

/* Per-peer counters: the packets and bytes sent by each cache entry. */
void entries_to_prometheus(struct sbuf *out, const struct prom_device *devs,
			   size_t count)
{
	static const struct {
		const char *name, *help;
		bool bytes;
	} metrics[] = {
		{ "dmvpn_entry_tx_packets_total",
		  "Packets sent by a cache entry (a peer or prefix).", false },
		{ "dmvpn_entry_tx_bytes_total",
		  "Bytes sent by a cache entry (a peer or prefix).", true },
	};

	for (size_t m = 0; m < ARRAY_SIZE(metrics); m++) {
		sbuf_printf(out, "# HELP %s %s\n# TYPE %s counter\n",
			    metrics[m].name, metrics[m].help, metrics[m].name);
		for (size_t d = 0; d < count; d++) {
			for (size_t i = 0; i < devs[d].entry_count; i++) {
				const struct dmvpn_entry *e = &devs[d].entries[i];

				sbuf_adds(out, metrics[m].name);
				prom_entry_labels(out, devs[d].name, e);
				sbuf_printf(out, " %" PRIu64 "\n",
					    metrics[m].bytes ? e->tx_bytes :
					    e->tx_packets);
			}
		}
	}
}

/* ---- events ---- */

const char *event_name(unsigned int cmd)
{
	switch (cmd) {
	case DMVPN_CMD_EVENT_MISS:	return "miss";
	case DMVPN_CMD_EVENT_REDIRECT:	return "redirect";
	case DMVPN_CMD_EVENT_EXPIRED:	return "expired";
	default:			return NULL;
	}
}

/* The addresses of an IPv4 or IPv6 header at @data; -1 if it is neither. */
static int packet_head_addrs(const uint8_t *data, size_t len,
			     struct dmvpn_prefix *src, struct dmvpn_prefix *dst)
{
	unsigned int version = len ? data[0] >> 4 : 0;

	if (version == 4 && len >= 20) {
		*src = (struct dmvpn_prefix){ .family = AF_INET, .len = 32 };
		*dst = *src;
		memcpy(src->addr.bytes, data + 12, 4);
		memcpy(dst->addr.bytes, data + 16, 4);
		return 0;
	}
	if (version == 6 && len >= 40) {
		*src = (struct dmvpn_prefix){ .family = AF_INET6, .len = 128 };
		*dst = *src;
		memcpy(src->addr.bytes, data + 8, 16);
		memcpy(dst->addr.bytes, data + 24, 16);
		return 0;
	}
	return -1;
}

void format_packet_head(struct sbuf *out, const uint8_t *data, size_t len)
{
	struct dmvpn_prefix src, dst;

	if (packet_head_addrs(data, len, &src, &dst)) {
		sbuf_printf(out, "unparsed(%zu bytes)", len);
		return;
	}
	format_addr(out, &src);
	sbuf_adds(out, " > ");
	format_addr(out, &dst);
}

static void event_name_text(struct sbuf *out, const struct dmvpn_event *ev)
{
	const char *name = event_name(ev->cmd);

	if (name)
		sbuf_adds(out, name);
	else
		sbuf_printf(out, "event(%u)", ev->cmd);
}

void event_to_text(struct sbuf *out, const struct dmvpn_event *ev,
		   const char *dev)
{
	event_name_text(out, ev);
	sbuf_printf(out, " dev %s", dev);
	if (ev->has_entry) {
		sbuf_addc(out, ' ');
		format_prefix(out, &ev->entry.prefix, false);
		if (ev->entry.has_nbma) {
			sbuf_adds(out, " nbma ");
			format_in_addr(out, &ev->entry.nbma);
		}
		if (ev->cmd == DMVPN_CMD_EVENT_EXPIRED) {
			sbuf_adds(out, " type ");
			format_type(out, ev->entry.type);
		}
	}
	if (ev->has_nbma_src) {
		sbuf_adds(out, " from ");
		format_in_addr(out, &ev->nbma_src);
	}
	if (ev->packet) {
		sbuf_adds(out, " packet ");
		format_packet_head(out, ev->packet, ev->packet_len);
	}
}

static void json_in_addr(struct json *j, const char *key,
			 const struct in_addr *a)
{
	char text[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, a, text, sizeof(text));
	json_string(j, key, text);
}

static void json_prefix_addr(struct json *j, const char *key,
			     const struct dmvpn_prefix *p)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr.bytes, text, sizeof(text));
	json_string(j, key, text);
}

void json_prefix(struct json *j, const char *key, const struct dmvpn_prefix *p)
{
	struct sbuf text = SBUF_INIT;

	format_prefix(&text, p, true);
	json_string(j, key, sbuf_str(&text));
	sbuf_free(&text);
}

static void event_entry_to_json(struct json *j, const struct dmvpn_event *ev)
{
	const struct dmvpn_entry *e = &ev->entry;
	struct sbuf type = SBUF_INIT;

	json_prefix(j, "prefix", &e->prefix);
	json_string(j, "family", family_name(e->prefix.family));
	if (e->has_nbma)
		json_in_addr(j, "nbma", &e->nbma);
	if (ev->cmd == DMVPN_CMD_EVENT_EXPIRED) {
		format_type(&type, e->type);
		json_string(j, "type", sbuf_str(&type));
		sbuf_free(&type);
	}
}

static void event_packet_to_json(struct json *j, const struct dmvpn_event *ev)
{
	struct dmvpn_prefix src, dst;

	if (packet_head_addrs(ev->packet, ev->packet_len, &src, &dst)) {
		json_u64(j, "packet_len", ev->packet_len);
		return;
	}
	json_prefix_addr(j, "packet_src", &src);
	json_prefix_addr(j, "packet_dst", &dst);
}

void event_to_json(struct json *j, const struct dmvpn_event *ev,
		   const char *dev)
{
	event_to_json_at(j, ev, dev, NULL);
}

void event_to_json_at(struct json *j, const struct dmvpn_event *ev,
		      const char *dev, const char *time)
{
	struct sbuf name = SBUF_INIT;

	event_name_text(&name, ev);
	json_open_object(j, NULL);
	if (time)
		json_string(j, "time", time);
	/* monitor merges the agent's events ("source": "agent") in. */
	json_string(j, "source", "kernel");
	json_string(j, "event", sbuf_str(&name));
	json_string(j, "device", dev);
	if (ev->has_entry)
		event_entry_to_json(j, ev);
	if (ev->has_nbma_src)
		json_in_addr(j, "nbma_src", &ev->nbma_src);
	if (ev->packet)
		event_packet_to_json(j, ev);
	json_close_object(j);
	sbuf_free(&name);
}

/* ---- errors ---- */

void format_errno(struct sbuf *out, int errnum, const char *dev)
{
	switch (errnum) {
	case EPERM:
		sbuf_adds(out, "Operation not permitted (need CAP_NET_ADMIN)");
		break;
	case ENODEV:
		if (dev)
			sbuf_printf(out, "Cannot find device \"%s\"", dev);
		else
			sbuf_adds(out, "No such device");
		break;
	case ENOSPC:
		sbuf_adds(out, "The cache is full (see the device's max-entries)");
		break;
	case EOPNOTSUPP:
		if (dev)
			sbuf_printf(out, "Operation not supported "
				    "(is \"%s\" a dmvpn device?)", dev);
		else
			sbuf_adds(out, "Operation not supported");
		break;
	default:
		sbuf_adds(out, strerror(errnum));
		break;
	}
}
