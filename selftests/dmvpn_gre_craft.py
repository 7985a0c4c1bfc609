#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""dmvpn_gre_craft.py: send hand-made GRE packets, and listen for the answer.

A raw IPPROTO_GRE socket: this script writes the GRE header and what
follows, the kernel adds the outer IPv4 header.  Python standard library
only.

Usage:
  dmvpn_gre_craft.py send DST [OPTIONS]
      one packet (or --count N of them) to DST.
  dmvpn_gre_craft.py frag-needed DST --quote SRC QDST --mtu N [--bad-csum]
      an ICMP "fragmentation needed" (MTU N) to DST about a GRE packet
      SRC > QDST, with a right or wrong ICMP checksum.
  dmvpn_gre_craft.py fuzz DST --seed S --count N [--dev-key K] [--dev-csum]
      N pseudo-random GRE packets (flags, options, protocol, checksum and
      length all varied), then prints what the receiving dmvpn device
      (with key K or none, with or without csum) must count, as
      "rx_packets=N rx_nhrp=N rx_err_truncated=N rx_err_header=N
      rx_err_key=N rx_err_csum=N rx_err_proto=N ignored=N", following
      the rules of kmod/rx.c.

Options of send:
  --key N           a key field (and the K bit)
  --csum good|bad   a checksum field (and the C bit), right or wrong
  --seq N           a sequence number field (and the S bit)
  --flags HEX       more bits ORed into the first 16 bits (0x4000 routing,
                    0x0800 strict source route, 0x0700 recursion, 0x0078
                    reserved, 0x0007 version), without their fields
  --proto HEX       the protocol type (default 0x0800)
  --echo SRC DST    the payload is an IPv4 ICMP echo request SRC > DST
                    (--size bytes of ICMP data, default 16)
  --hex HEX         the payload is these bytes
  --truncate N      send only the first N bytes of the GRE packet
  --nest N SRC      wrap the payload N times more in IPv4 SRC > DST and GRE
                    (with --key and --csum as asked), as a tunnel inside the
                    same tunnel would
  --tos N           the outer TOS byte (ECN bits included)
  --src ADDR        write the outer IPv4 header too, with this source
                    (an IPPROTO_RAW socket: any address, martian or
                    spoofed; not with --reply or --no-reply)
  --df              with --src: set DF (the identification is 0), so that
                    GRO on the receiving side may take the packet
  --udp SRC DST PORT  the payload is an IPv4 UDP datagram SRC > DST:PORT
                    (DF, identification 0) of --size bytes
  --bad-l4-csum     ... with a wrong UDP checksum
  --reply SECONDS   then wait for the GRE packet carrying the matching ICMP
                    echo reply; print it as
                    "reply src=A dst=A flags=0xNNNN key=N|none csum=ok|bad|none
                     proto=0xNNNN inner=SRC>DST icmp=echo-reply"
                    and exit 0, or exit 1 when none came
  --no-reply SECONDS  wait as long, and exit 1 if the echo reply does come

The ICMP identifier and sequence are taken from --ident (default: the pid,
and in serve a new one for each command) and --icmp-seq (default 1).

  dmvpn_gre_craft.py counters DEV...
      every counter of each dmvpn device DEV, one "DEV dmvpn/NAME VALUE" a
      line, and the link statistics rx_errors, rx_packets and
      rx_frame_errors as "DEV link/NAME VALUE" (from /sys/class/net: the
      devices of the network namespace that mounted /sys).
  dmvpn_gre_craft.py read FILE...
      the first line of each FILE (sysfs counters), one a line.
  dmvpn_gre_craft.py snmp PROTO NAME...
      fields of /proc/net/snmp's PROTO lines ("Udp"), one value a line.
  dmvpn_gre_craft.py serve [--netns PATH]
      runs the commands above that stdin names, one a line (its arguments
      separated by tabs), and after each prints what it printed (stdout
      and stderr) and a line "@@exit STATUS".  With --netns, the packets
      leave from that network namespace (sockets made there), unless a
      command names another (send, fuzz and frag-needed take --netns PATH
      too); counters and snmp read the server's own.  Under TCG a Python process costs the
      host about 350 ms of CPU to start: a test that sends a hundred
      packets one by one starts one.
