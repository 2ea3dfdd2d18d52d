"""The command line: parse arguments, call the engine, render.  Thin.

Imports of heavy modules (``cryptography``, the rules) happen inside the
commands that need them, so ``tlsdoctor explain`` starts fast.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from tlsdoctor import START, __version__
from tlsdoctor.errors import InputError, TlsDoctorError
from tlsdoctor.lab import DEFAULT_BASE_PORT as LAB_BASE_PORT
from tlsdoctor.model import Report, Secret, Severity
from tlsdoctor.progress import progress, shown

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("terminal", "json", "markdown", "html")


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep an output option in the context, so commands need not pass it along."""
    ctx.meta[f"tlsdoctor.{param.name}"] = value
    return value


def output_options(fn: F) -> F:
    """--format, --fail-on, --output and --quiet, shared by every command."""
    fn = click.option("--quiet", "-q", is_flag=True, help="No progress output on stderr.")(fn)
    fn = click.option(
        "--keep-names",
        is_flag=True,
        expose_value=False,
        callback=_remember,
        help="Markdown/HTML: keep host names and addresses (placeholders otherwise).",
    )(fn)
    fn = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, writable=True),
        default=None,
        help="Write the report to this file instead of standard output.",
    )(fn)
    fn = click.option(
        "--fail-on",
        type=click.Choice(["fatal", "warn"]),
        default="fatal",
        show_default=True,
        help="Exit 1 when a finding at or above this severity is reported.",
    )(fn)
    fn = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="terminal",
        show_default=True,
        help="How to render the report.",
    )(fn)
    return fn


def emit(report: Report, fmt: str, fail_on: str, output: str | None = None, **kw: Any) -> int:
    """Render ``report`` and return the exit code it deserves."""
    from tlsdoctor.report import render

    ctx = click.get_current_context(silent=True)
    if ctx is not None and "keep_names" not in kw:
        kw["keep_names"] = bool(ctx.meta.get("tlsdoctor.keep_names", False))
    text = render(report, fmt, color=output is None and sys.stdout.isatty(), **kw)
    _write_output(text, output)
    threshold = Severity.FATAL if fail_on == "fatal" else Severity.WARN
    worst = report.worst()
    return 1 if worst is not None and worst >= threshold else 0


def _write_output(text: str, output: str | None) -> None:
    """``text`` into the --output file, or onto standard output."""
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"tlsdoctor: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tlsdoctor")
def cli() -> None:
    """Tells you why a TLS handshake failed, and what fixes it.

    \b
    Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
    2 bad input or usage; 3 target unreachable; 4 nothing recognised.
    """


