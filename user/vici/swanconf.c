// SPDX-License-Identifier: GPL-2.0
/*
 * swanctl.conf to VICI (see swanconf.h).  The grammar follows strongSwan's
 * settings_lexer.l and settings_parser.y, the translation swanctl's
 * load_conns.c; no code is taken from either.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "swanconf.h"

/* ---- the tree ---- */

static const char *str_at(const struct swconf *c, uint32_t off)
{
	return c->text + off;
}

static int32_t text_add(struct swconf *c, const char *s, size_t len)
{
	uint32_t off = c->tlen;

	if (len + 1 > SWCONF_TEXT_MAX - c->tlen)
		return -1;
	memcpy(c->text + off, s, len);
	c->text[off + len] = '\0';
	c->tlen += (uint32_t)len + 1;
	return (int32_t)off;
}

static int32_t node_add(struct swconf *c, int32_t parent, uint8_t kind,
			int32_t name)
{
	struct swconf_node *n;
	int32_t i;

	if (c->nnodes == SWCONF_NODES_MAX)
		return -1;
	i = c->nnodes++;
	n = &c->node[i];
	n->kind = kind;
	n->name = (uint32_t)name;
	n->value = -1;
	n->parent = parent;
	n->first = n->last = n->next = -1;
	if (parent >= 0) {
		if (c->node[parent].last >= 0)
			c->node[c->node[parent].last].next = i;
		else
			c->node[parent].first = i;
		c->node[parent].last = i;
	}
	return i;
}

static int32_t child_find(const struct swconf *c, int32_t sec, uint8_t kind,
			  const char *name)
{
	for (int32_t i = c->node[sec].first; i >= 0; i = c->node[i].next)
		if (c->node[i].kind == kind &&
		    !strcmp(str_at(c, c->node[i].name), name))
			return i;
	return -1;
}

void swconf_init(struct swconf *c)
{
	c->nnodes = 0;
	c->tlen = 0;
	c->error[0] = '\0';
	c->depth = 0;
	c->cur = node_add(c, -1, SWCONF_SECTION, text_add(c, "", 0));
}

int32_t swconf_find(const struct swconf *c, const char *path)
{
	int32_t sec = 0;
	char name[VICI_NAME_MAX + 1];

	while (*path && sec >= 0) {
		size_t len = strcspn(path, ".");

		if (len > VICI_NAME_MAX)
			return -1;
		memcpy(name, path, len);
		name[len] = '\0';
		sec = child_find(c, sec, SWCONF_SECTION, name);
		path += len;
		if (*path == '.')
			path++;
	}
	return sec;
}

/* ---- parsing ---- */

struct lexer {
	struct swconf *c;
	const char *file;
	const char *p, *end;
	unsigned int line;
	char buf[4096];		/* the token being gathered */
	size_t blen;
};

