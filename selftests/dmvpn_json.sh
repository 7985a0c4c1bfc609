#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_json.sh: every "dmvpnctl -j" command, the kernel's and the
# agent's, prints what README's "JSON output" documents (issue 17).
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3
#      +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |
#      | dmvpnd |          | dmvpnd |          | dmvpnd |
#      +--------+          +---+----+          +---+----+
#      10.255.0.1          10.255.0.2          10.255.0.3
#      static map              | lan1              | lan2
#      10.20.0.0/16        10.1.0.0/24         10.2.0.0/24
#
# Checks, with s1 and s2 registered, s1 holding a Phase 2 shortcut to s2,
# and a negative entry and one with a holding time in s1's cache:
#   - cache show, cache get, stats, show dmvpn [detail], show nhrp
#     cache|nhs|shortcut|stats, flush, reload [--dry-run] and debug, each
#     on hub and s1: exactly one JSON object on one line; its top-level
#     keys are the documented ones; each listed object has exactly the
#     documented keys (ENTRY, PEER, ...); every key is snake_case, the
#     device is "device" (never "dev"), every prefix is "a/len", every
#     duration an integer or null in a *_secs key; the kernel's counters
#     and the agent's share no name; the lists are not empty where the lab
#     has something to list
#   - -j before the command and -j after it give the same keys, for the
#     kernel's commands and the agent's; -p indents the same document
#   - commands that only change something (cache add/del/flush, purge)
#     print nothing with -j, not an empty line
#   - monitor -j on hub and s1: every line one object with source,
#     event and device, the kernel's events (expired, miss) and the
#     agent's (reload, resolution, shortcut) alike
#   - "holdtime 0" is refused with the range the help shows; "stats
#     prometheus" refuses -j
#   - all agents alive; dmesg is clean

# About 2 minutes under TCG: run-all starts it before the short tests.
# selftests: long

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

# Long enough that no shortcut goes idle and expires during the test.
HOLD=600
MONITORS=()

cleanup() {
	local pid
	for pid in "${MONITORS[@]}" ${SCHEMA_PID:+"$SCHEMA_PID"}; do
		kill "$pid" 2>/dev/null
	done
	agents_stop KILL
	wait 2>/dev/null
	agent_logs_keep json-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# The schema of README's "JSON output", as a checker: SCHEMA KIND reads
# one command's stdout and says what does not fit.  KIND names the
# command; a "+" after it asks for a non-empty list.
SCHEMA='
import json, re, sys

ENTRY = {"device", "prefix", "family", "nbma", "type", "flags",
         "expires_secs", "idle_secs", "tx_packets", "tx_bytes",
         "priority", "mark", "ipsec_mark", "ipsec_mask"}
KSTATS = {"tx_shortcut", "tx_nhs", "tx_no_route", "tx_no_ipsec", "tx_nhrp",
          "tx_errors", "misses", "resolve_events", "redirect_events",
          "mcast_copies", "rx_packets", "rx_nhrp", "rx_err_truncated",
          "rx_err_header", "rx_err_key", "rx_err_csum", "rx_err_proto",
          "entries"}
TYPES = {"resolution_request", "resolution_reply", "registration_request",
         "registration_reply", "purge_request", "purge_reply",
         "error_indication", "traffic_indication"}
ASTATS = {"rx_malformed", "rx_auth_fail", "rx_dropped", "reg_refused",
          "rx_not_vouched", "errors_suppressed", "nhrp_tx_errors",
          "kernel_errors", "miss_events_read", "redirect_events_read",
          "expired_events_read", "resyncs", "dumps_interrupted",
          "nbma_checks", "intake_dropped", "intake_queued"}
LOOP = {"loop_turns", "loop_slow_turns", "loop_slowest_turn_us",
        "loop_busiest_turn_cpu_us"}
PEER = {"type", "nbma", "tunnel", "state", "uptime_secs", "expires_secs",
        "unique", "nat", "static", "group", "network", "ipsec"}
DETAIL = {"dynamic": {"claimed_nbma", "holdtime_secs", "resolvers"},
          "shortcut": {"via", "holdtime_secs"},
          "negative": {"via", "holdtime_secs"},
          "nhs": {"name", "priority", "last_code", "attempts"},
          "static": set()}
DEVICE = {"device", "role", "address", "address6", "peer_count", "peers",
          "ipsec"}
NHS = {"device", "nbma", "name", "tunnel", "priority", "state",
       "since_secs", "last_code", "nat_nbma"}
SHORTCUT = {"device", "prefix", "nbma", "via", "negative", "age_secs",
            "expires_secs"}
EVENT = {"time", "source", "event", "device", "peer", "nbma", "prefix",
         "family", "type", "nbma_src", "packet_src", "packet_dst",
         "packet_len", "reason"}
TOP = {"entries": ["entries"], "stats": ["stats"], "devices": ["devices"],
       "nhs": ["nhs"], "shortcuts": ["shortcuts"],
       "nhrp_stats": ["nhrp_stats", "agent"], "flushed": ["flushed"],
       "reload": ["dry_run", "warnings"], "debug": ["nhrp", "peers"]}
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
PREFIX = re.compile(r"^[0-9a-f.:]+/[0-9]{1,3}$")
bad = []

def fail(what):
    bad.append(what)

def keys_exactly(obj, want, what):
    if set(obj) != want:
        fail("%s: keys %s, want %s (extra %s, missing %s)" % (what,
             sorted(obj), sorted(want), sorted(set(obj) - want),
             sorted(want - set(obj))))

def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            if not SNAKE.match(k):
                fail("%s: key %r is not snake_case" % (path, k))
            if k in ("dev", "prefixlen", "used_msecs"):
                fail("%s: old key %r" % (path, k))
            if k in ("prefix", "network", "address", "address6") and \
               x is not None and \
               not (isinstance(x, str) and PREFIX.match(x)):
                fail("%s.%s = %r is not a/len" % (path, k, x))
            if k.endswith("_secs") and not (x is None or
               (isinstance(x, int) and not isinstance(x, bool) and x >= 0)):
                fail("%s.%s = %r is no duration" % (path, k, x))
            if k == "device" and not (isinstance(x, str) and x):
                fail("%s.device = %r" % (path, x))
            walk(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i))

