"""A client's policy: what it requires of a server before it completes a handshake.

A client profile *is* a policy (ARCHITECTURE.md): the chain and certificate rules
take one, so simulating a client reuses the rules instead of copying them.  This
module holds the type and the policies the rules need before the client
profiles exist: a current browser-grade client (the default) and OpenSSL 3 at
``-auth_level 2`` (to agree with ``openssl verify``).  Both are copies of facts
the profiles cite (``clients/profiles/chrome.toml``, ``openssl-3.toml``), kept
here so that ``--policy`` needs no profile loading; tests/clients/test_profiles.py
checks that the copies agree with the profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Policy:
    name: str
    """Short id: "browser", "openssl-3", "ios" ..."""
    display: str
    trust_store: str = "mozilla"
    """Which public roots: "mozilla" (certifi), "system" (the OS bundle), "none",
    or "file:PATH" (a shipped snapshot, or ``--public-roots``)."""

    # Keys and signatures
    min_rsa_bits: int = 2048
    min_rsa_bits_private: int | None = None
    """Minimum RSA size under a locally added root; ``None``: same as public."""
    min_ec_bits: int = 224
    weak_signature_hashes: frozenset[str] = frozenset({"md5", "sha1"})
    weak_signature_private_ok: bool = False
    """True when a locally added root exempts the chain from the hash rule."""

    # Names
    cn_fallback: bool = False
    """True when the client matches the subject CN if the certificate has no
    DNS SAN (OpenSSL does; browsers, Apple and Android do not)."""
    ip_in_dns_san_matches: bool = False
    """True when an IP address written as a dNSName SAN entry matches (no
    shipped profile sets it; ``cert.ip-in-dns-san`` is then silent)."""

    # Chain shape
    self_signed_leaf_ok: bool = False
    """True when a trusted self-signed non-CA leaf is accepted as its own anchor."""
    require_eku_present: bool = False
    """Apple (iOS 13+): the EKU extension must be present and include serverAuth.
    (An EKU extension without serverAuth fails for every client.)"""
    aia_fetching: bool = False
    """Fetches a missing intermediate from the AIA URL (Chrome on Windows/Android,
    Safari); a missing intermediate is then a warning for this client."""

    # Validity
    max_validity_days_public: int | None = 398
    max_validity_days_all: int | None = None
    validity_fatal: bool = True
    """Exceeding the maximum validity fails the handshake (Apple, Chrome)."""

    # Certificate Transparency
    ct_required: bool = False
    ct_policy: str | None = None
    """"apple" or "chrome": which SCT counting rules apply to public roots."""

    # What the client offers
    versions: tuple[int, ...] = (0x0303, 0x0304)
    """Protocol versions the client offers (TLS 1.2 = 0x0303, TLS 1.3 = 0x0304)."""
    cipher_suites: tuple[int, ...] = (
        0x1301,
        0x1302,
        0x1303,  # TLS 1.3 AES-GCM, ChaCha20
        0xC02B,
        0xC02F,
        0xC02C,
        0xC030,
        0xCCA9,
        0xCCA8,  # ECDHE AEAD
        0xC013,
        0xC014,  # ECDHE_RSA AES-CBC-SHA
        0x009C,
        0x009D,
        0x002F,
        0x0035,  # RSA key exchange
    )
    """Cipher suites the client offers, in its order."""
    groups: tuple[int, ...] = (0x001D, 0x0017, 0x0018)
    """Key exchange groups: x25519, secp256r1, secp384r1."""
    requires_forward_secrecy: bool = False
    """Apple ATS: only ECDHE suites."""

    # Key exchange
    dh_min_bits: int = 2048
    must_staple_enforced: bool = False

    # How this client names its errors, by finding id
    errors: dict[str, str] = field(default_factory=dict)

    # Added for client profiles (clients/profiles/*.toml); the defaults keep the
    # behaviour the rules had before profiles existed.
    signature_algorithms: tuple[int, ...] = ()
    """Signature schemes the client offers (empty: not modelled)."""
    ct_verify: bool = False
    """Certificate Transparency is judged by ``ct.policy-not-met``: SCT signatures
    are verified against a log list and counted by ``ct_policy``.  When False the
    older counting rules (``ct.no-scts``, ``cert.no-sct``) speak instead."""
    ct_log_list: str = "google"
    """Which shipped log list snapshot verifies SCTs ("google"), or "file:PATH"."""
    apple_validity_warning: bool = True
    """Warn that Apple clients reject lifetimes over 825 days (False for the
    Apple profiles themselves, which enforce the limit)."""
    ats: bool = False
    """Apple App Transport Security applies (URLSession / NSURLConnection)."""
    ignores_user_cas: bool = False
    """Android 7+ apps ignore user-installed CAs unless their
    network_security_config trusts them."""
    revocation: str = "none"
    """What the client does about revocation: "none", "soft-fail", "hard-fail" or
    "crlsets".  Shown by ``tlsdoctor clients``; no rule judges revocation."""
    sources: dict[str, str] = field(default_factory=dict)
    """Where each fact of this policy comes from, by field name."""
    min_version: int = 0
    """Lowest protocol version the client completes a handshake with (it may
    still list older ones in its hello: OpenSSL 3.0 at security level 1+)."""

    def with_inputs(
        self, public_roots: str | None = None, system: bool = False, ct_logs: str | None = None
    ) -> Policy:
        """This policy with the user's choices in place of its own: public roots
        (``--public-roots FILE``, ``--system``) and the CT log list (``--ct-logs FILE``)."""
        policy = self
        if public_roots:
            policy = replace(policy, trust_store=f"file:{public_roots}")
        elif system:
            policy = replace(policy, trust_store="system")
        if ct_logs:
            policy = replace(policy, ct_log_list=f"file:{ct_logs}")
        return policy

    def max_validity(self, public: bool) -> int | None:
        limits = [self.max_validity_days_all]
        if public:
            limits.append(self.max_validity_days_public)
        present = [d for d in limits if d is not None]
        return min(present) if present else None

    def min_rsa(self, public: bool) -> int:
        if not public and self.min_rsa_bits_private is not None:
            return self.min_rsa_bits_private
        return self.min_rsa_bits


BROWSER = Policy(
    name="browser",
    display="a current browser (Chrome/Firefox-grade)",
    max_validity_days_public=398,
    # Apple's 825-day rule applies to every root; the browser policy reports it as
    # a warning naming Apple clients rather than failing the handshake.
    max_validity_days_all=None,
    ct_required=True,
    ct_policy="chrome",
    must_staple_enforced=True,
    # Chrome's words (Chromium net/base/net_error_list.h), as in profiles/chrome.toml
    # [errors]; cert.no-sct is what chrome.toml calls ct.policy-not-met.
    errors={
        "chain.incomplete": "NET::ERR_CERT_AUTHORITY_INVALID",
        "chain.untrusted-root": "NET::ERR_CERT_AUTHORITY_INVALID",
        "chain.self-signed-leaf": "NET::ERR_CERT_AUTHORITY_INVALID",
        "chain.path-len-exceeded": "NET::ERR_CERT_INVALID",
        "chain.issuer-not-ca": "NET::ERR_CERT_AUTHORITY_INVALID",
        "chain.issuer-key-usage": "NET::ERR_CERT_INVALID",
        "cert.expired": "NET::ERR_CERT_DATE_INVALID",
        "cert.not-yet-valid": "NET::ERR_CERT_DATE_INVALID",
        "cert.name-mismatch": "NET::ERR_CERT_COMMON_NAME_INVALID",
        "cert.ip-in-dns-san": "NET::ERR_CERT_COMMON_NAME_INVALID",
        "cert.no-san": "NET::ERR_CERT_COMMON_NAME_INVALID",
        "cert.weak-key": "NET::ERR_CERT_WEAK_KEY",
        "cert.weak-signature": "NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM",
        "cert.eku-missing-server-auth": "NET::ERR_CERT_INVALID",
        "cert.validity-too-long": "NET::ERR_CERT_VALIDITY_TOO_LONG",
        "cert.no-sct": "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED",
    },
)

OPENSSL3 = Policy(
    # The offer, policy facts and error names of profiles/openssl-3.toml (which
    # cites a source for each; the offer is measured from openssl s_client 3.0).
    name="openssl-3",
    versions=(0x0304, 0x0303, 0x0302, 0x0301),
    cipher_suites=(
        0x1302,  # TLS_AES_256_GCM_SHA384
        0x1303,  # TLS_CHACHA20_POLY1305_SHA256
        0x1301,  # TLS_AES_128_GCM_SHA256
        0xC02C,  # TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        0xC030,  # TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        0x009F,  # TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
        0xCCA9,  # TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        0xCCA8,  # TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        0xCCAA,  # TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        0xC02B,  # TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        0xC02F,  # TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        0x009E,  # TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
        0xC024,  # TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384
        0xC028,  # TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
        0x006B,  # TLS_DHE_RSA_WITH_AES_256_CBC_SHA256
        0xC023,  # TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
        0xC027,  # TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
        0x0067,  # TLS_DHE_RSA_WITH_AES_128_CBC_SHA256
        0xC00A,  # TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
        0xC014,  # TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
        0x0039,  # TLS_DHE_RSA_WITH_AES_256_CBC_SHA
        0xC009,  # TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
        0xC013,  # TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
        0x0033,  # TLS_DHE_RSA_WITH_AES_128_CBC_SHA
        0x009D,  # TLS_RSA_WITH_AES_256_GCM_SHA384
        0x009C,  # TLS_RSA_WITH_AES_128_GCM_SHA256
        0x003D,  # TLS_RSA_WITH_AES_256_CBC_SHA256
        0x003C,  # TLS_RSA_WITH_AES_128_CBC_SHA256
        0x0035,  # TLS_RSA_WITH_AES_256_CBC_SHA
        0x002F,  # TLS_RSA_WITH_AES_128_CBC_SHA
    ),
    # x25519, secp256r1, x448, secp521r1, secp384r1, ffdhe2048 … ffdhe8192
    groups=(0x001D, 0x0017, 0x001E, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104),
    display="OpenSSL 3 (verify -purpose sslserver -auth_level 2)",
    trust_store="mozilla",
    min_rsa_bits=2048,
    weak_signature_hashes=frozenset({"md5", "sha1"}),
    cn_fallback=True,
    self_signed_leaf_ok=True,
    max_validity_days_public=None,
    max_validity_days_all=None,
    validity_fatal=False,
    ct_required=False,
    errors={
        "chain.incomplete": "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20)",
        "chain.untrusted-root": "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20); "
        "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN (19) when the root is sent",
        "chain.self-signed-leaf": "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT (18)",
        "chain.path-len-exceeded": "X509_V_ERR_PATH_LENGTH_EXCEEDED (25)",
        "chain.issuer-not-ca": "X509_V_ERR_INVALID_CA (79)",
        "chain.issuer-key-usage": "X509_V_ERR_KEYUSAGE_NO_CERTSIGN (32)",
        "cert.expired": "X509_V_ERR_CERT_HAS_EXPIRED (10)",
        "cert.not-yet-valid": "X509_V_ERR_CERT_NOT_YET_VALID (9)",
        "cert.name-mismatch": "X509_V_ERR_HOSTNAME_MISMATCH (62)",
        "cert.ip-in-dns-san": "X509_V_ERR_IP_ADDRESS_MISMATCH (64)",
        "cert.weak-key": "X509_V_ERR_EE_KEY_TOO_SMALL (66)",
        "cert.weak-signature": "X509_V_ERR_CA_MD_TOO_WEAK (68)",
        "cert.eku-missing-server-auth": "X509_V_ERR_INVALID_PURPOSE (26)",
        "protocol.legacy-only": "SSL routines::unsupported protocol",
        "protocol.no-common-version": "SSL routines::unsupported protocol",
        "cipher.no-common-suite": "SSL routines::sslv3 alert handshake failure",
        "cipher.weak-dh": "SSL routines::dh key too small",
        "mtls.client-cert-required": "SSL routines::tlsv13 alert certificate required",
    },
)

DEFAULT = BROWSER
POLICIES: dict[str, Policy] = {p.name: p for p in (BROWSER, OPENSSL3)}