"""

import argparse
import contextlib
import ctypes
import io
import os
import random
import select
import socket
import struct
import sys
import time

GRE_CSUM = 0x8000
GRE_ROUTING = 0x4000
GRE_KEY = 0x2000
GRE_SEQ = 0x1000
GRE_STRICT = 0x0800
GRE_REC = 0x0700
GRE_FLAGS = 0x0078
GRE_VERSION = 0x0007
# What kmod/rx.c refuses outright (DMVPN_GRE_UNSUPPORTED).
UNSUPPORTED = GRE_ROUTING | GRE_STRICT | GRE_REC | GRE_FLAGS
CARRIED = (0x0800, 0x86DD, 0x2001)
IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0
CLONE_NEWNET = 0x40000000
# serve --netns: the namespace sockets are made in (a file), None for ours.
SENDER_NETNS = None
# serve: an ICMP identifier per command, so that a late reply to one
# command never passes for the answer to the next.
IDENT_OFFSET = 0


def setns(ns_file):
    """Moves this (single-threaded) process into the network namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(ns_file.fileno(), CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def sender_socket(proto, netns=None):
    """A raw IPv4 socket of proto, made in the network namespace netns (a
    path), else in SENDER_NETNS if there is one (a socket stays in the
    namespace it was made in)."""
    if netns is None and SENDER_NETNS is None:
        return socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    with open("/proc/self/ns/net") as own, \
            open(netns if netns else SENDER_NETNS.name) as target:
        setns(target)
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
        finally:
            setns(own)


def csum16(data):
    """The Internet checksum of data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def icmp_echo(src, dst, ident, seq, size):
    """An IPv4 packet holding an ICMP echo request."""
    data = bytes((i & 0xFF for i in range(size)))
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    icmp = icmp[:2] + struct.pack("!H", csum16(icmp)) + icmp[4:]
    total = 20 + len(icmp)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, 0, 64, 1, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum16(hdr)) + hdr[12:]
    return hdr + icmp


def udp_datagram(src, dst, port, size, bad_csum):
    """An IPv4 packet (DF, identification 0) holding a UDP datagram."""
    data = bytes((i & 0xFF for i in range(size)))
    length = 8 + len(data)
    pseudo = struct.pack("!4s4sBBH", socket.inet_aton(src),
                         socket.inet_aton(dst), 0, 17, length)
    udp = struct.pack("!HHHH", 40000, port, length, 0) + data
    check = csum16(pseudo + udp) or 0xFFFF
    if bad_csum:
        check ^= 0x5A5A
    udp = udp[:6] + struct.pack("!H", check) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, 0, 0x4000, 64,
                      17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum16(hdr)) + hdr[12:]
    return hdr + udp


def ipv4_gre(src, dst, gre, df=False):
    """An IPv4 packet src > dst holding gre."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(gre), 0,
                      0x4000 if df else 0, 64, 47,
                      0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum16(hdr)) + hdr[12:]
    return hdr + gre


def gre_packet(flags, proto, payload, key=None, csum=None, seq=None):
    """A GRE header (with the optional fields asked for) and payload.
    csum is None, "good" or "bad"."""
    if csum is not None:
        flags |= GRE_CSUM
    if key is not None:
        flags |= GRE_KEY
    if seq is not None:
        flags |= GRE_SEQ
    opts = b""
    if csum is not None:
        opts += b"\0\0\0\0"
    if key is not None:
        opts += struct.pack("!I", key)
    if seq is not None:
        opts += struct.pack("!I", seq)
    pkt = struct.pack("!HH", flags, proto) + opts + payload
    if csum is not None:
        value = csum16(pkt)
        if csum == "bad":
            value ^= 0x5A5A
        pkt = pkt[:4] + struct.pack("!H", value) + pkt[6:]
    return pkt


