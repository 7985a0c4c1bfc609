/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VICI codec: the messages of strongSwan's Versatile IKE Control Interface
 * (src/libcharon/plugins/vici/README.md), built into and parsed from byte
 * buffers.
 *
 * No I/O, no allocation, no globals.  A frame on the socket is a 32-bit
 * big-endian length and a packet: an operation byte, for named operations
 * (requests, events, event registrations) a name of up to 255 bytes with
 * a length byte, then a message.  A message is a flat sequence of
 * elements: section start (name) and end, key/value (name, 16-bit length
 * and value), list start (name), list items (16-bit length and value) and
 * list end.  Lists hold items only; sections nest.
 *
 * The reader refuses with a reason anything charon would not send:
 * unbalanced sections or lists, an element out of place, a length that
 * runs past the message, a name with a NUL in it, or nesting deeper than
 * VICI_DEPTH_MAX.  Nothing past the given length is ever read.
 */
#ifndef DMVPN_VICI_H
#define DMVPN_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VICI_HDR_LEN		4
#define VICI_NAME_MAX		255
/* charon's own limit (VICI_MESSAGE_SIZE_MAX) on a packet it reads */
#define VICI_PACKET_MAX		(512 * 1024)
#define VICI_DEPTH_MAX		16

enum vici_op {
	VICI_CMD_REQUEST = 0,		/* named */
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,	/* named */
	VICI_EVENT_UNREGISTER = 4,	/* named */
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,			/* named */
};

enum vici_type {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

bool vici_op_named(uint8_t op);

/* ---- building ---- */

/*
 * Into a caller's buffer; any error (no room, an element out of place, a
 * name or value too long) sticks, and vici_finish() reports it.
 */
struct vici_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	unsigned int depth;
	bool in_list;
	const char *error;
};

void vici_begin(struct vici_builder *b, uint8_t *buf, size_t cap,
		enum vici_op op, const char *name);
void vici_section(struct vici_builder *b, const char *name);
void vici_end_section(struct vici_builder *b);
void vici_kv(struct vici_builder *b, const char *key, const void *value,
	     size_t len);
void vici_kv_str(struct vici_builder *b, const char *key, const char *value);
void vici_list(struct vici_builder *b, const char *name);
void vici_item(struct vici_builder *b, const void *value, size_t len);
void vici_item_str(struct vici_builder *b, const char *value);
void vici_end_list(struct vici_builder *b);
/* The frame's length, header included, or -1 with b->error set. */
long vici_finish(struct vici_builder *b);

/* ---- parsing ---- */

/*
 * How long the frame at the start of @buf is: 0 while @len does not hold
 * its header yet, else VICI_HDR_LEN + the packet's length; -1 when the
 * packet would be empty or longer than @max.
 */
long vici_frame_len(const uint8_t *buf, size_t len, size_t max);

struct vici_packet {
	uint8_t op;
	char name[VICI_NAME_MAX + 1];	/* "" for unnamed operations */
	const uint8_t *body;		/* the message, into the frame */
	size_t body_len;
};

/* Split a whole frame (header included) into @p; -1 with @why. */
int vici_packet_parse(const uint8_t *frame, size_t len, struct vici_packet *p,
		      const char **why);

struct vici_elem {
	uint8_t type;
	char name[VICI_NAME_MAX + 1];	/* "" for items and ends */
	const uint8_t *value;		/* key/value and list items */
	size_t value_len;
	unsigned int depth;		/* sections open around it */
};

struct vici_reader {
	const uint8_t *msg;
	size_t len;
	size_t off;
	unsigned int depth;
	bool in_list;
	const char *error;
};

void vici_reader_init(struct vici_reader *r, const uint8_t *msg, size_t len);
/* 1 and the next element in @e, 0 at a well-formed end, -1 on malformed
 * input (r->error says why, r->off where). */
int vici_next(struct vici_reader *r, struct vici_elem *e);
/* Walk the whole message: 0 if well formed, else -1 with @why. */
int vici_validate(const uint8_t *msg, size_t len, const char **why);
/* A value as a C string, if it fits @size with its NUL and holds none. */
bool vici_value_str(const struct vici_elem *e, char *out, size_t size);

#endif
