"""Checking a stapled OCSP response (RFC 6960 §3.2, §4.2; RFC 6066 §8).

The response must be successful, be for the served leaf (matching CertID),
be signed by the leaf's issuer or by a responder that issuer delegated
(id-kp-OCSPSigning, §4.2.2.2), be current (thisUpdate ≤ now ≤ nextUpdate), and
say "good".  No network: only the bytes the server stapled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from tlsdoctor.model import OcspStaple
from tlsdoctor.pki.certinfo import info, verifies, verify_signed
from tlsdoctor.pki.sct import ocsp_scts

CLOCK_SKEW = timedelta(minutes=5)


def _signed_by(cert: x509.Certificate, resp: ocsp.OCSPResponse) -> bool:
    """True when ``cert``'s key made the response's signature."""
    try:
        key = cert.public_key()
        h = resp.signature_hash_algorithm
    except (UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return verify_signed(key, resp.signature, resp.tbs_response_bytes, h)


def _delegated(c: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``c`` is an OCSP responder ``issuer`` delegated (RFC 6960 §4.2.2.2)."""
    eku = info(c).eku
    return (
        eku is not None
        and ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string in eku
        and verifies(c, issuer)
    )


def check_staple(
    der: bytes, leaf: x509.Certificate, issuer: x509.Certificate | None, at: datetime
) -> OcspStaple:
    """What is wrong (if anything) with ``der``, the stapled response for ``leaf``."""
    try:
        resp = ocsp.load_der_ocsp_response(der)
    except ValueError:
        return OcspStaple(status="unparsable", problems=("the staple is not a DER OCSP response",))
    if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return OcspStaple(
            status="unparsable",
            problems=(f"responder status {resp.response_status.name.lower()}",),
        )
    problems: list[str] = []
    try:
        status = resp.certificate_status.name.lower()
        this_update = resp.this_update_utc
        next_update = resp.next_update_utc
        serial = resp.serial_number
    except ValueError:
        return OcspStaple(status="unparsable", problems=("the response holds no single response",))
    if serial != leaf.serial_number:
        problems.append("the response is for another certificate (serial number differs)")
    if this_update > at + CLOCK_SKEW:
        problems.append(f"thisUpdate {this_update:%Y-%m-%d %H:%M} is in the future")
    if next_update is not None and next_update < at:
        problems.append(f"expired: nextUpdate was {next_update:%Y-%m-%d %H:%M}")
    signer_ok: bool | None = None
    if issuer is not None:
        signer_ok = _signed_by(issuer, resp) or any(
            _delegated(c, issuer) and _signed_by(c, resp) for c in resp.certificates
        )
        if not signer_ok:
            problems.append("not signed by the certificate's issuer or a responder it delegated")
    scts = 0
    try:
        scts = len(ocsp_scts(resp))
    except ValueError:
        problems.append("its SCT extension is malformed")
    return OcspStaple(
        status=status,
        signer_ok=signer_ok,
        this_update=this_update,
        next_update=next_update,
        problems=tuple(problems),
        scts=scts,
    )
