#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""dmvpn_nhrp_sock.py: NHRP over a packet socket, as opennhrp and FRR nhrpd do it.

An AF_PACKET SOCK_DGRAM socket bound to a dmvpn (or ip_gre) device with
protocol 0x2001: sll_addr is the peer's 4-byte NBMA address.  Also reads a
pcap file of the underlay and lists the GRE packets in it.  Python standard
library only.

Usage:
  dmvpn_nhrp_sock.py send DEV NBMA HEX
      sends the bytes HEX to the NBMA address NBMA (sll_halen 4), or with
      no address at all (sll_halen 0) when NBMA is "none".
  dmvpn_nhrp_sock.py recv DEV [--count N] [--timeout S] [--ready FILE]
                        [--reply HEX] [--proto HEX]
      binds first (then creates FILE, if given), receives N packets (default
      1) and prints each as
        "from=A.B.C.D halen=4 pkttype=host hatype=778 proto=0x2001 len=N data=HEX"
      With --reply, answers each one with HEX, sent to the NBMA address it
      came from (what an NHS does with a registration).  With --proto,
      binds to that protocol instead of 0x2001.  Exit status 1 when fewer
      than N came within S seconds (default 10).
  dmvpn_nhrp_sock.py pcap FILE
      prints every IPv4 GRE packet of the (Ethernet, classic pcap) FILE as
        "src=A dst=A flags=0xNNNN key=N|none proto=0xNNNN len=N data=HEX"
"""

import errno
import socket
import struct
import sys
import time

ETH_P_NHRP = 0x2001
PKTTYPES = {0: "host", 1: "broadcast", 2: "multicast", 3: "otherhost",
            4: "outgoing"}


def nhrp_socket(dev, proto=ETH_P_NHRP):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                         socket.htons(proto))
    sock.bind((dev, proto))
    return sock


def do_send(dev, nbma, data):
    sock = nhrp_socket(dev)
    if nbma == "none":
        sock.sendto(data, (dev, ETH_P_NHRP))
    else:
        sock.sendto(data, (dev, ETH_P_NHRP, 0, 0, socket.inet_aton(nbma)))
    return 0


def describe(data, addr):
    _, proto, pkttype, hatype, haddr = addr
    src = socket.inet_ntoa(haddr) if len(haddr) == 4 else haddr.hex()
    return (f"from={src} halen={len(haddr)} "
            f"pkttype={PKTTYPES.get(pkttype, pkttype)} hatype={hatype} "
            f"proto={proto:#06x} len={len(data)} data={data.hex()}")


def do_recv(dev, count, timeout, ready, reply, proto):
    sock = nhrp_socket(dev, proto)
    if ready:
        with open(ready, "w", encoding="ascii") as f:
            f.write("bound\n")
    deadline = time.monotonic() + timeout
    got = 0
    while got < count:
        left = deadline - time.monotonic()
        if left <= 0:
            print(f"timeout after {got} of {count} packets", file=sys.stderr)
            return 1
        sock.settimeout(left)
        try:
            data, addr = sock.recvfrom(65535)
        except socket.timeout:
            continue
        print(describe(data, addr), flush=True)
        got += 1
        if reply is not None:
            sock.sendto(reply, (dev, ETH_P_NHRP, 0, 0, addr[4]))
    return 0


def do_pcap(path):
    with open(path, "rb") as f:
        blob = f.read()
    magic = blob[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        print(f"{path}: not a pcap file", file=sys.stderr)
        return 1
    linktype = struct.unpack_from(endian + "I", blob, 20)[0]
    if linktype != 1:
        print(f"{path}: link type {linktype}, not Ethernet", file=sys.stderr)
        return 1
    off = 24
    while off + 16 <= len(blob):
        caplen = struct.unpack_from(endian + "I", blob, off + 8)[0]
        frame = blob[off + 16:off + 16 + caplen]
        if len(frame) < caplen:
            break  # still being written
        off += 16 + caplen
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 47:
            continue
        total = struct.unpack_from("!H", ip, 2)[0]
        gre = ip[ihl:total]
        flags, proto = struct.unpack_from("!HH", gre)
        hlen = 4
        key = "none"
        if flags & 0x8000:
            hlen += 4
        if flags & 0x2000:
            key = str(struct.unpack_from("!I", gre, hlen)[0])
            hlen += 4
        if flags & 0x1000:
            hlen += 4
        payload = gre[hlen:]
        print(f"src={socket.inet_ntoa(ip[12:16])} "
              f"dst={socket.inet_ntoa(ip[16:20])} flags={flags:#06x} "
              f"key={key} proto={proto:#06x} len={len(payload)} "
              f"data={payload.hex()}")
    return 0


def main(argv):
    try:
        if len(argv) == 5 and argv[1] == "send":
            return do_send(argv[2], argv[3], bytes.fromhex(argv[4]))
        if len(argv) >= 3 and argv[1] == "recv":
            opts = {"--count": "1", "--timeout": "10", "--ready": None,
                    "--reply": None, "--proto": "0x2001"}
            rest = argv[3:]
            while rest:
                if rest[0] not in opts or len(rest) < 2:
                    raise ValueError(f"bad option '{rest[0]}'")
                opts[rest[0]] = rest[1]
                rest = rest[2:]
            reply = opts["--reply"]
            return do_recv(argv[2], int(opts["--count"]),
                           float(opts["--timeout"]), opts["--ready"],
                           bytes.fromhex(reply) if reply is not None else None,
                           int(opts["--proto"], 16))
        if len(argv) == 3 and argv[1] == "pcap":
            return do_pcap(argv[2])
    except OSError as e:
        name = errno.errorcode.get(e.errno, str(e.errno))
        print(f"Error: {name} ({e.strerror})", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
