"""Local broken servers: one real TLS server per failure the rules know.

Every scenario runs a real peer on 127.0.0.1 — OpenSSL ``s_server``, GnuTLS
``gnutls-serv``, nginx, or a small Python socket server for the non-TLS cases —
with files built by :mod:`tlsdoctor.lab.chains`.  Servers are started in their
own process group and stopped by PID; nothing else is ever signalled.

The :data:`SCENARIOS` table is the lab's manifest: for each scenario, the
finding a live check, a capture and a log must put first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from tlsdoctor.lab import chains, nsrelay, webservers
from tlsdoctor.lab.pki import ca, cert_pem, der_len, write_file

LOOPBACK = "127.0.0.1"

# RFC 2409 §6.2, the 1024-bit MODP group ("Oakley group 2"): a DH group every
# current client should refuse.
_MODP_1024 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)


def _der_int(n: int) -> bytes:
    body = n.to_bytes(n.bit_length() // 8 + 1, "big")
    return b"\x02" + der_len(len(body)) + body


def dh_params_pem(p: int, g: int) -> bytes:
    """PKCS #3 DHParameter (SEQUENCE { prime, base }) as PEM, for ``-dhparam``."""
    import base64

    body = _der_int(p) + _der_int(g)
    der = b"\x30" + der_len(len(body)) + body
    b64 = base64.encodebytes(der).replace(b"\n", b"")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return (
        b"-----BEGIN DH PARAMETERS-----\n" + b"\n".join(lines) + b"\n-----END DH PARAMETERS-----\n"
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    server: str
    """"openssl", "gnutls", "nginx", "http" (plain HTTP), "silent" (accepts, never
    answers), "closer" (closes on the ClientHello)."""
    chain: str | None = "healthy"
    """The chain case (lab.chains) whose files the server uses."""
    args: tuple[str, ...] = ()
    """Extra server arguments."""
    expect_live: str | None = None
    """First finding of ``tlsdoctor check`` (None: no FATAL or WARN)."""
    expect_capture: str | None = None
    expect_log: str | None = None
    check_timeout: float | None = None
    """The ``tlsdoctor check --timeout`` the expectation assumes (None: the default)."""
    needs: tuple[str, ...] = ()
    """Programs the scenario needs on PATH."""
    client_args: tuple[str, ...] = ()
    """Extra ``openssl s_client`` arguments when the scenario is recorded (capture, log)."""
    capture_versions: tuple[str | None, ...] = ("1.2", "1.3")
    """Protocol versions to record ("1.2", "1.3", or None for the client's default)."""

    @property
    def programs(self) -> tuple[str, ...]:
        """Programs the scenario's server needs on PATH."""
        return self.needs or _PROGRAMS.get(self.server, ())

    def missing(self) -> list[str]:
        """The programs it needs that this machine lacks."""
        return [p for p in self.programs if shutil.which(p) is None]


_PROGRAMS = {
    "openssl": ("openssl",),
    "nginx": ("nginx",),
    "apache": ("apache2",),
    "haproxy": ("haproxy",),
    "gnutls": ("gnutls-serv",),
}


_OSSL_LEGACY = ("-cipher", "DEFAULT:@SECLEVEL=0")

_NGINX_TLS = (
    "listen 127.0.0.1:{port} ssl;",
    "ssl_certificate {dir}/served.pem;",
    "ssl_certificate_key {dir}/server.key;",
    "ssl_protocols TLSv1.2 TLSv1.3;",
)
_APACHE_TLS = (
    "SSLEngine on",
    "SSLCertificateFile {dir}/served.pem",
    "SSLCertificateKeyFile {dir}/server.key",
    "SSLProtocol -all +TLSv1.2 +TLSv1.3",
)
_LEGACY_CIPHERS = "AES128-SHA:AES256-SHA:@SECLEVEL=0"

WEB_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("healthy-nginx", "a healthy nginx server", "nginx", args=_NGINX_TLS),
    Scenario(
        "missing-intermediate-nginx",
        "nginx serving only its own certificate",
        "nginx",
        chain="missing-intermediate",
        args=_NGINX_TLS,
        expect_live="chain.incomplete",
        expect_capture="chain.incomplete",
    ),
    Scenario(
        "legacy-nginx",
        "nginx with TLS 1.0/1.1 only",
        "nginx",
        chain="healthy-rsa",
        args=(*_NGINX_TLS[:3], "ssl_protocols TLSv1 TLSv1.1;", f"ssl_ciphers {_LEGACY_CIPHERS};"),
        expect_live="protocol.legacy-only",
        capture_versions=(),
    ),
    Scenario(
        "weak-dh-nginx",
        "nginx with DHE over a 1024-bit group only",
        "nginx",
        chain="healthy-rsa",
        args=(
            *_NGINX_TLS[:3],
            "ssl_protocols TLSv1.2;",
            "ssl_ciphers DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0;",
            "ssl_dhparam {dir}/dh1024.pem;",
        ),
        expect_live="cipher.weak-dh",
        capture_versions=(),
    ),
    Scenario(
        "plain-http-nginx",
        "nginx serving plain HTTP on the TLS port",
        "nginx",
        args=("listen 127.0.0.1:{port};",),
        expect_live="transport.plain-http",
        capture_versions=(),
    ),
    Scenario(
        "missing-intermediate-apache",
        "Apache serving only its own certificate",
        "apache",
        chain="missing-intermediate",
        args=_APACHE_TLS,
        expect_live="chain.incomplete",
        capture_versions=(),
    ),
    Scenario(
        "legacy-apache",
        "Apache with TLS 1.0/1.1 only",
        "apache",
        chain="healthy-rsa",
        args=(
            *_APACHE_TLS[:3],
            "SSLProtocol -all +TLSv1 +TLSv1.1",
            f"SSLCipherSuite {_LEGACY_CIPHERS}",
        ),
        expect_live="protocol.legacy-only",
        capture_versions=(),
    ),
    Scenario(
        "missing-intermediate-haproxy",
        "HAProxy serving only its own certificate",
        "haproxy",
        chain="missing-intermediate",
        args=("bind 127.0.0.1:{port} ssl crt {dir}/served_key.pem",),
        expect_live="chain.incomplete",
        capture_versions=(),
    ),
    Scenario(
        "legacy-haproxy",
        "HAProxy with TLS 1.0/1.1 only",
        "haproxy",
        chain="healthy-rsa",
        args=(
            f"bind 127.0.0.1:{{port}} ssl crt {{dir}}/served_key.pem ssl-min-ver TLSv1.0 ssl-max-ver TLSv1.1 ciphers {_LEGACY_CIPHERS}",
        ),
        expect_live="protocol.legacy-only",
        capture_versions=(),
    ),
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("healthy", "a healthy TLS 1.2/1.3 server", "openssl"),
    Scenario(
        "missing-intermediate",
        "serves only its own certificate",
        "openssl",
        chain="missing-intermediate",
        expect_live="chain.incomplete",
        expect_capture="chain.incomplete",
        expect_log="chain.incomplete",
    ),
    Scenario(
        "self-signed-leaf",
        "a device-style self-signed, non-CA certificate",
        "openssl",
        chain="self-signed-leaf",
        expect_live="chain.self-signed-leaf",
        expect_capture="chain.self-signed-leaf",
        expect_log="chain.self-signed-leaf",
    ),
    Scenario(
        "path-len",
        "root → Dev Int A (pathLen 0) → Dev Int B → leaf",
        "openssl",
        chain="path-len",
        expect_live="chain.path-len-exceeded",
        expect_capture="chain.path-len-exceeded",
        expect_log="chain.path-len-exceeded",
    ),
    Scenario(
        "expired",
        "an expired certificate",
        "openssl",
        chain="expired",
        expect_live="cert.expired",
        expect_capture="cert.expired",
        expect_log="cert.expired",
    ),
    Scenario(
        "wrong-host",
        "a certificate for other.example",
        "openssl",
        chain="wrong-host",
        expect_live="cert.name-mismatch",
        expect_capture="cert.name-mismatch",
        expect_log="cert.name-mismatch",
    ),
    Scenario(
        "sha1-leaf",
        "a SHA-1 signed certificate",
        "openssl",
        chain="sha1-leaf",
        args=_OSSL_LEGACY,
        expect_live="cert.weak-signature",
        expect_log="cert.weak-signature",
        expect_capture="cert.weak-signature",
    ),
    Scenario(
        "rsa1024-leaf",
        "an RSA-1024 certificate",
        "openssl",
        chain="rsa1024-leaf",
        args=_OSSL_LEGACY,
        expect_live="cert.weak-key",
        expect_log="cert.weak-key",
        expect_capture="cert.weak-key",
    ),
    Scenario(
        "legacy-tls10",
        "TLS 1.0 and 1.1 only, RSA key exchange only",
        "openssl",
        chain="healthy-rsa",
        args=("-no_tls1_2", "-no_tls1_3", "-cipher", "AES128-SHA:AES256-SHA:@SECLEVEL=0"),
        expect_live="protocol.legacy-only",
        expect_capture="protocol.legacy-only",
        capture_versions=(None,),
    ),
    Scenario(
        "weak-dh",
        "DHE with a 1024-bit group",
        "openssl",
        chain="healthy-rsa",
        args=(
            "-no_tls1_3",
            "-cipher",
            "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
            "-dhparam",
            "{dh1024}",
        ),
        expect_live="cipher.weak-dh",
        expect_log="cipher.weak-dh",
        expect_capture="cipher.weak-dh",
        client_args=("-cipher", "DEFAULT:@SECLEVEL=2"),
        capture_versions=("1.2",),
    ),
    Scenario(
        "mtls-required",
        "requires a client certificate from the lab's client CA",
        "openssl",
        args=(
            "-Verify",
            "1",
            "-verifyCAfile",
            "{client_ca}",
            "-CAfile",
            "{client_ca}",
            "-verify_return_error",
        ),
        expect_live="mtls.client-cert-required",
        expect_capture="mtls.empty-client-certificate",
        expect_log="mtls.empty-client-certificate",
        capture_versions=("1.3",),
    ),
    Scenario(
        "mtls-required-tls12",
        "requires a client certificate, TLS 1.2",
        "openssl",
        args=(
            "-Verify",
            "1",
            "-verifyCAfile",
            "{client_ca}",
            "-CAfile",
            "{client_ca}",
            "-verify_return_error",
            "-no_tls1_3",
        ),
        expect_live="mtls.client-cert-required",
        expect_capture="mtls.empty-client-certificate",
        expect_log="mtls.empty-client-certificate",
        capture_versions=("1.2",),
    ),
    Scenario(
        "psk-only",
        "PSK only (openssl s_server -psk abc123)",
        "openssl",
        chain=None,
        args=(
            "-nocert",
            "-psk",
            "abc123",
            "-psk_identity",
            "client1",
            "-cipher",
            "PSK",
            "-no_tls1_3",
        ),
        expect_live="psk.only",
        expect_log="cipher.no-common-suite",
        expect_capture="cipher.no-common-suite",  # its one answer: alert 40
        capture_versions=(None,),
    ),
    Scenario(
        "must-staple",
        "a must-staple certificate with no stapled OCSP response",
        "openssl",
        chain="must-staple",
        expect_live="ocsp.must-staple-not-stapled",
        expect_capture="ocsp.must-staple-not-stapled",
        client_args=("-status",),
    ),
    Scenario(
        "tls13-only",
        "TLS 1.3 only, OpenSSL",
        "openssl",
        args=("-tls1_3",),
        capture_versions=("1.3",),
    ),
    Scenario(
        "tls13-only-gnutls",
        "TLS 1.3 only, GnuTLS, asks for a client certificate",
        "gnutls",
        needs=("gnutls-serv",),
        args=(
            "--x509cafile",
            "{client_ca}",
            "--verify-client-cert",
            "--priority",
            "NORMAL:-VERS-ALL:+VERS-TLS1.3",
        ),
        capture_versions=("1.3",),
    ),
    Scenario(
        "requires-safe-renegotiation",
        "GnuTLS refusing clients that do not send renegotiation_info",
        "gnutls",
        needs=("gnutls-serv",),
        args=("--priority", "NORMAL:-VERS-TLS1.3:%SAFE_RENEGOTIATION"),
        expect_live="ext.required-by-server",
        capture_versions=("1.2",),
    ),
    Scenario(
        "plain-http",
        "plain HTTP on the TLS port",
        "http",
        chain=None,
        expect_live="transport.plain-http",
        expect_capture="transport.plain-http",
        capture_versions=(None,),
    ),
    Scenario(
        "silent",
        "accepts TCP and never answers",
        "silent",
        chain=None,
        expect_live="transport.hang",
        check_timeout=1.5,
        expect_capture="transport.hang",
        capture_versions=(None,),
    ),
    Scenario(
        "closer",
        "closes the connection on the ClientHello",
        "closer",
        chain=None,
        expect_live="transport.closed",
        expect_capture="transport.closed",
        capture_versions=(None,),
    ),
)