static int fail(struct lexer *lx, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(lx->c->error, sizeof(lx->c->error), "%s:%u: ",
			     lx->file, lx->line);
	if (n >= sizeof(lx->c->error))
		return -1;
	va_start(ap, fmt);
	vsnprintf(lx->c->error + n, sizeof(lx->c->error) - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int full(struct lexer *lx)
{
	return fail(lx, "more than swanctl.conf may hold here (%u settings, %u bytes)",
		    SWCONF_NODES_MAX, SWCONF_TEXT_MAX);
}

static bool at_end(const struct lexer *lx)
{
	return lx->p >= lx->end;
}

/* What a NAME token may hold: settings_lexer.l's NAME class. */
static bool name_char(char ch)
{
	return ch && !strchr("#{}:.,=\"\r\n\t ", ch);
}

static void skip_comment(struct lexer *lx)
{
	while (!at_end(lx) && *lx->p != '\n')
		lx->p++;
}

/* Blanks, newlines and comments between statements. */
static void skip_space(struct lexer *lx)
{
	while (!at_end(lx)) {
		char ch = *lx->p;

		if (ch == '\n')
			lx->line++;
		else if (ch == '#')
			skip_comment(lx);
		else if (ch != ' ' && ch != '\t' && ch != '\r')
			return;
		if (!at_end(lx))
			lx->p++;
	}
}

static int buf_add(struct lexer *lx, const char *s, size_t len)
{
	if (len >= sizeof(lx->buf) - lx->blen)
		return fail(lx, "a name or value longer than %zu bytes",
			    sizeof(lx->buf) - 1);
	memcpy(lx->buf + lx->blen, s, len);
	lx->blen += len;
	lx->buf[lx->blen] = '\0';
	return 0;
}

static int read_name(struct lexer *lx)
{
	const char *s = lx->p;

	while (!at_end(lx) && name_char(*lx->p))
		lx->p++;
	lx->blen = 0;
	lx->buf[0] = '\0';
	return buf_add(lx, s, (size_t)(lx->p - s));
}

/* A "quoted string" (the opening quote consumed), appended to buf. */
static int read_string(struct lexer *lx)
{
	while (!at_end(lx)) {
		char ch = *lx->p++;

		if (ch == '"')
			return 0;
		if (ch == '\r')
			continue;
		if (ch == '\n')
			lx->line++;
		if (ch != '\\') {
			if (buf_add(lx, &ch, 1))
				return -1;
			continue;
		}
		if (at_end(lx))
			break;
		ch = *lx->p++;
		if (ch == '\r' && !at_end(lx) && *lx->p == '\n')
			ch = *lx->p++;
		if (ch == '\n') {	/* an escaped end of line joins lines */
			lx->line++;
			continue;
		}
		ch = ch == 'n' ? '\n' : ch == 'r' ? '\r' : ch == 't' ? '\t' : ch;
		if (buf_add(lx, &ch, 1))
			return -1;
	}
	return fail(lx, "unterminated string");
}

/* A value after '=': words and strings up to the end of the line, a '#'
 * or a '}', joined by one space. */
static int read_value(struct lexer *lx, bool *set)
{
	bool first = true;

	lx->blen = 0;
	lx->buf[0] = '\0';
	*set = false;
	while (!at_end(lx)) {
		char ch = *lx->p;
		const char *s;

		if (ch == ' ' || ch == '\t' || ch == '\r') {
			lx->p++;
			continue;
		}
		if (ch == '\n' || ch == '#' || ch == '}')
			break;
		if (!first && buf_add(lx, " ", 1))
			return -1;
		first = false;
		*set = true;
		if (ch == '"') {
			lx->p++;
			if (read_string(lx))
				return -1;
			continue;
		}
		s = lx->p;
		while (!at_end(lx) && !strchr("#}\"\r\n\t ", *lx->p))
			lx->p++;
		if (buf_add(lx, s, (size_t)(lx->p - s)))
			return -1;
	}
	return 0;
}

/* "include" and a blank, not followed by '=': an include statement. */
static bool at_include(const struct lexer *lx)
{
	const char *p = lx->p + 7;

	if (lx->end - lx->p < 8 || memcmp(lx->p, "include", 7) ||
	    (*p != ' ' && *p != '\t'))
		return false;
	while (p < lx->end && (*p == ' ' || *p == '\t'))
		p++;
	return p < lx->end && *p != '=';
}

static int read_include(struct lexer *lx)
{
	lx->p += 7;
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
	lx->blen = 0;
	lx->buf[0] = '\0';
	while (!at_end(lx)) {
		char ch = *lx->p;

		if (strchr("#}\n\t ", ch))
			break;
		lx->p++;
		if (ch == '\r')
			continue;
		if (ch == '"')
			return read_string(lx);
		if (ch == '\\' && !at_end(lx) && strchr("\"#} ", *lx->p) &&
		    *lx->p)
			ch = *lx->p++;
		if (buf_add(lx, &ch, 1))
			return -1;
	}
	return 0;
}

static int section_open(struct lexer *lx, const char *name)
{
	struct swconf *c = lx->c;
	int32_t sec = child_find(c, c->cur, SWCONF_SECTION, name);
	int32_t off;

	if (c->depth == SWCONF_DEPTH_MAX)
		return fail(lx, "sections nested deeper than %u",
			    SWCONF_DEPTH_MAX);
	if (sec < 0) {
		off = text_add(c, name, strlen(name));
		if (off < 0 || (sec = node_add(c, c->cur, SWCONF_SECTION,
					       off)) < 0)
			return full(lx);
	}
	c->cur = sec;
	c->depth++;
	return 0;
}

/* "a.b, c" between ':' and '{': the sections this one inherits from. */
static int read_refs(struct lexer *lx)
{
	struct swconf *c = lx->c;
	int32_t off;
	bool want_name = true;

	for (;;) {
		skip_space(lx);
		if (at_end(lx))
			break;
		if (*lx->p == ',' && !want_name) {
			lx->p++;
			want_name = true;
			continue;
		}
		if (!want_name || !name_char(*lx->p))
			break;
		lx->blen = 0;
		lx->buf[0] = '\0';
		while (!at_end(lx) && (name_char(*lx->p) || *lx->p == '.')) {
			if (buf_add(lx, lx->p, 1))
				return -1;
			lx->p++;
		}
		if (lx->buf[lx->blen - 1] == '.' || strstr(lx->buf, ".."))
			return fail(lx, "a malformed section reference \"%s\"",
				    lx->buf);
		if (child_find(c, c->cur, SWCONF_REF, lx->buf) < 0) {
			off = text_add(c, lx->buf, lx->blen);
			if (off < 0 || node_add(c, c->cur, SWCONF_REF, off) < 0)
				return full(lx);
		}
		want_name = false;
	}
	if (want_name)
		return fail(lx, "expected a section name after ':' or ','");
	return 0;
}

static int setting(struct lexer *lx, const char *name)
{
	struct swconf *c = lx->c;
	int32_t key = child_find(c, c->cur, SWCONF_KEY, name);
	int32_t off;
	bool set;

	if (key < 0) {
		off = text_add(c, name, strlen(name));
		if (off < 0 || (key = node_add(c, c->cur, SWCONF_KEY,
					       off)) < 0)
			return full(lx);
	}
	if (read_value(lx, &set))
		return -1;
	c->node[key].value = -1;
	if (set) {
		off = text_add(c, lx->buf, lx->blen);
		if (off < 0)
			return full(lx);
		c->node[key].value = off;
	}
	return 0;
}

int swconf_parse(struct swconf *c, const char *file, const char *text,
		 size_t len,
		 int (*include)(void *arg, struct swconf *c, const char *file,
				const char *pattern),
		 void *arg)
{
	struct lexer lx = {
		.c = c, .file = file, .p = text, .end = text + len, .line = 1,
	};
	unsigned int base = c->depth, name_line;
	char name[sizeof(lx.buf)];

	/* No NUL in a text file: every name and value is a C string. */
	if (memchr(text, '\0', len)) {
		lx.p = memchr(text, '\0', len);
		for (const char *q = text; q < lx.p; q++)
			lx.line += *q == '\n';
		return fail(&lx, "a NUL byte");
	}

	for (;;) {
		skip_space(&lx);
		if (at_end(&lx))
			break;
		if (*lx.p == '}') {
			if (c->depth == base)
				return fail(&lx, "'}' closes no section");
			lx.p++;
			c->cur = c->node[c->cur].parent;
			c->depth--;
			continue;
		}
		if (at_include(&lx)) {
			if (read_include(&lx))
				return -1;
			if (!lx.buf[0])
				return fail(&lx, "include without a file");
			if (!include)
				return fail(&lx, "include is not allowed here");
			strcpy(name, lx.buf);
			if (include(arg, c, file, name))
				return -1;
			continue;
		}
		if (!name_char(*lx.p)) {
			if (*lx.p == '"')
				return fail(&lx, "a string where a name was expected");
			return fail(&lx, "unexpected '%c'", *lx.p);
		}
		if (read_name(&lx))
			return -1;
		strcpy(name, lx.buf);
		name_line = lx.line;
		skip_space(&lx);
		if (at_end(&lx)) {
			lx.line = name_line;
			return fail(&lx, "\"%s\" is neither a section nor a setting",
				    name);
		}
		switch (*lx.p++) {
		case '=':
			if (setting(&lx, name))
				return -1;
			break;
		case ':':
			if (section_open(&lx, name) || read_refs(&lx))
				return -1;
			if (at_end(&lx) || *lx.p != '{')
				return fail(&lx, "expected '{' after the references of section %s",
					    name);
			lx.p++;
			break;
		case '{':
			if (section_open(&lx, name))
				return -1;
			break;
		default:
			lx.p--;
			return fail(&lx, "expected '{' or '=' after \"%s\"",
				    name);
		}
	}
	if (c->depth != base)
		return fail(&lx, "%u section%s left open at the end of the file",
			    c->depth - base, c->depth - base == 1 ? "" : "s");
	return 0;
}

/* ---- a section as it is seen: its own settings, then inherited ones ---- */

struct view {
	int32_t sec[SWCONF_VIEW_MAX];
	unsigned int n;
};

static bool view_has(const struct view *v, int32_t sec)
{
	for (unsigned int i = 0; i < v->n; i++)
		if (v->sec[i] == sec)
			return true;
	return false;
}

static int view_add(struct view *v, int32_t sec)
{
	if (view_has(v, sec))
		return 0;
	if (v->n == SWCONF_VIEW_MAX)
		return -1;
	v->sec[v->n++] = sec;
	return 0;
}

/* Add the sections that those in @v inherit from, and theirs in turn.
 * A reference to a section that does not exist adds nothing, as in
 * charon. */
static int view_expand(const struct swconf *c, struct view *v)
{
	for (unsigned int i = 0; i < v->n; i++)
		for (int32_t r = c->node[v->sec[i]].first; r >= 0;
		     r = c->node[r].next) {
			int32_t to;

			if (c->node[r].kind != SWCONF_REF)
				continue;
			to = swconf_find(c, str_at(c, c->node[r].name));
			if (to >= 0 && view_add(v, to))
				return -1;
		}
	return 0;
}

/* Did a section before @upto in @v have a @kind named @name? */
static bool seen_before(const struct swconf *c, const struct view *v,
			unsigned int upto, uint8_t kind, const char *name)
{
	for (unsigned int i = 0; i < upto; i++)
		if (child_find(c, v->sec[i], kind, name) >= 0)
			return true;
	return false;
}

const char *swconf_get(const struct swconf *c, int32_t sec, const char *key)
{
	struct view v = { .sec = { sec }, .n = 1 };

	if (sec < 0 || view_expand(c, &v))
		return NULL;
	for (unsigned int i = 0; i < v.n; i++) {
		int32_t k = child_find(c, v.sec[i], SWCONF_KEY, key);

		if (k >= 0)
			return c->node[k].value < 0 ? NULL :
			       str_at(c, (uint32_t)c->node[k].value);
	}
	return NULL;
}

/* ---- when charon rekeys ---- */

int swconf_time(const char *value, uint32_t *secs)
{
	const char *p = value;
	uint64_t n = 0, unit = 1;

	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return -1;
	}
	while (*p == ' ')
		p++;
	switch (*p) {
	case 'd': case 'D':
		unit = 86400;
		p++;
		break;
	case 'h': case 'H':
		unit = 3600;
		p++;
		break;
	case 'm': case 'M':
		unit = 60;
		p++;
		break;
	case 's': case 'S':
		p++;
		break;
	}
	while (*p == ' ')
		p++;
	if (*p || n * unit > UINT32_MAX)
		return -1;
	*secs = (uint32_t)(n * unit);
	return 0;
}

/* @value's seconds, @dflt when it is not set; -1 if it is not a time. */
static int64_t time_or(const char *value, int64_t dflt)
{
	uint32_t s;

	if (!value)
		return dflt;
	return swconf_time(value, &s) ? -1 : (int64_t)s;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

uint32_t swconf_ike_rekey_bound(const char *rekey_time,
				const char *reauth_time,
				const char *over_time, const char *rand_time)
{
	int64_t rekey, reauth, over, rnd;

	rekey = time_or(rekey_time, rekey_time || reauth_time ? 0 : 4 * 3600);
	reauth = time_or(reauth_time, 0);
	if (rekey <= 0 || reauth < 0)
		return 0;
	over = time_or(over_time, max64(rekey, reauth) / 10);
	rnd = time_or(rand_time, min64(over, (reauth ? min64(rekey, reauth) :
						  rekey) / 2));
	if (over < 0 || rnd < 0 || rnd >= rekey)
		return 0;
	return (uint32_t)(rekey - rnd);
}

uint32_t swconf_child_rekey_bound(const char *rekey_time,
				  const char *life_time,
				  const char *rand_time)
{
	int64_t rekey, life, rnd, earliest;

	rekey = time_or(rekey_time, 3600);
	if (rekey <= 0)
		return 0;
	life = time_or(life_time, rekey * 110 / 100);
	rnd = time_or(rand_time, life - min64(life, rekey));
	if (life < 0 || rnd < 0)
		return 0;
	/* charon subtracts up to rand_time + 1 (child_cfg.c's
	 * apply_jitter()), and the kernel's soft expiry, which starts the
	 * rekey, counts from a whole second: up to one more. */
	earliest = rekey - (rnd ? rnd + 1 : 0) - 1;
	/* life_time 0 is no hard lifetime at all */
	if (life && life < earliest)
		earliest = life - 1;
	return earliest > 0 ? (uint32_t)earliest : 0;
}

/* Key @key of the child section @child of connection view @v, as the
 * children sections merge (the first that sets it), or NULL. */
static const char *child_get(const struct swconf *c, const struct view *v,
			     const char *child, const char *key)
{
	for (unsigned int i = 0; i < v->n; i++) {
		int32_t kids = child_find(c, v->sec[i], SWCONF_SECTION,
					  "children");
		int32_t sec = kids < 0 ? -1 :
			      child_find(c, kids, SWCONF_SECTION, child);
		const char *value = sec < 0 ? NULL : swconf_get(c, sec, key);

		if (value)
			return value;
	}
	return NULL;
}

int swconf_rekey_bounds(const struct swconf *c, const char *conn,
			const char *child, uint32_t *ike, uint32_t *child_s)
{
	int32_t conns = swconf_find(c, "connections");
	struct view v = { .n = 1 };

	v.sec[0] = conns < 0 ? -1 : child_find(c, conns, SWCONF_SECTION, conn);
	if (v.sec[0] < 0 || view_expand(c, &v))
		return -1;
	*ike = swconf_ike_rekey_bound(swconf_get(c, v.sec[0], "rekey_time"),
				      swconf_get(c, v.sec[0], "reauth_time"),
				      swconf_get(c, v.sec[0], "over_time"),
				      swconf_get(c, v.sec[0], "rand_time"));
	*child_s = swconf_child_rekey_bound(
		child_get(c, &v, child, "rekey_time"),
		child_get(c, &v, child, "life_time"),
		child_get(c, &v, child, "rand_time"));
	return 0;
}

/* "%unique" or "%unique/MASK": 0 with *@mask set, else -1. */
static int unique_mark(const char *value, uint32_t *mask)
{
	unsigned long long m;
	char *end;

	if (!value || strncasecmp(value, "%unique", 7))
		return -1;
	value += 7;
	if (!*value) {
		*mask = UINT32_MAX;
		return 0;
	}
	if (*value != '/' || !value[1])
		return -1;
	errno = 0;
	m = strtoull(value + 1, &end, 0);
	if (errno || *end || !m || m > UINT32_MAX)
		return -1;
	*mask = (uint32_t)m;
	return 0;
}

const char *swconf_child_marks(const struct swconf *c, const char *conn,
			       const char *child, uint32_t *mask)
{
	int32_t conns = swconf_find(c, "connections");
	struct view v = { .n = 1 };
	const char *set_in;
	uint32_t in, out;

	v.sec[0] = conns < 0 ? -1 : child_find(c, conns, SWCONF_SECTION, conn);
	if (v.sec[0] < 0 || view_expand(c, &v))
		return "no such connection";
	if (unique_mark(child_get(c, &v, child, "mark_in"), &in))
		return "its child has no mark_in = %unique";
	if (unique_mark(child_get(c, &v, child, "mark_out"), &out))
		return "its child has no mark_out = %unique";
	if (in != out)
		return "its child's mark_in and mark_out have different masks";
	set_in = child_get(c, &v, child, "set_mark_in");
	if (!set_in || strcasecmp(set_in, "%same"))
		return "its child has no set_mark_in = %same";
	*mask = out;
	return NULL;
}

uint32_t swconf_child_priority(const struct swconf *c, const char *conn,
			       const char *child)
{
	int32_t conns = swconf_find(c, "connections");
	struct view v = { .n = 1 };
	const char *prio;
	unsigned long long n;
	char *end;

	v.sec[0] = conns < 0 ? -1 : child_find(c, conns, SWCONF_SECTION, conn);
	if (v.sec[0] < 0 || view_expand(c, &v))
		return 0;
	prio = child_get(c, &v, child, "priority");
	if (prio) {
		errno = 0;
		n = strtoull(prio, &end, 0);
		if (errno || end == prio || *end || n > UINT32_MAX)
			return 0;
		if (n)
			return (uint32_t)n;
	}
	/* An "interface" takes 2 off the outbound policy's only (charon
	 * 5.9.8 names no interface for the inbound one): the higher of the
	 * two, the number a copy must rank below, is the same with or without. */
	return 400000 - (32 + 32) * 512 - 256 - 1;
}

uint32_t swconf_rekey_delay_ms(uint32_t bound, uint64_t age_ms,
			       uint32_t random)
{
	uint64_t at = (uint64_t)bound * (800 + random % 51);	/* ms */

	if (!bound)
		return UINT32_MAX;
	if (at <= age_ms)
		return 0;
	at -= age_ms;
	return at > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)at;
}

/* ---- to VICI ---- */

/* The keys swanctl sends as lists, and those it sends as file lists. */
static bool list_key(const char *key)
{
	static const char *const keys[] = {
		"local_addrs", "remote_addrs", "proposals", "esp_proposals",
		"ah_proposals", "local_ts", "remote_ts", "vips", "pools",
		"groups", "cert_policy",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcasecmp(key, keys[i]))
			return true;
	return false;
}

static bool file_list_key(const char *key)
{
	return !strcasecmp(key, "certs") || !strcasecmp(key, "cacerts") ||
	       !strcasecmp(key, "pubkeys");
}

struct emit {
	struct swconf *c;
	const struct swconf_vici_ops *ops;
	struct vici_builder *b;
	const char *path[SWCONF_DEPTH_MAX];
};

/* Each entry of a comma (and blank) separated list, as swanctl splits
 * it: empty entries dropped. */
static int emit_list(struct emit *e, const char *key, const char *value)
{
	char entry[VICI_NAME_MAX + 1], err[160] = "";
	bool files = file_list_key(key);

	vici_list(e->b, key);
	while (*value) {
		size_t len;

		value += strspn(value, ", ");
		len = strcspn(value, ", ");
		if (!len)
			break;
		if (len >= sizeof(entry)) {
			snprintf(e->c->error, sizeof(e->c->error),
				 "%s: an entry longer than %zu bytes", key,
				 sizeof(entry) - 1);
			return -1;
		}
		memcpy(entry, value, len);
		entry[len] = '\0';
		value += len;
		if (!files) {
			vici_item_str(e->b, entry);
		} else if (!e->ops->file_item ||
			   e->ops->file_item(e->ops->arg, key, entry, e->b, err,
					     sizeof(err))) {
			snprintf(e->c->error, sizeof(e->c->error),
				 "%.16s %.64s: %.160s", key, entry,
				 err[0] ? err : "cannot be read");
			return -1;
		}
	}
	vici_end_list(e->b);
	return 0;
}

static int emit_section(struct emit *e, struct view *v, unsigned int depth)
{
	const struct swconf *c = e->c;

	if (view_expand(c, v)) {
		snprintf(e->c->error, sizeof(e->c->error),
			 "more than %u sections inherited into one",
			 SWCONF_VIEW_MAX);
		return -1;
	}
	for (unsigned int i = 0; i < v->n; i++)
		for (int32_t k = c->node[v->sec[i]].first; k >= 0;
		     k = c->node[k].next) {
			const struct swconf_node *n = &c->node[k];
			const char *key = str_at(c, n->name), *value;

			if (n->kind != SWCONF_KEY || n->value < 0 ||
			    seen_before(c, v, i, SWCONF_KEY, key))
				continue;
			value = str_at(c, (uint32_t)n->value);
			if (e->ops->key && e->ops->key(e->ops->arg, e->path,
						       depth, key, value, e->b))
				continue;
			if (list_key(key) || file_list_key(key)) {
				if (emit_list(e, key, value))
					return -1;
			} else {
				vici_kv_str(e->b, key, value);
			}
		}
	for (unsigned int i = 0; i < v->n; i++)
		for (int32_t s = c->node[v->sec[i]].first; s >= 0;
		     s = c->node[s].next) {
			const char *name = str_at(c, c->node[s].name);
			struct view sub = { .n = 0 };

			if (c->node[s].kind != SWCONF_SECTION ||
			    seen_before(c, v, i, SWCONF_SECTION, name))
				continue;
			if (depth + 1 >= SWCONF_DEPTH_MAX)
				continue;	/* cannot be: parsing bounds it */
			for (unsigned int j = i; j < v->n; j++) {
				int32_t same = child_find(c, v->sec[j],
							  SWCONF_SECTION, name);

				if (same >= 0)
					view_add(&sub, same);
			}
			e->path[depth] = name;
			vici_section(e->b, name);
			if (emit_section(e, &sub, depth + 1))
				return -1;
			vici_end_section(e->b);
		}
	if (e->ops->section_end)
		e->ops->section_end(e->ops->arg, e->path, depth, e->b);
	if (e->b->error) {
		snprintf(e->c->error, sizeof(e->c->error), "%s",
			 e->b->error);
		return -1;
	}
	return 0;
}

int swconf_conn_to_vici(struct swconf *c, const char *name, const char *as,
			const struct swconf_vici_ops *ops,
			struct vici_builder *b)
{
	struct emit e = { .c = c, .ops = ops, .b = b };
	int32_t conns = swconf_find(c, "connections");
	struct view v = { .n = 0 };

	if (conns >= 0)
		v.sec[0] = child_find(c, conns, SWCONF_SECTION, name);
	if (conns < 0 || v.sec[0] < 0) {
		snprintf(c->error, sizeof(c->error),
			 "no connection %s in it", name);
		return -1;
	}
	v.n = 1;
	vici_section(b, as);
	if (emit_section(&e, &v, 0))
		return -1;
	vici_end_section(b);
	return b->error ? -1 : 0;
}