def check_doc(kind, doc, nonempty):
    if not isinstance(doc, dict):
        fail("not an object: %s" % type(doc).__name__)
        return
    keys_exactly(doc, set(TOP[kind]), "top level")
    walk(doc, kind)
    if kind == "nhrp_stats":
        keys_exactly(doc.get("agent", {}), LOOP, "agent")
    lst = doc.get(TOP[kind][0])
    if nonempty and isinstance(lst, list) and not lst:
        fail("%s is empty" % kind)
    for i, o in enumerate(lst if isinstance(lst, list) else []):
        w = "%s[%d]" % (kind, i)
        if kind == "entries":
            keys_exactly(o, ENTRY, w)
        elif kind == "stats":
            if "device" not in o or not set(o) - {"device"} <= KSTATS:
                fail("%s: keys %s" % (w, sorted(set(o) - KSTATS)))
        elif kind == "nhrp_stats":
            keys_exactly(o, ASTATS | {"device", "rx", "tx"}, w)
            for d in ("rx", "tx"):
                keys_exactly(o.get(d, {}), TYPES, w + "." + d)
        elif kind == "devices":
            keys_exactly(o, DEVICE, w)
            for j, p in enumerate(o.get("peers", [])):
                want = PEER | (DETAIL.get(p.get("type"), set())
                               if DETAIL_WANTED else set())
                keys_exactly(p, want, "%s.peers[%d]" % (w, j))
            if nonempty and not o.get("peers"):
                fail(w + ": no peers")
        elif kind == "nhs":
            keys_exactly(o, NHS, w)
        elif kind == "shortcuts":
            keys_exactly(o, SHORTCUT, w)