SCENARIOS = SCENARIOS + WEB_SCENARIOS
BY_NAME = {s.name: s for s in SCENARIOS}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    scenario: Scenario
    port: int
    pid: int
    directory: str
    files: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    owns_directory: bool = False
    """True when start() made the directory, so stop() removes it."""
    helpers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    """Processes started beside the server (the namespace relay), stopped with it."""

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"


# -------------------------------------------------------------------------- files


def _conventional(directory: str, built: chains.Built) -> dict[str, str]:
    """The file names fix snippets use: server.crt, server.key, intermediate.crt,
    root.pem, and — when the server serves its whole chain — fullchain.pem; plus
    the PEM bundles HAProxy loads (certificates and key in one file)."""
    assert built.leaf is not None
    leaf = built.leaf
    out: dict[str, str] = {}

    def put(name: str, data: bytes, private: bool = False) -> None:
        out[name] = os.path.join(directory, name)
        write_file(out[name], data, private)

    put("server.crt", leaf.cert_pem())
    put("server.key", leaf.key_pem(), private=True)
    put("intermediate.crt", leaf.chain_pem(leaf.chain[1:]))
    if leaf.issuer is not None:
        put("root.pem", leaf.root.cert_pem())
    put("served_key.pem", built.served + leaf.key_pem(), private=True)
    if built.served == leaf.chain_pem() and len(leaf.chain) > 1:
        put("fullchain.pem", leaf.chain_pem())
    return out


