"""Reading one DER element's tag and length (ITU-T X.690 §8.1).

The few places that walk DER by hand (names in a CertificateRequest, the
TBSCertificate fields, the OCTET STRING around an SCT list) share this reader.
Input is untrusted: a truncated or overlong element gives ``ValueError``.
"""

from __future__ import annotations

MAX_LENGTH_BYTES = 4
"""Long-form lengths of more than 4 bytes (4 GiB) are refused."""


def read_tlv(buf: bytes, i: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the element at ``buf[i]``.

    Single-byte tags only; the contents are ``buf[start:end]`` and the next
    element begins at ``end``.
    """
    if i < 0 or i + 2 > len(buf):
        raise ValueError("truncated DER element")
    tag = buf[i]
    first = buf[i + 1]
    if first < 0x80:
        length, start = first, i + 2
    else:
        n = first & 0x7F
        if n == 0 or n > MAX_LENGTH_BYTES or i + 2 + n > len(buf):
            raise ValueError("bad DER length")
        length, start = int.from_bytes(buf[i + 2 : i + 2 + n], "big"), i + 2 + n
    end = start + length
    if end > len(buf):
        raise ValueError("DER element runs past the end")
    return tag, start, end