assert not ASTATS & KSTATS, "the schema itself shares counter names"
kind = sys.argv[1]
nonempty = kind.endswith("+")
kind = kind.rstrip("+")
DETAIL_WANTED = len(sys.argv) > 2 and sys.argv[2] == "detail"
text = sys.stdin.read()
if kind == "events":
    lines = text.splitlines()
    if not lines:
        fail("no event")
    for n, line in enumerate(lines):
        try:
            ev = json.loads(line)
        except ValueError as e:
            fail("line %d: %s: %r" % (n + 1, e, line))
            continue
        if not isinstance(ev, dict) or not {"source", "event", "device"} <= set(ev) \
           or not set(ev) <= EVENT or ev["source"] not in ("kernel", "agent"):
            fail("line %d: %r" % (n + 1, line))
        walk(ev, "event")
elif kind == "nothing":
    if text != "":
        fail("printed %r, want nothing" % text)
else:
    if text.count("\n") != 1 or not text.endswith("\n"):
        fail("want one line, got %r" % text[:200])
    try:
        check_doc(kind, json.loads(text), nonempty)
    except ValueError as e:
        fail("%s: %r" % (e, text[:200]))
for b in bad[:10]:
    print(b)
sys.exit(1 if bad else 0)
'

# One python3 for the whole test (under TCG each start costs about 0.35 s
# of CPU, and the test checks some thirty documents) runs SCHEMA on files,
# one request a line on its stdin:
#   KIND [detail] FILE [FILE2]  SCHEMA KIND on FILE (and on FILE2, and
#                               their keys, "NAME": in order, compared:
#                               values vary between two calls)
#   pretty FILE FILE2           FILE2 is FILE indented (-p): same keys
# It answers with what does not fit, then "@@end STATUS": 1 FILE does not
# fit, 2 FILE2 does not, 4 their keys differ (added up).
SCHEMA_SERVER='
import json, re, sys
code = compile(sys.argv[1], "SCHEMA", "exec")

def keys(v):
    if isinstance(v, dict):
        return {k: keys(x) for k, x in v.items()}
    if isinstance(v, list):
        return [keys(x) for x in v]
    return None

def pretty(plain, indented):
    with open(plain) as a, open(indented) as b:
        text = b.read()
        same = keys(json.load(a)) == keys(json.loads(text))
    return 0 if same and "\n    " in text else 4

def schema(args, files):
    status, found = 0, []
    for bit, name in zip((1, 2), files):
        sys.argv = ["-c"] + args
        with open(name) as sys.stdin:
            try:
                exec(code, {"__name__": "__main__"})
            except SystemExit as e:
                if e.code:
                    status |= bit
        with open(name) as f:
            found.append(re.findall(r"\"[a-z0-9_]+\":", f.read()))
    if len(found) == 2 and found[0] != found[1]:
        status |= 4
    return status

for request in sys.stdin:
    words = request.split()
    try:
        if words[0] == "pretty":
            status = pretty(*words[1:])
        else:
            files = [w for w in words[1:] if w.startswith("/")]
            status = schema(words[:len(words) - len(files)], files)
    except Exception as err:
        print("%s: %s" % (type(err).__name__, err))
        status = 8
    sys.stdin = sys.__stdin__
    print("@@end %d" % status, flush=True)
'
# schema_ask REQUEST...: the server's answer to REQUEST: its lines on
# stdout, its status as ours.
schema_ask() {
	local line
	echo "$*" >&"$SCHEMA_IN" || return 8
	while IFS= read -r -t 60 -u "$SCHEMA_OUT" line; do
		[[ $line == "@@end "* ]] && return "${line#@@end }"
		printf '%s\n' "$line"
	done
	echo "no answer from the schema checker"
	return 8
}

# schema NODE KIND[+] [detail] -- ARGS...: dmvpnctl -j ARGS on NODE, and
# dmvpnctl ARGS -j, fit the schema of KIND (+: a non-empty list), with
# the same keys both ways.  Output goes through files: $(...) would hide
# an empty line or a missing newline.
schema() {
	local node=$1 kind=$2 detail='' status=0
	shift 2
	[ "$1" = detail ] && { detail=detail; shift; }
	shift			# --
	lab_ctl "$node" -j "$@" >"$CONF/before" || return 1
	lab_ctl "$node" "$@" -j >"$CONF/after" || return 1
	schema_ask "$kind" $detail "$CONF/before" "$CONF/after" || status=$?
	[ "$((status & 1))" -eq 0 ] || echo "dmvpnctl -j $*: $(<"$CONF/before")"
	[ "$((status & 2))" -eq 0 ] || echo "dmvpnctl $* -j: $(<"$CONF/after")"
	[ "$((status & 4))" -eq 0 ] ||
		echo "-j before and after differ: $(<"$CONF/before") $(<"$CONF/after")"
	[ "$status" -eq 0 ]
}

