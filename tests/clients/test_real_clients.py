"""Every client that runs here: its real ClientHello equals its profile, and its real
verdict against every lab server equals the simulated one.

Clients: openssl s_client, gnutls-cli, Python ssl, curl, Java 17, Node, and small
wolfSSL and Mbed TLS clients built with gcc against Debian's -dev packages
(cached under $TLSDOCTOR_TEST_CACHE or ~/.cache/tlsdoctor-test/clients).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from matrix import SKIPPED, run
from realclients import CLIENTS, capture_hello

from support import ALL_PEERS, missing_peer
from tlsdoctor.clients.hellofacts import facts
from tlsdoctor.clients.profiles import profiles
from tlsdoctor.lab import servers
from tlsdoctor.lab.pki import ca

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    p = tmp_path_factory.mktemp("hello") / "ca.pem"
    p.write_bytes(ca("Hello Root").cert_pem())
    return str(p)


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_real_client_hello_matches_its_profile(name: str, ca_file: str) -> None:
    client = CLIENTS[name]
    if not client.available():
        missing_peer(f"{name} is not installed")
    ch = capture_hello(client, ca_file)
    assert ch is not None, f"{name} sent no ClientHello"
    profile = profiles()[client.profile]
    assert profile.runs_here == name
    diff = facts(ch).differences(profile.offer)
    assert not diff, f"{name}: " + "; ".join(diff)
    assert facts(ch).grease == profile.offer.grease
    assert (0x00FF in ch.cipher_suites) == profile.hello.renegotiation_scsv


@pytest.mark.timeout(900)
def test_simulated_verdicts_equal_real_ones_on_every_lab_server(tmp_path: Path) -> None:
    rows = run(str(tmp_path))
    assert rows
    wrong = [
        f"{r.scenario}/{r.client}: real {'ok' if r.real.ok else 'fails'} ({r.real.detail[-120:]}), "
        f"simulated {r.simulated} ({r.reason[:120]})"
        for r in rows
        if r.real.ok != (r.simulated == "pass")
    ]
    assert not wrong, "\n".join(wrong)
    seen = {r.client for r in rows}
    assert {"openssl", "python"} <= seen
    scenarios = {r.scenario for r in rows}
    assert {
        "healthy",
        "self-signed-leaf",
        "sha1-leaf",
        "rsa1024-leaf",
        "weak-dh",
        "must-staple",
        "legacy-tls10",
    } <= scenarios, SKIPPED
    if ALL_PEERS:  # every client and every lab server was installed: none may be left out
        assert not SKIPPED, SKIPPED
        assert seen == set(CLIENTS)
        assert scenarios == {s.name for s in servers.SCENARIOS}
