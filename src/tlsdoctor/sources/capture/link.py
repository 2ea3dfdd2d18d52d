"""From a captured frame to a TCP segment: link layer, IP, TCP headers.

Link types are the tcpdump.org LINKTYPE_ registry values: 0 NULL (BSD
loopback, address family in the capturing host's byte order), 1 ETHERNET
(IEEE 802.3, with IEEE 802.1Q / 802.1ad VLAN tags), 12 and 14 (DLT_RAW as some
systems write it), 101 RAW, 108 LOOP (OpenBSD loopback, network byte order),
113 LINUX_SLL, 228 IPV4, 229 IPV6, 276 LINUX_SLL2.  IPv4 is RFC 791 (options
skipped through IHL; fragments are counted and skipped), IPv6 RFC 8200 §4
(extension headers walked), TCP RFC 9293 §3.1.

Every function takes the frame as ``(buffer, start, end)`` and returns either a
:data:`Segment` tuple or a short reason string saying why the frame carries no
TCP segment we use; nothing here raises on malformed bytes.
"""

from __future__ import annotations

import struct

Segment = tuple[bytes, bytes, int, int, int, int, int, int, int, int]
"""(src address, dst address, src port, dst port, seq, ack, flags,
payload start, payload end, payload bytes missing from the capture)."""

FIN = 0x01
SYN = 0x02
RST = 0x04
ACK = 0x10

_H = struct.Struct("!H")
ETH_IP4_TCP = struct.Struct("!HBxHxxHxBxx4s4sHHIIBB")
"""From the EtherType on: IPv4 version/IHL, total length, fragment word,
protocol, addresses, then the TCP ports, numbers, data offset and flags."""
_TCP = struct.Struct("!HHIIBB")
_ETH_VLAN = frozenset((0x8100, 0x88A8, 0x9100, 0x9200))
_AF_INET6 = frozenset((10, 24, 28, 30))
"""IPv6 address family numbers of Linux, the BSDs, Darwin, FreeBSD."""
_IPV6_EXT = frozenset((0, 43, 60, 135, 139, 140))
"""Hop-by-hop, routing, destination options, mobility, HIP, shim6: (len+1)*8 bytes."""

NOT_IP = "not IP"
NOT_TCP = "not TCP"
FRAGMENT = "IP fragment"
SHORT = "cut short"
UNKNOWN_LINK = "unknown link type"


def tcp_segment(linktype: int, buf: bytes, start: int, end: int) -> Segment | str:
    """The TCP segment in one frame, or why there is none."""
    if linktype == 1:
        return _ethernet(buf, start, end)
    if linktype == 113:
        if end - start < 16:
            return SHORT
        return _by_ethertype(_H.unpack_from(buf, start + 14)[0], buf, start + 16, end)
    if linktype == 276:
        if end - start < 20:
            return SHORT
        return _by_ethertype(_H.unpack_from(buf, start)[0], buf, start + 20, end)
    if linktype in (101, 12, 14):
        return _raw(buf, start, end)
    if linktype == 228:
        return _ipv4(buf, start, end)
    if linktype == 229:
        return _ipv6(buf, start, end)
    if linktype in (0, 108):
        if end - start < 4:
            return SHORT
        if linktype == 108:
            af = int.from_bytes(buf[start : start + 4], "big")
        else:
            af = int.from_bytes(buf[start : start + 4], "little")
            if af > 0xFFFF:
                af = int.from_bytes(buf[start : start + 4], "big")
        if af == 2:
            return _ipv4(buf, start + 4, end)
        if af in _AF_INET6:
            return _ipv6(buf, start + 4, end)
        return NOT_IP
    return UNKNOWN_LINK


def _ethernet(buf: bytes, p: int, end: int) -> Segment | str:
    if end - p < 14:
        return SHORT
    etype = _H.unpack_from(buf, p + 12)[0]
    p += 14
    while etype in _ETH_VLAN:
        if end - p < 4:
            return SHORT
        etype = _H.unpack_from(buf, p + 2)[0]
        p += 4
    return _by_ethertype(etype, buf, p, end)


def _by_ethertype(etype: int, buf: bytes, p: int, end: int) -> Segment | str:
    if etype == 0x0800:
        return _ipv4(buf, p, end)
    if etype == 0x86DD:
        return _ipv6(buf, p, end)
    return NOT_IP


def _raw(buf: bytes, p: int, end: int) -> Segment | str:
    if end <= p:
        return SHORT
    v = buf[p] >> 4
    if v == 4:
        return _ipv4(buf, p, end)
    if v == 6:
        return _ipv6(buf, p, end)
    return NOT_IP


def _ipv4(buf: bytes, p: int, end: int) -> Segment | str:
    if end - p < 20:
        return SHORT
    b0 = buf[p]
    if b0 >> 4 != 4:
        return NOT_IP
    ihl = (b0 & 0x0F) * 4
    total = _H.unpack_from(buf, p + 2)[0]
    if ihl < 20:
        return NOT_IP
    if _H.unpack_from(buf, p + 6)[0] & 0x3FFF:  # MF flag or a fragment offset
        return FRAGMENT
    if buf[p + 9] != 6:
        return NOT_TCP
    declared = p + total if total >= ihl else end  # total 0: segmentation offload
    return _tcp(buf[p + 12 : p + 16], buf[p + 16 : p + 20], buf, p + ihl, end, declared)


def _ipv6(buf: bytes, p: int, end: int) -> Segment | str:
    if end - p < 40:
        return SHORT
    if buf[p] >> 4 != 6:
        return NOT_IP
    plen = _H.unpack_from(buf, p + 4)[0]
    nxt = buf[p + 6]
    src = buf[p + 8 : p + 24]
    dst = buf[p + 24 : p + 40]
    declared = p + 40 + plen if plen else end  # 0: jumbogram or offload
    q = p + 40
    for _ in range(16):  # bounded walk of the extension header chain
        if nxt == 6:
            return _tcp(src, dst, buf, q, end, declared)
        if end - q < 8:
            return SHORT
        if nxt in _IPV6_EXT:
            nxt, hlen = buf[q], (buf[q + 1] + 1) * 8
        elif nxt == 44:  # Fragment header, RFC 8200 §4.5
            if _H.unpack_from(buf, q + 2)[0] & 0xFFF9:  # offset or M flag set
                return FRAGMENT
            nxt, hlen = buf[q], 8
        elif nxt == 51:  # Authentication Header, RFC 4302 §2.2
            nxt, hlen = buf[q], (buf[q + 1] + 2) * 4
        else:
            return NOT_TCP
        q += hlen
    return NOT_TCP


def _tcp(src: bytes, dst: bytes, buf: bytes, t: int, end: int, declared: int) -> Segment | str:
    if end - t < 20:
        return SHORT
    sport, dport, seq, ack, off, flags = _TCP.unpack_from(buf, t)
    hlen = (off >> 4) * 4
    if hlen < 20:
        return NOT_TCP
    pstart = t + hlen
    pend = min(end, declared)
    if pstart > pend:
        if pstart > declared:
            return NOT_TCP
        return SHORT
    return (src, dst, sport, dport, seq, ack, flags, pstart, pend, max(0, declared - pend))
