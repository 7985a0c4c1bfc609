/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text and JSON presentation of cache entries, counters and events.  Pure:
 * everything is written into an sbuf or a json writer.
 */
#ifndef DMVPN_FORMAT_H
#define DMVPN_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "json.h"
#include "sbuf.h"

/* "inet" or "inet6", as ip -j spells address families. */
const char *family_name(uint8_t family);

/* The address alone, e.g. "10.0.0.0". */
void format_addr(struct sbuf *out, const struct dmvpn_prefix *p);
/* "10.0.0.0/24"; a full-length prefix drops its "/32" unless @always_len. */
void format_prefix(struct sbuf *out, const struct dmvpn_prefix *p,
		   bool always_len);
/* The type's name, or "unknown(N)" for a type this tool does not know. */
void format_type(struct sbuf *out, unsigned int type);
/* "multicast,unique"; "-" for none; unknown bits as hex, e.g. "0x8". */
void format_flags(struct sbuf *out, uint32_t flags);
/* Compact, two units at most: "45s", "12m05s", "3h05m", "2d04h". */
void format_duration(struct sbuf *out, uint64_t secs);
/* "512B", "1.5KiB", "3.2MiB" ... */
void format_bytes(struct sbuf *out, uint64_t bytes);
/* Holding time left: "never" or a duration. */
void format_expires(struct sbuf *out, const struct dmvpn_entry *e);
/* Last use: "never" or "3s ago". */
void format_used(struct sbuf *out, const struct dmvpn_entry *e);

/* qsort() order for a listing: IPv4 first, then by address, then length. */
int entry_compare(const void *a, const void *b);
/*
 * Drop repeats of a prefix from a sorted array, keeping the first; returns
 * the new count.  A dump that races with a resize of the kernel's hash
 * table may return an entry twice.
 */
size_t entry_dedup(struct dmvpn_entry *entries, size_t count);

/* ---- tables ---- */

/*
 * Rows are kept as NUL-separated text in one arena so that a listing of a
 * million entries costs one allocation per growth, not one per cell.
 */
struct table {
	size_t ncols;
	const char *const *headers;
	const bool *right_align;	/* per column; NULL = all left */
	struct sbuf arena;
	size_t *offsets;		/* nrows * ncols offsets into arena */
	size_t nrows;
	size_t cap_rows;
	bool oom;
};

void table_init(struct table *t, size_t ncols, const char *const *headers,
		const bool *right_align);
void table_free(struct table *t);
int table_add_row(struct table *t, const char *const *cells);
/* Columns padded to their widest cell, two spaces apart, no trailing blanks. */
void table_render(const struct table *t, struct sbuf *out);

/* ---- cache entries ---- */

#define ENTRY_TABLE_COLUMNS 9
extern const char *const entry_table_headers[ENTRY_TABLE_COLUMNS];
extern const bool entry_table_right_align[ENTRY_TABLE_COLUMNS];

int entry_table_add(struct table *t, const char *dev,
		    const struct dmvpn_entry *e);
/* One ENTRY of the JSON schema (README, "JSON output"). */
void entry_to_json(struct json *j, const char *dev, const struct dmvpn_entry *e);
/* A member "address/length", the schema's one form of a prefix. */
void json_prefix(struct json *j, const char *key, const struct dmvpn_prefix *p);

/* ---- counters ---- */

/* "tx_shortcut" ... for enum dmvpn_stats_attr; NULL if unknown. */
const char *stats_name(unsigned int attr);
/* One "name value" line a counter, names padded so values line up. */
void stats_to_text(struct sbuf *out, const struct dmvpn_stats *s,
		   const char *indent);
/* Members of the current JSON object, one a counter. */
void stats_to_json(struct json *j, const struct dmvpn_stats *s);

/* One device's counters and cache, for the Prometheus exposition. */
struct prom_device {
	const char *name;
	const struct dmvpn_stats *stats;	/* NULL: none read */
	const struct dmvpn_entry *entries;
	size_t entry_count;
};

/*
 * Prometheus text format (as node_exporter's textfile collector reads
 * it): the device counters as dmvpn_<name>_total{device="..."} and the
 * entry count as the gauge dmvpn_entries; per entry,
 * dmvpn_entry_tx_{packets,bytes}_total{device,prefix,nbma,type}.
 */
void stats_to_prometheus(struct sbuf *out, const struct prom_device *devs,
			 size_t count);
void entries_to_prometheus(struct sbuf *out, const struct prom_device *devs,
			   size_t count);

/* ---- events ---- */

/* "miss", "redirect", "expired", or NULL. */
const char *event_name(unsigned int cmd);
/* Source and destination of an IPv4/IPv6 packet head: "10.1.0.5 > 10.2.0.9". */
void format_packet_head(struct sbuf *out, const uint8_t *data, size_t len);
/* One line, without the newline. */
void event_to_text(struct sbuf *out, const struct dmvpn_event *ev,
		   const char *dev);
void event_to_json(struct json *j, const struct dmvpn_event *ev,
		   const char *dev);
/* The same with a "time" key first (NULL: none), for monitor -t. */
void event_to_json_at(struct json *j, const struct dmvpn_event *ev,
		      const char *dev, const char *time);
/* UTC, to the millisecond: "2026-12-04T22:50:13.123Z". */
void format_timestamp(struct sbuf *out, int64_t secs, long nsecs);

/* ---- errors ---- */

/*
 * What an errno from the kernel means to the user: EPERM names the missing
 * capability, ENODEV the device (@dev may be NULL); others use strerror().
 */
void format_errno(struct sbuf *out, int errnum, const char *dev);

#endif