def _apply(fn: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        fn = option(fn)
    return fn


def trust_options(fn: F) -> F:
    """--ca, --system, --public-roots, --policy: whose roots and rules judge certificates."""
    return _apply(
        fn,
        [
            click.option(
                "--ca",
                "ca_files",
                multiple=True,
                type=click.Path(),
                help="A private root your clients trust (beside the public roots).",
            ),
            click.option(
                "--system",
                is_flag=True,
                help="Use the operating system's roots instead of Mozilla's.",
            ),
            click.option(
                "--public-roots",
                type=click.Path(),
                help="Treat the roots in this bundle as the public store (to try public-root "
                "rules such as CT on a test PKI).",
            ),
            click.option(
                "--policy",
                default="browser",
                show_default=True,
                help="Whose rules decide severity: browser, openssl-3.",
            ),
        ],
    )


def live_options(fn: F) -> F:
    """What a live handshake sends: SNI, a client certificate, a PSK; and its deadline."""
    return _apply(
        fn,
        [
            click.option(
                "--sni", help="Server name to send (default: the host name; none for an IP)."
            ),
            click.option(
                "--cert",
                "cert_file",
                type=click.Path(),
                help="Client certificate (PEM chain or PKCS#12) for mutual TLS.",
            ),
            click.option(
                "--key", "key_file", type=click.Path(), help="Private key of --cert (PEM)."
            ),
            click.option(
                "--passphrase-file",
                type=click.Path(),
                help="Passphrase for PKCS#12 or encrypted keys (or TLSDOCTOR_PASSPHRASE; '-' for stdin).",
            ),
            click.option("--psk-identity", help="PSK identity to use."),
            click.option(
                "--psk-file",
                type=click.Path(),
                help="File holding the PSK ('-' for stdin; or set TLSDOCTOR_PSK). Never on the "
                "command line.",
            ),
            click.option(
                "--psk-encoding",
                type=click.Choice(["hex", "ascii", "base64"]),
                default="hex",
                show_default=True,
                help="How to read the PSK text: hex (as openssl -psk), its ASCII bytes, or base64.",
            ),
            click.option(
                "--timeout",
                type=float,
                default=10.0,
                show_default=True,
                help="Deadline for each live check, in seconds.",
            ),
        ],
    )


def client_options(fn: F) -> F:
    """--client, --clients, --app-config and --ct-logs (the client simulator, issue 5)."""
    fn = click.option(
        "--ct-logs",
        type=click.Path(dir_okay=False),
        help="A CT log list (Google's or Apple's v3 JSON) to verify SCTs with, instead of "
        "the shipped snapshot.",
    )(fn)
    fn = click.option(
        "--app-config",
        type=click.Path(dir_okay=False),
        help="The app's Info.plist (ATS keys) or Android network_security_config.xml; "
        "changes the verdict of the matching clients.",
    )(fn)
    fn = click.option(
        "--clients",
        "clients_all",
        type=click.Choice(["all"]),
        help="Simulate every client profile (a matrix).",
    )(fn)
    fn = click.option(
        "--client",
        "client_names",
        multiple=True,
        help="Simulate this client (ios, chrome, android-14, java-17 …; see `tlsdoctor "
        "clients`); repeatable.",
    )(fn)
    return fn


def _client_list(names: tuple[str, ...], all_: str | None) -> list[str]:
    return ["all"] if all_ else list(names)


# ------------------------------------------------------------------------ cert


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--host", help="Name or IP address the client connects to (checks the name).")
@click.option("--key", "key_file", type=click.Path(), help="Private key the server uses.")
@click.option(
    "--passphrase-file",
    type=click.Path(),
    help="File holding the passphrase for PKCS#12 files or encrypted keys "
    "(or set TLSDOCTOR_PASSPHRASE, or pass '-' to read it from stdin).",
)
@trust_options
@client_options
@output_options
def cert(
    files: tuple[str, ...],
    host: str | None,
    ca_files: tuple[str, ...],
    system: bool,
    key_file: str | None,
    passphrase_file: str | None,
    public_roots: str | None,
    policy: str,
    client_names: tuple[str, ...],
    clients_all: str | None,
    app_config: str | None,
    ct_logs: str | None,
    fmt: str,
    fail_on: str,
    output: str | None,
    quiet: bool,
) -> None:
    """Diagnose certificate files: the chain a server serves, offline.

    FILES are PEM, DER, PKCS#7 or PKCS#12 files holding the certificates in the
    order the server sends them (leaf first).  Paths are built from them in any
    order, and a wrong served order is reported.
    """
    from tlsdoctor.engine import diagnose_cert_files

    report = diagnose_cert_files(
        list(files),
        host=host,
        ca_files=list(ca_files),
        system=system,
        key_file=key_file,
        passphrase=_passphrase(passphrase_file),
        policy_name=policy,
        public_roots=public_roots,
        clients=_client_list(client_names, clients_all),
        app_config=app_config,
        ct_logs=ct_logs,
    )
    sys.exit(emit(report, fmt, fail_on, output))


def _read_secret(path: str | None, env_var: str, what: str) -> bytes | None:
    """A secret from ``path`` (its line ending dropped; '-' reads one line of
    standard input), else from the environment variable; None when neither is given."""
    if path == "-":
        return sys.stdin.buffer.readline().rstrip(b"\r\n")
    if path:
        try:
            with open(path, "rb") as fh:
                return fh.read().rstrip(b"\r\n")
        except OSError as e:
            raise InputError(f"{path}: cannot read the {what} file ({e.strerror})") from None
    env = os.environ.get(env_var)
    return env.encode() if env is not None else None


def _passphrase(passphrase_file: str | None) -> bytes | None:
    return _read_secret(passphrase_file, "TLSDOCTOR_PASSPHRASE", "passphrase")


def _psk(psk_file: str | None, psk_identity: str | None) -> Secret | None:
    """The PSK as a Secret (from --psk-file, '-' for stdin, else TLSDOCTOR_PSK), or
    None when none is asked for.  A key needs an identity, and an identity a key."""
    if not (psk_file or psk_identity or os.environ.get("TLSDOCTOR_PSK")):
        return None
    value = _read_secret(psk_file, "TLSDOCTOR_PSK", "PSK")
    if value is None:
        raise InputError(
            "a PSK identity needs a key: --psk-file FILE, --psk-file - (stdin) or TLSDOCTOR_PSK"
        )
    value = value.strip()
    if not value:
        raise InputError("the PSK is empty")
    if not psk_identity:
        raise InputError("a PSK needs --psk-identity")
    return Secret(value, "PSK")


# ----------------------------------------------------------------------- check


@cli.command()
@click.argument("target")
@click.option("--no-sni", is_flag=True, help="Send no server name.")
@click.option(
    "--connect", "connect_ip", help="Connect to this IP address instead of resolving the name."
)
@click.option("--alpn", multiple=True, help="Offer this ALPN protocol (h2, http/1.1); repeatable.")
@click.option(
    "--full", is_flag=True, help="Enumerate every accepted version, cipher suite and group."
)
@live_options
@trust_options
@client_options
@output_options
def check(
    target: str,
    sni: str | None,
    no_sni: bool,
    connect_ip: str | None,
    alpn: tuple[str, ...],
    ca_files: tuple[str, ...],
    system: bool,
    public_roots: str | None,
    cert_file: str | None,
    key_file: str | None,
    passphrase_file: str | None,
    psk_identity: str | None,
    psk_file: str | None,
    psk_encoding: str,
    timeout: float,
    full: bool,
    policy: str,
    client_names: tuple[str, ...],
    clients_all: str | None,
    app_config: str | None,
    ct_logs: str | None,
    fmt: str,
    fail_on: str,
    output: str | None,
    quiet: bool,
) -> None:
    """Check a live server: TARGET is HOST[:PORT] (port 443 by default).

    Connects on its own (no openssl needed), reads the whole TLS 1.3 flight with
    its own key schedule, and says why a client would fail to connect.
    """
    from tlsdoctor.engine import check_options, diagnose_check, unreachable

    passphrase = _passphrase(passphrase_file)
    psk = _psk(psk_file, psk_identity)
    opts = check_options(
        target,
        sni=sni,
        no_sni=no_sni,
        connect=connect_ip,
        alpn=alpn,
        cert_file=cert_file,
        key_file=key_file,
        passphrase=passphrase,
        psk_identity=psk_identity,
        psk=psk,
        psk_encoding=psk_encoding,
        **_budget(timeout),
        full=full,
    )
    with progress(f"checking {target} …", quiet):
        report = diagnose_check(
            opts,
            ca_files=ca_files,
            policy_name=policy,
            system=system,
            public_roots=public_roots,
            passphrase=passphrase,
            clients=_client_list(client_names, clients_all),
            app_config=app_config,
            ct_logs=ct_logs,
        )
    code = emit(report, fmt, fail_on, output)
    sys.exit(3 if unreachable(report) else code)


REPORT_RESERVE = 0.08
"""Seconds kept back from ``--timeout`` for the rules and the report after the probes."""


def _budget(timeout: float) -> dict[str, float]:
    """The probes' deadline: ``--timeout`` bounds the whole command, so the
    command's own start-up and the report after the probes are paid from it.
    It counts from now (``started``), so imports between here and the first
    probe are paid from it too."""
    if timeout <= 0:
        raise InputError("--timeout must be positive")
    now = time.monotonic()
    return {"timeout": max(0.2 * timeout, timeout - (now - START) - REPORT_RESERVE), "started": now}


# ------------------------------------------------------------------------- log


@cli.command("log")
@click.argument("file", type=click.Path(allow_dash=True))
@click.option(
    "--log-format",
    "log_format",
    type=click.Choice(
        ["apple", "wolfssl", "mbedtls", "java", "gnutls", "curl", "openssl", "go", "python"]
    ),
    help="Read the log as this format instead of detecting it from the content.",
)
@click.option("--host", help="Name the client connected to (default: the SNI the log shows).")
@trust_options
@output_options
def log_command(
    file: str,
    log_format: str | None,
    ca_files: tuple[str, ...],
    host: str | None,
    system: bool,
    public_roots: str | None,
    policy: str,
    fmt: str,
    fail_on: str,
    output: str | None,
    quiet: bool,
) -> None:
    """Diagnose a TLS library's debug log: FILE, or '-' for standard input.

    \b
    Formats: Apple console/Xcode (BoringSSL, CFNetwork), wolfSSL debug,
    mbedTLS debug, OpenSSL s_client/s_server -msg/-trace/-state, GnuTLS
    gnutls-cli -d, Java -Djavax.net.debug, curl -v, Go and Python errors.
    The format is detected from the content.  Key material in the log is
    never shown.  Exit 4 when the format is not recognised (the error codes
    found in it are still explained).
    """
    from tlsdoctor.engine import diagnose_log
    from tlsdoctor.logreport import UnknownLogFormat

    try:
        with progress(f"reading {file} …", quiet):
            report = diagnose_log(
                file,
                fmt=log_format,
                ca_files=list(ca_files),
                host=host,
                policy_name=policy,
                system=system,
                public_roots=public_roots,
            )
    except UnknownLogFormat as e:
        if e.report.findings or fmt == "json":
            emit(e.report, fmt, fail_on, output)  # the error codes found in it, explained
        raise
    sys.exit(emit(report, fmt, fail_on, output))


# ------------------------------------------------------------------------ pcap


@cli.command()
@click.argument("file", type=click.Path())
@click.option(
    "--keylog", type=click.Path(), help="NSS key log (SSLKEYLOGFILE) to read encrypted handshakes."
)
@click.option("--host", help="Only connections with this IP address (either end) or SNI.")
@click.option("--port", type=int, help="Only connections on this port (either end).")
@click.option("--sni", help="Only connections whose SNI matches this name (wildcards allowed).")
@trust_options
@output_options
def pcap(
    file: str,
    keylog: str | None,
    host: str | None,
    port: int | None,
    sni: str | None,
    ca_files: tuple[str, ...],
    system: bool,
    public_roots: str | None,
    policy: str,
    fmt: str,
    fail_on: str,
    output: str | None,
    quiet: bool,
) -> None:
    """Diagnose the TLS connections in a packet capture (pcap or pcapng).

    Lists every TLS connection with its outcome, then explains each failure:
    alerts are read together with what came before them, certificates are
    judged at the capture's own time.
    """
    from tlsdoctor.engine import diagnose_pcap

    with progress(f"reading {file} …", quiet):
        report = diagnose_pcap(
            file,
            keylog=keylog,
            host=host,
            port=port,
            sni=sni,
            ca_files=ca_files,
            policy_name=policy,
            system=system,
            public_roots=public_roots,
        )
    sys.exit(emit(report, fmt, fail_on, output))


# -------------------------------------------------------------------- diagnose


@cli.command()
@click.argument("items", nargs=-1, required=True)
@click.option("--keylog", type=click.Path(), help="NSS key log for the captures among ITEMS.")
@click.option("--host", help="Name the clients connect to (checks certificate names).")
@live_options
@trust_options
@output_options
def diagnose(
    items: tuple[str, ...],
    keylog: str | None,
    ca_files: tuple[str, ...],
    host: str | None,
    sni: str | None,
    cert_file: str | None,
    key_file: str | None,
    passphrase_file: str | None,
    psk_identity: str | None,
    psk_file: str | None,
    psk_encoding: str,
    timeout: float,
    system: bool,
    public_roots: str | None,
    policy: str,
    fmt: str,
    fail_on: str,
    output: str | None,
    quiet: bool,
) -> None:
    """Diagnose any mix of evidence in one report.

    Each ITEM is a file (capture, log, certificates), '-' for standard input,
    a HOST[:PORT] to check live, or quoted error text; its kind is recognised
    from its content.  Facts from different sources meet: a client's alert in
    a capture is explained by the chain a live check saw.
    """
    from tlsdoctor.engine import diagnose_items, unreachable

    passphrase = (
        _passphrase(passphrase_file) if passphrase_file != "-" or "-" not in items else None
    )
    stdin = sys.stdin.buffer.read() if "-" in items else None
    psk = _psk(psk_file, psk_identity)
    check = {
        "sni": sni,
        "cert_file": cert_file,
        "key_file": key_file,
        "passphrase": passphrase,
        "psk_identity": psk_identity,
        "psk": psk,
        "psk_encoding": psk_encoding,
        **_budget(timeout),
    }
    show = shown(quiet)
    with progress("diagnosing …", quiet):
        report = diagnose_items(
            items,
            stdin=stdin,
            keylog=keylog,
            ca_files=ca_files,
            host=host,
            check=check,
            policy_name=policy,
            system=system,
            public_roots=public_roots,
            passphrase=passphrase,
            announce=(lambda m: click.echo(m, err=True)) if show else None,
        )
    code = emit(report, fmt, fail_on, output)
    only_hosts = all(not os.path.exists(i) and i != "-" for i in items)
    sys.exit(3 if only_hosts and unreachable(report) else code)


# --------------------------------------------------------------------- explain


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("text", nargs=-1, required=True, type=click.UNPROCESSED)
@output_options
def explain(text: tuple[str, ...], fmt: str, fail_on: str, output: str | None, quiet: bool) -> None:
    """Explain an error code, message or log excerpt from any TLS stack, or a rule id.

    TEXT may be several words, a pasted log line, or '-' to read standard input.
    """
    joined = " ".join(text)
    if joined.strip() == "-":
        joined = sys.stdin.read()
    if _RULE_ID.fullmatch(joined.strip()):
        from tlsdoctor.rules import RULES

        r = RULES.get(joined.strip())
        if r is not None:
            sys.exit(_print_rule(r, fmt, output))
    from tlsdoctor.catalog.explain import explain_text

    report = explain_text(joined)
    sys.exit(emit(report, fmt, fail_on, output))


_RULE_ID = re.compile(r"[a-z0-9]+\.[a-z0-9-]+")


def _print_rule(r: Any, fmt: str, output: str | None) -> int:
    """The long form of one rule: ``tlsdoctor explain chain.path-len-exceeded``."""
    if fmt == "json":
        import json

        text = json.dumps(
            {
                "id": r.id,
                "severity": r.severity.label,
                "title": r.title,
                "cite": list(r.cite),
                "doc": r.doc,
            },
            indent=2,
        )
    else:
        lines = [f"{r.id} ({r.severity.label}): {r.title}", "", r.doc, ""]
        lines.append("see: " + ", ".join(r.cite))
        text = "\n".join(lines)
    _write_output(text + "\n", output)
    return 0


# ------------------------------------------------------------------------- lab


@cli.command("clients")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal")
@click.option(
    "--sources", "show_sources", is_flag=True, help="Also print where each fact comes from."
)
def clients_command(fmt: str, show_sources: bool) -> None:
    """The client profiles the simulator knows (--client NAME / --clients all)."""
    from tlsdoctor.clients.listing import listing

    click.echo(listing(fmt, show_sources), nl=False)


@cli.group()
def lab() -> None:
    """Local broken servers and chains to try clients and tlsdoctor against."""


@lab.command("demo")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal")
def lab_demo(fmt: str) -> None:
    """Build broken chains (and start the lab), diagnose each, print the diagnoses."""
    from tlsdoctor.lab.demo import run_demo

    sys.exit(run_demo(fmt))


@lab.command("list")
def lab_list() -> None:
    """The lab's scenarios, where each runs, and the finding each should produce."""
    from tlsdoctor.lab.control import list_lines

    for line in list_lines():
        click.echo(line)


@lab.command("up")
@click.argument("names", nargs=-1)
@click.option(
    "--base-port",
    default=LAB_BASE_PORT,
    show_default=True,
    help="Port of the first scenario.",
)
def lab_up(names: tuple[str, ...], base_port: int) -> None:
    """Start lab servers on 127.0.0.1 (all of them without NAMES)."""
    from tlsdoctor.lab.control import up

    for line in up(names, base_port):
        click.echo(line)


@lab.command("down")
@click.argument("names", nargs=-1)
def lab_down(names: tuple[str, ...]) -> None:
    """Stop lab servers started with `lab up` (all of them without NAMES)."""
    from tlsdoctor.lab.control import down

    for line in down(names):
        click.echo(line)


def main(argv: list[str] | None = None) -> None:
    debug = bool(os.environ.get("TLSDOCTOR_DEBUG"))
    try:
        cli.main(args=argv, prog_name="tlsdoctor", standalone_mode=False)
    except TlsDoctorError as e:
        fail(str(e), e.exit_code)
    except click.exceptions.Abort:
        fail("aborted", 2)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # a bug: say so in one line, traceback only on request
        if debug:
            raise
        fail(
            f"internal error ({type(e).__name__}); run with TLSDOCTOR_DEBUG=1 for details "
            "and report it",
            70,
        )
    sys.exit(0)


def run() -> None:
    """The console script: :func:`main`, then a quick exit.

    The report is written and flushed; tearing down the interpreter (every
    module, ``cryptography``'s bindings) would only add time to a command whose
    ``--timeout`` the user counts on.
    """
    code: int
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)
