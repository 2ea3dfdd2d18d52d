"""Distinguished names from DER (RFC 5280 §4.1.2.4), for CertificateRequest lists.

A CertificateRequest carries the acceptable CAs as DER-encoded Names
(RFC 8446 §4.2.4, RFC 5246 §7.4.4); ``cryptography`` parses Names only inside
certificates, so this small reader turns one into a readable string.  Input is
untrusted: any malformed encoding gives ``ValueError``.
"""

from __future__ import annotations

from tlsdoctor.pki.der import read_tlv

_SHORT = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.5": "serialNumber",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
}

_STRING_TAGS = {0x0C, 0x13, 0x14, 0x16, 0x1A, 0x1E, 0x1C, 0x12}


def _read(buf: bytes, i: int) -> tuple[int, bytes, int]:
    """(tag, contents, next index) of the DER element at ``buf[i]``."""
    tag, start, end = read_tlv(buf, i)
    return tag, buf[start:end], end


def _oid(body: bytes) -> str:
    if not body:
        raise ValueError("empty OID")
    first = body[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for b in body[1:]:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _text(tag: int, body: bytes) -> str:
    if tag == 0x1E:  # BMPString
        return body.decode("utf-16-be", "replace")
    if tag == 0x1C:  # UniversalString
        return body.decode("utf-32-be", "replace")
    if tag in _STRING_TAGS:
        return body.decode("utf-8", "replace")
    return "#" + body.hex()


def name_from_der(der: bytes) -> str:
    """ "CN=Lab Client CA,O=tlsdoctor lab" (most specific first, as RFC 4514)."""
    tag, body, end = _read(der, 0)
    if tag != 0x30 or end != len(der):
        raise ValueError("not a DER Name")
    rdns: list[str] = []
    i = 0
    while i < len(body):
        tag, rdn, i = _read(body, i)
        if tag != 0x31:
            raise ValueError("RDN is not a SET")
        atvs = []
        j = 0
        while j < len(rdn):
            tag, atv, j = _read(rdn, j)
            if tag != 0x30:
                raise ValueError("attribute is not a SEQUENCE")
            otag, oid, k = _read(atv, 0)
            if otag != 0x06:
                raise ValueError("attribute type is not an OID")
            vtag, value, _ = _read(atv, k)
            key = _oid(oid)
            atvs.append(f"{_SHORT.get(key, key)}={_text(vtag, value)}")
        rdns.append("+".join(atvs))
    return ",".join(reversed(rdns))
