/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal JSON writer into an sbuf.  Keys are passed with every value; use
 * NULL inside arrays.  Nesting deeper than JSON_MAX_DEPTH is a programming
 * error and is ignored.
 */
#ifndef DMVPN_JSON_H
#define DMVPN_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "sbuf.h"

#define JSON_MAX_DEPTH 16

struct json {
	struct sbuf *out;
	bool pretty;
	int depth;
	bool has_members[JSON_MAX_DEPTH];
};

void json_init(struct json *j, struct sbuf *out, bool pretty);
void json_open_object(struct json *j, const char *key);
void json_close_object(struct json *j);
void json_open_array(struct json *j, const char *key);
void json_close_array(struct json *j);
/* A NULL @value writes null. */
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);

/* Append @s as a quoted JSON string; invalid UTF-8 bytes become \u00XX. */
void json_escape(struct sbuf *out, const char *s);

#endif