def build_files(scenario: Scenario, directory: str) -> dict[str, str]:
    """Write the scenario's certificates, keys and parameters into ``directory``."""
    os.makedirs(directory, exist_ok=True)
    files: dict[str, str] = {}
    if scenario.chain is not None:
        built = chains.BY_NAME[scenario.chain].build()
        paths = built.write(directory)
        files.update(paths)
        if built.leaf is not None:
            from cryptography import x509

            conventional = _conventional(directory, built)
            rest = os.path.join(directory, "rest.pem")
            served = x509.load_pem_x509_certificates(built.served)
            write_file(rest, b"".join(cert_pem(c) for c in served[1:]))
            files.update(
                leaf=conventional["server.crt"],
                leaf_key=conventional["server.key"],
                rest=rest,
                host=built.host,
            )
            files.update(conventional)
    if any("{client_ca}" in a for a in scenario.args):
        client_root = ca("Lab Client CA")
        good = client_root.leaf("lab-client", eku=("clientAuth",))
        other = ca("Unknown Client CA").leaf("stranger", eku=("clientAuth",))
        for name, data in (
            ("client_ca", client_root.cert_pem()),
            ("client_cert", good.cert_pem()),
            ("client_key", good.key_pem()),
            ("other_client_cert", other.cert_pem()),
            ("other_client_key", other.key_pem()),
        ):
            files[name] = os.path.join(directory, name + ".pem")
            write_file(files[name], data, private="key" in name)
    if any("dh1024" in a for a in scenario.args):
        files["dh1024"] = os.path.join(directory, "dh1024.pem")
        write_file(files["dh1024"], dh_params_pem(_MODP_1024, 2))
    return files