def parse_gre(ip_packet):
    """(src, dst, flags, key, csum state, proto, payload) of an IPv4
    packet holding GRE, or None."""
    if len(ip_packet) < 20:
        return None
    ihl = (ip_packet[0] & 0x0F) * 4
    src = socket.inet_ntoa(ip_packet[12:16])
    dst = socket.inet_ntoa(ip_packet[16:20])
    gre = ip_packet[ihl:]
    if len(gre) < 4:
        return None
    flags, proto = struct.unpack_from("!HH", gre)
    off = 4
    state, key = "none", None
    if flags & GRE_CSUM:
        state = "ok" if csum16(gre) == 0 else "bad"
        off += 4
    if flags & GRE_KEY:
        if len(gre) < off + 4:
            return None
        key = struct.unpack_from("!I", gre, off)[0]
        off += 4
    if flags & GRE_SEQ:
        off += 4
    return src, dst, flags, key, state, proto, gre[off:]


def matching_reply(inner, ident, seq):
    """True if inner is an IPv4 ICMP echo reply with this id and seq."""
    if len(inner) < 28 or inner[0] >> 4 != 4 or inner[9] != 1:
        return False
    ihl = (inner[0] & 0x0F) * 4
    icmp = inner[ihl:ihl + 8]
    if len(icmp) < 8:
        return False
    itype, _, _, iid, iseq = struct.unpack("!BBHHH", icmp)
    return itype == 0 and iid == ident and iseq == seq


