/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable string buffer.  Formatting code writes into one of these
 * instead of a FILE so that it stays free of I/O and unit tests can compare
 * the exact text it produced.
 */
#ifndef DMVPN_SBUF_H
#define DMVPN_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char *buf;	/* always NUL terminated once anything was added */
	size_t len;
	size_t cap;
	bool oom;	/* an allocation failed; the content is truncated */
};

#define SBUF_INIT { NULL, 0, 0, false }

void sbuf_free(struct sbuf *sb);
void sbuf_reset(struct sbuf *sb);
void sbuf_addc(struct sbuf *sb, char c);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addn(struct sbuf *sb, const char *s, size_t n);
void sbuf_pad(struct sbuf *sb, char c, size_t count);
void sbuf_printf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sbuf_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* The content, "" when empty: never NULL. */
const char *sbuf_str(const struct sbuf *sb);

#endif