def _fill(args: Sequence[str], values: dict[str, str]) -> list[str]:
    """``args`` with their ``{name}`` placeholders (files, ``{port}``, ``{dir}``) filled."""
    return [a.format(**values) if "{" in a else a for a in args]


# ------------------------------------------------------------------------ servers


def _openssl_cmd(args: list[str], port: int, files: dict[str, str]) -> list[str]:
    cmd = ["openssl", "s_server", "-accept", f"{LOOPBACK}:{port}", "-www", "-quiet"]
    if "leaf" in files:
        cmd += ["-cert", files["leaf"], "-key", files["leaf_key"]]
        if os.path.getsize(files["rest"]) > 0:
            cmd += ["-cert_chain", files["rest"]]
    return cmd + args


def _gnutls_cmd(args: list[str], port: int, files: dict[str, str]) -> list[str]:
    return [
        "gnutls-serv",
        "--port",
        str(port),
        "--http",
        "--quiet",
        "--x509certfile",
        files["served"],
        "--x509keyfile",
        files["leaf_key"],
        *args,
    ]


def _python_cmd(kind: str, port: int) -> list[str]:
    return [sys.executable, "-m", "tlsdoctor.lab.tcpserver", kind, LOOPBACK, str(port)]


def start(scenario: Scenario, directory: str | None = None, port: int | None = None) -> Running:
    """Start one scenario's server; returns once it accepts TCP connections."""
    missing = scenario.missing()
    if missing:
        raise RuntimeError(
            f"scenario {scenario.name} needs {', '.join(missing)}, which is not installed"
        )
    owns = directory is None
    directory = directory or tempfile.mkdtemp(prefix=f"tlsdoctor-lab-{scenario.name}-")
    files = build_files(scenario, directory)
    port = port or free_port()
    args = _fill(scenario.args, {**files, "port": str(port), "dir": directory})
    if scenario.server == "openssl":
        cmd = _openssl_cmd(args, port, files)
    elif scenario.server == "gnutls":
        cmd = _gnutls_cmd(args, port, files)
    elif scenario.server == "nginx":
        cmd = webservers.nginx_setup(directory, args)
    elif scenario.server == "apache":
        cmd = webservers.apache_setup(directory, port, args)
    elif scenario.server == "haproxy":
        cmd = webservers.haproxy_setup(directory, args[0])
    else:
        cmd = _python_cmd(scenario.server, port)
    isolate = scenario.server == "gnutls" and nsrelay.available()
    if isolate:
        # gnutls-serv binds every interface: give it a namespace with loopback only.
        cmd = nsrelay.isolated(cmd)
    log = open(os.path.join(directory, "server.log"), "wb")  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=directory,
    )
    log.close()
    running = Running(scenario, port, proc.pid, directory, files, proc, owns)
    try:
        if isolate:
            running.helpers.append(nsrelay.start_relay(proc.pid, port))
        else:
            _wait_listening(port, proc)
    except BaseException:
        stop(running)
        raise
    return running


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"lab server exited with code {proc.returncode} before listening")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"lab server did not listen on port {port} within {timeout:.0f} s")