def wait_reply(sock, ident, seq, timeout):
    """The summary line of the matching reply, or None after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            return None
        parsed = parse_gre(sock.recv(65535))
        if not parsed:
            continue
        src, dst, flags, key, state, proto, inner = parsed
        if proto != 0x0800 or not matching_reply(inner, ident, seq):
            continue
        isrc = socket.inet_ntoa(inner[12:16])
        idst = socket.inet_ntoa(inner[16:20])
        return (f"reply src={src} dst={dst} flags={flags:#06x} "
                f"key={'none' if key is None else key} csum={state} "
                f"proto={proto:#06x} inner={isrc}>{idst} icmp=echo-reply")


def gre_socket(netns=None):
    """A raw GRE socket whose big packets are fragmented, not refused."""
    sock = sender_socket(socket.IPPROTO_GRE, netns)
    sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    return sock


def do_send(args):
    if args.src and (args.reply is not None or args.no_reply is not None):
        print("--src sends only: nothing can answer a spoofed source",
              file=sys.stderr)
        return 2
    sock = gre_socket(args.netns)
    if args.tos is not None:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, args.tos)
    ident = args.ident
    if ident is None:
        ident = (os.getpid() + IDENT_OFFSET) & 0xFFFF
    if args.echo:
        src, dst = args.echo
        payload = icmp_echo(src, dst, ident, args.icmp_seq, args.size)
    elif args.udp:
        payload = udp_datagram(args.udp[0], args.udp[1], int(args.udp[2]),
                               args.size, args.bad_l4_csum)
    elif args.hex is not None:
        payload = bytes.fromhex(args.hex)
    else:
        payload = b""
    if args.nest:
        levels, src = int(args.nest[0]), args.nest[1]
        for _ in range(levels):
            payload = ipv4_gre(src, args.dst, gre_packet(
                0, int(args.proto, 16), payload, key=args.key, csum=args.csum))
    pkt = gre_packet(int(args.flags, 16), int(args.proto, 16), payload,
                     key=args.key, csum=args.csum, seq=args.seq)
    if args.truncate is not None:
        pkt = pkt[:args.truncate]
    if args.src:
        sock.close()
        sock = sender_socket(socket.IPPROTO_RAW, args.netns)
        pkt = ipv4_gre(args.src, args.dst, pkt, df=args.df)
    for _ in range(args.count):
        sock.sendto(pkt, (args.dst, 0))
    if args.reply is not None:
        line = wait_reply(sock, ident, args.icmp_seq, args.reply)
        if line is None:
            print("no reply", file=sys.stderr)
            return 1
        print(line)
    elif args.no_reply is not None:
        line = wait_reply(sock, ident, args.icmp_seq, args.no_reply)
        if line is not None:
            print(f"unexpected {line}", file=sys.stderr)
            return 1
    return 0


def classify(pkt, dev_key, dev_csum):
    """The counter kmod/rx.c bumps for pkt (a GRE packet), or "ignored"."""
    if len(pkt) < 4:
        return "rx_err_truncated"
    flags, proto = struct.unpack_from("!HH", pkt)
    if flags & GRE_VERSION:
        return "ignored"
    if flags & UNSUPPORTED:
        return "rx_err_header"
    hlen = 4 + sum(4 for bit in (GRE_CSUM, GRE_KEY, GRE_SEQ) if flags & bit)
    if len(pkt) < hlen:
        return "rx_err_truncated"
    has_key = bool(flags & GRE_KEY)
    if has_key != (dev_key is not None):
        return "rx_err_key"
    if has_key:
        off = 8 if flags & GRE_CSUM else 4
        if struct.unpack_from("!I", pkt, off)[0] != dev_key:
            return "rx_err_key"
    if proto not in CARRIED:
        return "rx_err_proto"
    if flags & GRE_CSUM:
        if csum16(pkt) != 0:
            return "rx_err_csum"
    elif dev_csum:
        return "rx_err_csum"
    # The inner IPv4 or IPv6 header must be there whole (ECN reads it).
    if len(pkt) - hlen < {0x0800: 20, 0x86DD: 40}.get(proto, 0):
        return "rx_err_truncated"
    return "rx_nhrp" if proto == 0x2001 else "rx_packets"


def random_packet(rng, dev_key):
    """A GRE packet near the valid ones, so that every rule is reached."""
    flags = 0
    for bit, chance in ((GRE_ROUTING, 0.05), (GRE_STRICT, 0.05),
                        (0x0100, 0.05), (0x0040, 0.05), (0x0080, 0.1),
                        (0x0001, 0.05)):
        if rng.random() < chance:
            flags |= bit
    proto = rng.choice((0x0800, 0x0800, 0x86DD, 0x2001, 0x6558,
                        rng.randrange(0x10000)))
    key = None
    if rng.random() < 0.8:
        key = dev_key if dev_key is not None and rng.random() < 0.7 \
            else rng.randrange(1 << 32)
    csum = rng.choice((None, "good", "good", "bad"))
    seq = rng.randrange(1 << 32) if rng.random() < 0.2 else None
    payload = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
    pkt = gre_packet(flags, proto, payload, key=key, csum=csum, seq=seq)
    if rng.random() < 0.15:
        # At least one byte: an empty datagram is never sent.
        pkt = pkt[:rng.randrange(1, len(pkt) + 1)]
    return pkt


def do_fuzz(args):
    sock = gre_socket(args.netns)
    rng = random.Random(args.seed)
    names = ("rx_packets", "rx_nhrp", "rx_err_truncated", "rx_err_header",
             "rx_err_key", "rx_err_csum", "rx_err_proto", "ignored")
    counts = dict.fromkeys(names, 0)
    for _ in range(args.count):
        pkt = random_packet(rng, args.dev_key)
        counts[classify(pkt, args.dev_key, args.dev_csum)] += 1
        sock.sendto(pkt, (args.dst, 0))
    print(" ".join(f"{name}={counts[name]}" for name in names))
    return 0


def do_frag_needed(args):
    quoted = ipv4_gre(args.quote[0], args.quote[1],
                      gre_packet(0, 0x0800, bytes(24)))[:28]
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, args.mtu) + quoted
    value = csum16(icmp)
    if args.bad_csum:
        value ^= 0x5A5A
    icmp = icmp[:2] + struct.pack("!H", value) + icmp[4:]
    with sender_socket(socket.IPPROTO_ICMP, args.netns) as sock:
        sock.sendto(icmp, (args.dst, 0))
    return 0


def do_counters(args):
    for dev in args.dev:
        base = f"/sys/class/net/{dev}"
        names = [f"dmvpn/{name}" for name in sorted(os.listdir(f"{base}/dmvpn"))]
        names += ["statistics/rx_errors", "statistics/rx_packets",
                  "statistics/rx_frame_errors"]
        for name in names:
            with open(f"{base}/{name}") as f:
                value = int(f.read())
            if name.startswith("statistics/"):
                name = "link/" + name[len("statistics/"):]
            print(f"{dev} {name} {value}")
    return 0


def do_read(args):
    for name in args.file:
        with open(name) as f:
            print(f.readline().rstrip("\n"))
    return 0


def do_snmp(args):
    with open("/proc/self/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith(args.proto + ":")]
    if len(rows) != 2:
        print(f"no {args.proto} lines in /proc/net/snmp", file=sys.stderr)
        return 1
    fields = dict(zip(rows[0][1:], rows[1][1:]))
    for name in args.name:
        if name not in fields:
            print(f"no field {args.proto} {name}", file=sys.stderr)
            return 1
        print(fields[name])
    return 0


def run(parser, argv):
    """One command line; its exit status."""
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except SystemExit as e:
        if e.code is None:
            return 0
        return e.code if isinstance(e.code, int) else 1


def serve(parser, netns):
    global SENDER_NETNS, IDENT_OFFSET
    if netns:
        # pylint: disable=consider-using-with # for the whole run
        SENDER_NETNS = open(netns)
    for line in sys.stdin:
        IDENT_OFFSET += 1
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                status = run(parser, line.rstrip("\n").split("\t"))
            except Exception as e:  # pylint: disable=broad-except
                print(f"{type(e).__name__}: {e}")
                status = 1
        sys.stdout.write(out.getvalue())
        print(f"@@exit {status}", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    send = sub.add_parser("send")
    send.add_argument("dst")
    send.add_argument("--key", type=lambda s: int(s, 0))
    send.add_argument("--csum", choices=("good", "bad"))
    send.add_argument("--seq", type=lambda s: int(s, 0))
    send.add_argument("--flags", default="0")
    send.add_argument("--proto", default="0x0800")
    send.add_argument("--echo", nargs=2, metavar=("SRC", "DST"))
    send.add_argument("--size", type=int, default=16)
    send.add_argument("--hex")
    send.add_argument("--truncate", type=int)
    send.add_argument("--nest", nargs=2, metavar=("N", "SRC"))
    send.add_argument("--tos", type=lambda s: int(s, 0))
    send.add_argument("--src")
    send.add_argument("--df", action="store_true")
    send.add_argument("--udp", nargs=3, metavar=("SRC", "DST", "PORT"))
    send.add_argument("--bad-l4-csum", action="store_true")
    send.add_argument("--count", type=int, default=1)
    send.add_argument("--ident", type=lambda s: int(s, 0))
    send.add_argument("--icmp-seq", type=int, default=1)
    send.add_argument("--reply", type=float)
    send.add_argument("--no-reply", type=float)
    fuzz = sub.add_parser("fuzz")
    fuzz.add_argument("dst")
    fuzz.add_argument("--seed", type=int, required=True)
    fuzz.add_argument("--count", type=int, required=True)
    fuzz.add_argument("--dev-key", type=lambda s: int(s, 0))
    fuzz.add_argument("--dev-csum", action="store_true")
    frag = sub.add_parser("frag-needed")
    frag.add_argument("dst")
    frag.add_argument("--quote", nargs=2, metavar=("SRC", "QDST"),
                      required=True)
    frag.add_argument("--mtu", type=int, required=True)
    frag.add_argument("--bad-csum", action="store_true")
    counters = sub.add_parser("counters")
    counters.add_argument("dev", nargs="+")
    read = sub.add_parser("read")
    read.add_argument("file", nargs="+")
    snmp = sub.add_parser("snmp")
    snmp.add_argument("proto")
    snmp.add_argument("name", nargs="+")
    for sender in (send, fuzz, frag):
        sender.add_argument("--netns")
    for name, func in (("send", do_send), ("fuzz", do_fuzz),
                       ("frag-needed", do_frag_needed),
                       ("counters", do_counters), ("read", do_read),
                       ("snmp", do_snmp)):
        sub.choices[name].set_defaults(func=func)
    if sys.argv[1:2] == ["serve"]:
        server = argparse.ArgumentParser(prog="dmvpn_gre_craft.py serve")
        server.add_argument("--netns")
        return serve(parser, server.parse_args(sys.argv[2:]).netns)
    return run(parser, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
