"""Fix builders shared by rules: the server setting or command that repairs a finding."""

from __future__ import annotations

from tlsdoctor.model import Fix


def serve_full_chain() -> tuple[Fix, ...]:
    return (
        Fix(
            "openssl",
            "Build the file the server sends: the leaf first, then each intermediate, "
            "each certificate issued by the next.",
            "cat server.crt intermediate.crt > fullchain.pem\n"
            "openssl verify -untrusted fullchain.pem -CAfile root.pem server.crt",
        ),
        Fix("nginx", "Point nginx at the full chain.", "ssl_certificate /etc/ssl/fullchain.pem;"),
        Fix(
            "apache",
            "Apache 2.4.8+ reads the chain from the certificate file.",
            "SSLCertificateFile /etc/ssl/fullchain.pem",
        ),
        Fix(
            "openssl",
            "HAProxy reads the certificates and the key from one file: leaf, intermediates, key.",
            "cat server.crt intermediate.crt server.key > site.pem",
        ),
        Fix(
            "haproxy",
            "Point the bind line at that file.",
            "bind :443 ssl crt /etc/haproxy/certs/site.pem",
        ),
        Fix(
            "caddy",
            "Caddy takes the full chain file.",
            "tls /etc/ssl/fullchain.pem /etc/ssl/server.key",
        ),
    )


def fetch_issuer(url: str) -> Fix:
    return Fix(
        "openssl",
        f"The certificate names where its issuer can be downloaded ({url}); fetch it and "
        "append it to the served chain.",
        f"curl -fsS '{url}' -o issuer.der\n"
        "openssl x509 -inform DER -in issuer.der -out issuer.pem  # or -inform PEM\n"
        "cat server.crt issuer.pem > fullchain.pem",
    )


def trust_private_root(root_hint: str) -> tuple[Fix, ...]:
    return (
        Fix(
            "general",
            f"If {root_hint} is your own CA, install its root certificate on every client "
            "that connects (and pass it to tlsdoctor with --ca); for a public service, get "
            "a certificate from a publicly trusted CA instead.",
        ),
        Fix(
            "openssl",
            "Check the chain against your root.",
            "openssl verify -CAfile root.pem -untrusted chain.pem server.crt",
        ),
    )


def reissue_leaf(what: str, names: str = "example.com") -> Fix:
    return Fix(
        "openssl",
        f"Issue a new server certificate {what}.",
        "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\\n"
        f"  -keyout server.key -out server.csr -subj '/CN={names}' \\\n"
        f"  -addext 'subjectAltName=DNS:{names}'\n"
        "# then have your CA sign server.csr (with serverAuth EKU)",
    )
