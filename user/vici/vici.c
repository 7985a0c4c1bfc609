// SPDX-License-Identifier: GPL-2.0
/*
 * VICI codec (see vici.h).  The layout follows strongSwan's vici_message.c
 * and the protocol description in its vici README; no code is taken from
 * either.
 */
#include <string.h>

#include "vici.h"

bool vici_op_named(uint8_t op)
{
	return op == VICI_CMD_REQUEST || op == VICI_EVENT_REGISTER ||
	       op == VICI_EVENT_UNREGISTER || op == VICI_EVENT;
}

/* ---- building ---- */

static void put(struct vici_builder *b, const void *data, size_t len)
{
	if (b->error)
		return;
	if (len > b->cap - b->len) {
		b->error = "no room in the buffer";
		return;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
}

static void put_u8(struct vici_builder *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_name(struct vici_builder *b, const char *name)
{
	size_t len = strlen(name);

	if (!b->error && (len == 0 || len > VICI_NAME_MAX)) {
		b->error = "a name must have 1..255 bytes";
		return;
	}
	put_u8(b, (uint8_t)len);
	put(b, name, len);
}

static void put_value(struct vici_builder *b, const void *value, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (!b->error && len > 0xffff) {
		b->error = "a value must have at most 65535 bytes";
		return;
	}
	put(b, hdr, sizeof(hdr));
	put(b, value, len);
}

static bool out_of_place(struct vici_builder *b, bool want_list)
{
	if (b->error)
		return true;
	if (b->in_list != want_list) {
		b->error = want_list ? "a list item outside a list" :
				       "an element other than an item in a list";
		return true;
	}
	return false;
}

void vici_begin(struct vici_builder *b, uint8_t *buf, size_t cap,
		enum vici_op op, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	put(b, "\0\0\0\0", VICI_HDR_LEN);
	put_u8(b, (uint8_t)op);
	if (vici_op_named(op))
		put_name(b, name ? name : "");
}

void vici_section(struct vici_builder *b, const char *name)
{
	if (out_of_place(b, false))
		return;
	if (b->depth >= VICI_DEPTH_MAX) {
		b->error = "sections nested too deep";
		return;
	}
	put_u8(b, VICI_SECTION_START);
	put_name(b, name);
	b->depth++;
}

void vici_end_section(struct vici_builder *b)
{
	if (out_of_place(b, false))
		return;
	if (!b->depth) {
		b->error = "a section end without a section";
		return;
	}
	put_u8(b, VICI_SECTION_END);
	b->depth--;
}

void vici_kv(struct vici_builder *b, const char *key, const void *value,
	     size_t len)
{
	if (out_of_place(b, false))
		return;
	put_u8(b, VICI_KEY_VALUE);
	put_name(b, key);
	put_value(b, value, len);
}

void vici_kv_str(struct vici_builder *b, const char *key, const char *value)
{
	vici_kv(b, key, value, strlen(value));
}

void vici_list(struct vici_builder *b, const char *name)
{
	if (out_of_place(b, false))
		return;
	put_u8(b, VICI_LIST_START);
	put_name(b, name);
	b->in_list = true;
}

void vici_item(struct vici_builder *b, const void *value, size_t len)
{
	if (out_of_place(b, true))
		return;
	put_u8(b, VICI_LIST_ITEM);
	put_value(b, value, len);
}

void vici_item_str(struct vici_builder *b, const char *value)
{
	vici_item(b, value, strlen(value));
}

void vici_end_list(struct vici_builder *b)
{
	if (out_of_place(b, true))
		return;
	put_u8(b, VICI_LIST_END);
	b->in_list = false;
}

long vici_finish(struct vici_builder *b)
{
	size_t plen = b->len - VICI_HDR_LEN;

	if (!b->error && (b->depth || b->in_list))
		b->error = "a section or list left open";
	if (!b->error && plen > VICI_PACKET_MAX)
		b->error = "the packet is longer than charon takes";
	if (b->error)
		return -1;
	b->buf[0] = (uint8_t)(plen >> 24);
	b->buf[1] = (uint8_t)(plen >> 16);
	b->buf[2] = (uint8_t)(plen >> 8);
	b->buf[3] = (uint8_t)plen;
	return (long)b->len;
}

/* ---- parsing ---- */

long vici_frame_len(const uint8_t *buf, size_t len, size_t max)
{
	uint32_t plen;

	if (len < VICI_HDR_LEN)
		return 0;
	plen = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	       (uint32_t)buf[2] << 8 | buf[3];
	if (!plen || plen > max)
		return -1;
	return (long)plen + VICI_HDR_LEN;
}

/* A length-prefixed name at @*off: copied NUL terminated, or an error. */
static const char *take_name(const uint8_t *buf, size_t len, size_t *off,
			     char *out)
{
	size_t n;

	if (*off >= len)
		return "a name's length runs past the end";
	n = buf[*off];
	if (n > len - *off - 1)
		return "a name runs past the end";
	if (memchr(buf + *off + 1, 0, n))
		return "a name holds a NUL byte";
	memcpy(out, buf + *off + 1, n);
	out[n] = '\0';
	*off += 1 + n;
	return NULL;
}

int vici_packet_parse(const uint8_t *frame, size_t len, struct vici_packet *p,
		      const char **why)
{
	long flen = vici_frame_len(frame, len, VICI_PACKET_MAX);
	size_t off = VICI_HDR_LEN + 1;

	memset(p, 0, sizeof(*p));
	if (flen <= 0 || (size_t)flen != len) {
		*why = "the frame's length does not match its header";
		return -1;
	}
	p->op = frame[VICI_HDR_LEN];
	if (p->op > VICI_EVENT) {
		*why = "unknown operation";
		return -1;
	}
	if (vici_op_named(p->op)) {
		*why = take_name(frame, len, &off, p->name);
		if (*why)
			return -1;
		if (!p->name[0]) {
			*why = "an empty name";
			return -1;
		}
	}
	p->body = frame + off;
	p->body_len = len - off;
	return 0;
}

void vici_reader_init(struct vici_reader *r, const uint8_t *msg, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->msg = msg;
	r->len = len;
}

static int refuse(struct vici_reader *r, const char *why)
{
	r->error = why;
	return -1;
}

static int take_value(struct vici_reader *r, struct vici_elem *e)
{
	size_t n;

	if (r->len - r->off < 2)
		return refuse(r, "a value's length runs past the end");
	n = (size_t)r->msg[r->off] << 8 | r->msg[r->off + 1];
	if (n > r->len - r->off - 2)
		return refuse(r, "a value runs past the end");
	e->value = r->msg + r->off + 2;
	e->value_len = n;
	r->off += 2 + n;
	return 1;
}

int vici_next(struct vici_reader *r, struct vici_elem *e)
{
	const char *why;
	uint8_t type;

	if (r->error)
		return -1;
	memset(e, 0, sizeof(*e));
	if (r->off == r->len) {
		if (r->depth || r->in_list)
			return refuse(r, "a section or list left open");
		return 0;
	}
	type = r->msg[r->off++];
	e->type = type;
	e->depth = r->depth;
	if (r->in_list != (type == VICI_LIST_ITEM || type == VICI_LIST_END))
		return refuse(r, r->in_list ? "an element other than an item in a list" :
				  "a list item or end outside a list");
	switch (type) {
	case VICI_SECTION_START:
	case VICI_KEY_VALUE:
	case VICI_LIST_START:
		why = take_name(r->msg, r->len, &r->off, e->name);
		if (why)
			return refuse(r, why);
		if (!e->name[0])
			return refuse(r, "an empty name");
		if (type == VICI_KEY_VALUE)
			return take_value(r, e);
		if (type == VICI_LIST_START) {
			r->in_list = true;
			return 1;
		}
		if (r->depth >= VICI_DEPTH_MAX)
			return refuse(r, "sections nested too deep");
		r->depth++;
		return 1;
	case VICI_SECTION_END:
		if (!r->depth)
			return refuse(r, "a section end without a section");
		r->depth--;
		e->depth = r->depth;
		return 1;
	case VICI_LIST_ITEM:
		return take_value(r, e);
	case VICI_LIST_END:
		r->in_list = false;
		return 1;
	default:
		r->off--;
		return refuse(r, "unknown element type");
	}
}

int vici_validate(const uint8_t *msg, size_t len, const char **why)
{
	struct vici_reader r;
	struct vici_elem e;
	int ret;

	vici_reader_init(&r, msg, len);
	while ((ret = vici_next(&r, &e)) > 0)
		;
	if (ret < 0)
		*why = r.error;
	return ret;
}

bool vici_value_str(const struct vici_elem *e, char *out, size_t size)
{
	if (!e->value || e->value_len >= size ||
	    memchr(e->value, 0, e->value_len))
		return false;
	memcpy(out, e->value, e->value_len);
	out[e->value_len] = '\0';
	return true;
}