def stop(running: Running) -> None:
    """Stop the process groups we started (SIGTERM, then SIGKILL)."""
    for helper in running.helpers:
        _stop_group(helper.pid, helper)
    _stop_group(running.pid, running.proc)
    if running.owns_directory:
        shutil.rmtree(running.directory, ignore_errors=True)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _stop_group(pid: int, proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to the process group ``pid`` leads, SIGKILL after 3 s.  Without its
    Popen (a server `lab up` started in another process), waited for by PID."""
    _kill_group(pid, signal.SIGTERM)
    if proc is not None:
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            _kill_group(pid, signal.SIGKILL)
            proc.wait(timeout=3)
        return
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        _kill_group(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def running(name: str, directory: str | None = None) -> Iterator[Running]:
    """``with running("expired") as srv: ...`` — started, then always stopped."""
    srv = start(BY_NAME[name], directory)
    try:
        yield srv
    finally:
        stop(srv)


@dataclass(frozen=True)
class CheckTarget:
    """What ``tlsdoctor check`` is given for the manifest's expectation to hold."""

    address: str
    sni: str
    ca: str | None = None
    """The root to trust (``--ca``), when the scenario's chain has one."""
    timeout: float | None = None
    """``--timeout``; None for the command's default."""

    def args(self) -> list[str]:
        out = [self.address, "--sni", self.sni]
        if self.ca is not None:
            out += ["--ca", self.ca]
        if self.timeout is not None:
            out += ["--timeout", str(self.timeout)]
        return out


def check_target(srv: Running) -> CheckTarget:
    return CheckTarget(
        srv.address,
        str(srv.files.get("host", "localhost")),
        srv.files.get("ca"),
        srv.scenario.check_timeout,
    )


def check_args(srv: Running, *extra: str) -> list[str]:
    """``tlsdoctor check`` arguments the manifest's expectation assumes."""
    return [*check_target(srv).args(), *extra]