# pretty_same NODE ARGS...: -j -p ARGS is the same document as -j ARGS.
pretty_same() {
	local node=$1
	shift
	lab_ctl "$node" -j "$@" >"$CONF/plain" || return 1
	lab_ctl "$node" -j -p "$@" >"$CONF/indented" || return 1
	schema_ask pretty "$CONF/plain" "$CONF/indented"
}

# quiet_change NODE ARGS...: dmvpnctl -j ARGS succeeds and prints nothing.
quiet_change() {
	local node=$1
	shift
	lab_ctl "$node" -j "$@" >"$CONF/change" || return 1
	schema_ask nothing "$CONF/change" || {
		echo "dmvpnctl -j $*"
		return 1
	}
}

# monitor NODE: dmvpnctl -j -t monitor on NODE into $CONF/NODE.mon.
monitor() {
	"$DMVPNCTL" -n "${!1}" -j -t monitor \
		>"$CONF/$1.mon" 2>"$CONF/$1.mon.err" &
	MONITORS+=("$!")
}

seen() {
	grep -qE -- "$2" "$CONF/$1.mon"
}

# subscribed NODE: NODE's JSON monitor shows the agent's reload.
subscribed() {
	lab_ctl "$1" reload >/dev/null || return 1
	wait_until 2 seen "$1" '"event":"reload"'
}

fails_with_text() {
	local want_status=$1 want=$2 out status
	shift 2
	out=$("$@" 2>&1)
	status=$?
	if [ "$status" != "$want_status" ] || [[ $out != *"$want"* ]]; then
		echo "exit $status, want $want_status: $out"
		return 1
	fi
}

test_begin
agent_lab_begin python3 ping
coproc SCHEMA_JOB { exec python3 -S -c "$SCHEMA_SERVER" "$SCHEMA"; }
SCHEMA_PID=$SCHEMA_JOB_PID
exec {SCHEMA_IN}>&"${SCHEMA_JOB[1]}" {SCHEMA_OUT}<&"${SCHEMA_JOB[0]}"

agent_conf hub "role hub
network-id 7
holdtime $HOLD
auth s3cret
map 10.20.0.0/16 nbma 198.51.100.2"
agent_spoke_conf s1
agent_spoke_conf s2
agent_start hub
agent_start s1
agent_start s2
check "s1 registers" wait_until 20 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "s2 registers" wait_until 20 entry_is hub 10.255.0.3 dynamic 192.0.2.3
monitor hub
monitor s1
check "the JSON monitors are subscribed" \
	eval "wait_until 20 subscribed hub && wait_until 20 subscribed s1"
check "Phase 2: lan1 -> lan2 makes s1's shortcut to s2" \
	eval "ping_all lan1 10.2.0.10 3 0.2 &&
	      wait_until 10 entry_is s1 10.255.0.3 shortcut 192.0.2.3"
check "s1: a negative entry and one that expires (quiet with -j)" \
	eval "quiet_change s1 cache add 10.66.0.0/16 negative dev dmvpn0 holdtime 600 &&
	      quiet_change s1 cache add 10.67.0.0/24 nbma 192.0.2.9 dev dmvpn0 type shortcut holdtime 2"
# Gone before the documents below are read twice and compared: expiring
# between the two reads, it made them differ (seen once on 6.12).
check "... which expires (for s1's monitor, below)" \
	wait_until 10 not lab_ctl s1 cache get 10.67.0.0/24 dev dmvpn0

# ---- the kernel's commands
for node in hub s1; do
	check "$node: cache show" schema "$node" entries+ -- cache show
	check "$node: cache show dev dmvpn0" schema "$node" entries+ -- cache show dev dmvpn0
	check "$node: stats" schema "$node" stats+ -- stats
done
check "s1: cache get of the negative entry" \
	schema s1 entries+ -- cache get 10.66.0.0/16 dev dmvpn0
