"""Checking a stapled OCSP response (RFC 6960 §3.2, §4.2; RFC 6066 §8).

The response must be successful, be for the served leaf (matching CertID),
be signed by the leaf's issuer or by a responder that issuer delegated
(id-kp-OCSPSigning, §4.2.2.2), be current (thisUpdate ≤ now ≤ nextUpdate), and
say "good".  No network: only the bytes the server stapled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp

from tlsdoctor.model import OcspStaple
from tlsdoctor.pki.sct import parse_sct_list, unwrap_octet_string

_OCSP_SCT_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.5")
_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9"
CLOCK_SKEW = timedelta(minutes=5)


def _verify_with(key: object, resp: ocsp.OCSPResponse) -> bool:
    try:
        h = resp.signature_hash_algorithm
        data = resp.tbs_response_bytes
        if isinstance(key, rsa.RSAPublicKey) and h is not None:
            key.verify(resp.signature, data, padding.PKCS1v15(), h)
        elif isinstance(key, ec.EllipticCurvePublicKey) and h is not None:
            key.verify(resp.signature, data, ec.ECDSA(h))
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


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
        signer_ok = _verify_with(issuer.public_key(), resp)
        if not signer_ok:
            for c in resp.certificates:
                delegated = False
                try:
                    eku = c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
                    delegated = any(o.dotted_string == _OCSP_SIGNING for o in eku)
                except x509.ExtensionNotFound:
                    pass
                try:
                    c.verify_directly_issued_by(issuer)
                    issued = True
                except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
                    issued = False
                if delegated and issued and _verify_with(c.public_key(), resp):
                    signer_ok = True
                    break
        if not signer_ok:
            problems.append("not signed by the certificate's issuer or a responder it delegated")
    scts = 0
    try:
        for ext in resp.single_extensions:
            if ext.oid == _OCSP_SCT_OID:
                raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
                scts += len(parse_sct_list(unwrap_octet_string(raw), "ocsp"))
            elif isinstance(ext.value, x509.SignedCertificateTimestamps):
                scts += len(list(ext.value))
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
