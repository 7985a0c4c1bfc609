// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the agent's event stream (what dmvpnctl monitor
 * reads from dmvpnd): any line either is refused or decodes to an event
 * that encodes to a line decoding to the same event.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agentev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[AGENT_EVENT_LINE_MAX * 2];
	struct agent_event ev, again;
	struct sbuf out = SBUF_INIT;
	struct errmsg err;
	struct json j;
	uint64_t lost;

	if (size >= sizeof(line))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (agent_event_decode(line, &ev, &lost, &err) != AGENT_LINE_EVENT)
		return 0;
	agent_event_to_text(&out, &ev);
	json_init(&j, &out, true);
	agent_event_to_json_at(&j, &ev, "t");
	sbuf_reset(&out);
	agent_event_encode(&out, &ev);
	if (!out.len || out.buf[out.len - 1] != '\n')
		abort();
	out.buf[--out.len] = '\0';
	if (agent_event_decode(out.buf, &again, &lost, &err) !=
	    AGENT_LINE_EVENT || memcmp(&ev, &again, sizeof(ev)))
		abort();
	sbuf_free(&out);
	return 0;
}