check "s1: cache show type shortcut" schema s1 entries+ -- cache show type shortcut
check "s1: cache show type static (an empty list, still an object)" \
	schema s1 entries -- cache show type static
check "-p indents the same document" pretty_same hub cache show

# ---- the agent's commands
for node in hub s1; do
	check "$node: show dmvpn" schema "$node" devices+ -- show dmvpn
	check "$node: show dmvpn detail" \
		schema "$node" devices+ detail -- show dmvpn detail
	check "$node: show nhrp cache" schema "$node" entries+ -- show nhrp cache
	check "$node: show nhrp stats" schema "$node" nhrp_stats+ -- show nhrp stats
	check "$node: reload --dry-run" schema "$node" reload -- reload --dry-run
done
check "s1: show nhrp nhs" schema s1 nhs+ -- show nhrp nhs
check "s1: show nhrp shortcut" schema s1 shortcuts+ -- show nhrp shortcut
check "hub: show nhrp nhs (a hub has none: an empty list)" \
	schema hub nhs -- show nhrp nhs
check "s1: debug" schema s1 debug -- debug
check "s1: debug nhrp peer on" schema s1 debug -- debug nhrp peer 192.0.2.1 on
check "s1: debug nhrp off" schema s1 debug -- debug nhrp off
check "-p indents the agent's too" pretty_same hub show dmvpn detail
check "hub: reload" schema hub reload -- reload
check "s1: purge prints nothing with -j" \
	quiet_change s1 purge 10.255.0.3 dev dmvpn0
check "s1: flush" schema s1 flushed -- flush dev dmvpn0
check "s1: cache del and cache flush print nothing with -j" \
	eval "quiet_change s1 cache del 10.66.0.0/16 dev dmvpn0 &&
	      quiet_change s1 cache flush dev dmvpn0 type negative"

# ---- monitor -j: the kernel's events and the agent's
check "s1 is resolved again (a miss, a resolution, a shortcut)" \
	eval "ping_all lan1 10.2.0.10 3 0.2 &&
	      wait_until 10 entry_is s1 10.255.0.3 shortcut 192.0.2.3"
check "s2 stopped and started again registers again" \
	eval "agent_stop s2 && wait_until 10 not entry_is hub 10.255.0.3 dynamic 192.0.2.3 &&
	      agent_start s2 && wait_until 20 entry_is hub 10.255.0.3 dynamic 192.0.2.3"
check "hub monitor: the agent's registration" \
	wait_until 10 seen hub '"source":"agent","event":"registration"'
check "hub monitor: the kernel's expiry" \
	eval "lab_ctl hub cache add 10.69.0.0/24 nbma 192.0.2.9 dev dmvpn0 type shortcut holdtime 1 &&
	      wait_until 10 seen hub '\"source\":\"kernel\",\"event\":\"expired\"'"
check "s1 monitor: the kernel's miss and expiry" \
	eval "wait_until 10 seen s1 '\"source\":\"kernel\",\"event\":\"miss\"' &&
	      wait_until 10 seen s1 '\"source\":\"kernel\",\"event\":\"expired\"'"
check "s1 monitor: the agent's shortcut" \
	wait_until 10 seen s1 '"source":"agent","event":"shortcut-added"'
for node in hub s1; do
	check "$node monitor: every line fits the schema" \
		schema_ask events "$CONF/$node.mon"
	check "$node monitor: nothing on stderr" \
		test ! -s "$CONF/$node.mon.err"
done

# ---- the command line
check "holdtime 0 is refused with the help's range" \
	fails_with_text 2 "invalid holdtime '0' (1..65535 seconds, or 'never')" \
	lab_ctl s1 cache add 10.68.0.0/24 nbma 192.0.2.9 dev dmvpn0 holdtime 0
check "... which is what the help says" \
	eval "lab_ctl s1 help | grep -qF 'SECS   := { 1..65535 | never }'"
check "stats prometheus refuses -j" \
	fails_with_text 2 "exclude each other" lab_ctl s1 -j stats prometheus

for node in hub s1 s2; do
	check "$node's agent alive" agent_alive "$node"
done
test_end
