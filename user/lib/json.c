// SPDX-License-Identifier: GPL-2.0
#include "json.h"

#include <inttypes.h>
#include <stddef.h>

#define JSON_INDENT 4

void json_init(struct json *j, struct sbuf *out, bool pretty)
{
	*j = (struct json){ .out = out, .pretty = pretty };
}

static void json_newline(struct json *j, int depth)
{
	if (!j->pretty)
		return;
	sbuf_addc(j->out, '\n');
	sbuf_pad(j->out, ' ', (size_t)depth * JSON_INDENT);
}

/* Separator, indentation and "key": ahead of a value at the current depth. */
static void json_begin_value(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->has_members[j->depth])
			sbuf_addc(j->out, ',');
		j->has_members[j->depth] = true;
		json_newline(j, j->depth);
	}
	if (key) {
		json_escape(j->out, key);
		sbuf_adds(j->out, j->pretty ? ": " : ":");
	}
}

static void json_open(struct json *j, const char *key, char bracket)
{
	json_begin_value(j, key);
	sbuf_addc(j->out, bracket);
	if (j->depth + 1 < JSON_MAX_DEPTH) {
		j->depth++;
		j->has_members[j->depth] = false;
	}
}

static void json_close(struct json *j, char bracket)
{
	if (j->depth == 0)
		return;
	if (j->has_members[j->depth])
		json_newline(j, j->depth - 1);
	j->depth--;
	sbuf_addc(j->out, bracket);
}

void json_open_object(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_close_object(struct json *j)
{
	json_close(j, '}');
}

void json_open_array(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_close_array(struct json *j)
{
	json_close(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
	if (!value) {
		json_null(j, key);
		return;
	}
	json_begin_value(j, key);
	json_escape(j->out, value);
}

void json_u64(struct json *j, const char *key, uint64_t value)
{
	json_begin_value(j, key);
	sbuf_printf(j->out, "%" PRIu64, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_begin_value(j, key);
	sbuf_adds(j->out, value ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	json_begin_value(j, key);
	sbuf_adds(j->out, "null");
}

/*
 * Length of the well-formed UTF-8 sequence at @s, or 0 if it is not one.
 * Rejects overlong forms, surrogates and code points above U+10FFFF so that
 * the output is valid JSON whatever bytes an interface name holds.
 */
static size_t utf8_sequence_len(const unsigned char *s)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void json_escape_byte(struct sbuf *out, unsigned char c)
{
	switch (c) {
	case '"':  sbuf_adds(out, "\\\""); break;
	case '\\': sbuf_adds(out, "\\\\"); break;
	case '\b': sbuf_adds(out, "\\b"); break;
	case '\f': sbuf_adds(out, "\\f"); break;
	case '\n': sbuf_adds(out, "\\n"); break;
	case '\r': sbuf_adds(out, "\\r"); break;
	case '\t': sbuf_adds(out, "\\t"); break;
	default:   sbuf_printf(out, "\\u%04x", c); break;
	}
}

void json_escape(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	sbuf_addc(out, '"');
	while (*p) {
		if (*p < 0x20 || *p == '"' || *p == '\\') {
			json_escape_byte(out, *p++);
			continue;
		}
		len = utf8_sequence_len(p);
		if (len == 0) {
			json_escape_byte(out, *p++);
			continue;
		}
		sbuf_addn(out, (const char *)p, len);
		p += len;
	}
	sbuf_addc(out, '"');
}
