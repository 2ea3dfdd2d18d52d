"""Profiles are data: every fact cites a source, the offers build, errors link to the catalog."""

from __future__ import annotations

import pytest

from tlsdoctor.clients.hellofacts import profile_facts
from tlsdoctor.clients.policy import BROWSER, OPENSSL3
from tlsdoctor.clients.profiles import profiles, select
from tlsdoctor.errors import InputError
from tlsdoctor.rules.simulate import catalog_entry

REQUIRED = {
    "ios",
    "ios-13",
    "safari",
    "chrome",
    "firefox",
    "android-7",
    "android-10",
    "android-14",
    "java-8",
    "java-17",
    "openssl-1.1.1",
    "openssl-3",
    "python",
    "curl",
    "go",
    "wolfssl",
    "mbedtls",
    "windows",
    "gnutls",
    "node",
}


def test_the_issue_list_of_clients_is_there() -> None:
    assert set(profiles()) >= REQUIRED
    assert len(profiles()) >= 20


@pytest.mark.parametrize("pid", sorted(REQUIRED))
def test_every_fact_has_a_source(pid: str) -> None:
    p = profiles()[pid]
    for key in ("versions", "cipher_suites", "signature_algorithms", "trust_store", "min_rsa_bits"):
        assert p.sources.get(key), f"{pid}: {key} has no source"
    assert all(v.strip() for v in p.sources.values())


@pytest.mark.parametrize("pid", sorted(REQUIRED))
def test_the_simulated_hello_offers_what_the_data_says(pid: str) -> None:
    p = profiles()[pid]
    built = profile_facts(p.hello)
    if 0x0304 in p.offer.versions:
        assert built.versions == p.offer.versions
    else:  # without supported_versions a hello names only its highest version
        assert built.versions == (max(p.offer.versions),)
    assert built.cipher_suites == p.offer.cipher_suites
    assert built.groups == p.offer.groups
    assert built.signature_algorithms == p.offer.signature_algorithms


def test_errors_link_to_the_catalog() -> None:
    assert (
        catalog_entry("NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED")
        == "explain.chrome.err-certificate-transparency-required"
    )
    ios = profiles()["ios"]
    assert catalog_entry(ios.error_for("cert.expired")) is not None
    assert "PKIX path building failed" in profiles()["java-17"].error_for("chain.untrusted-root")


def test_select() -> None:
    assert [p.id for p in select(["ios"])] == ["ios"]
    assert len(select(["all"])) == len(profiles())
    assert {p.id for p in select(["android"])} == {"android-7", "android-10", "android-14"}
    with pytest.raises(InputError):
        select(["netscape"])


def test_the_old_policies_still_work() -> None:
    assert BROWSER.name == "browser" and OPENSSL3.name == "openssl-3"
    assert not BROWSER.ct_verify and BROWSER.must_staple_enforced


def test_a_connection_that_never_reached_the_certificate_is_not_a_certificate_error() -> None:
    """A refused or silent server is never reported as a client's certificate error."""
    from tlsdoctor.clients.profiles import profiles

    for p in profiles().values():
        for fid in (
            "transport.refused",
            "transport.hang",
            "transport.plain-http",
            "cipher.no-common-suite",
        ):
            err = p.error_for(fid)
            assert err != p.error_default or fid in p.errors, (p.id, fid, err)


def test_policy_openssl_3_is_the_openssl_3_profile() -> None:
    """``--policy openssl-3`` and ``--client openssl-3`` judge with the same facts:
    the built-in copy used to offer only TLS 1.2-1.3 and name errors differently."""
    import dataclasses

    prof = profiles()["openssl-3"].policy
    assert OPENSSL3.versions == prof.versions
    assert OPENSSL3.cipher_suites == prof.cipher_suites
    assert OPENSSL3.groups == prof.groups
    assert OPENSSL3.errors == prof.errors
    # Every other policy fact agrees too, except what tells the two apart:
    # ct_verify (profiles are judged by ct.policy-not-met) and the offered
    # signature schemes (not modelled by the built-in policies).
    differ = {"name", "display", "sources", "ct_verify", "signature_algorithms"}
    for f in dataclasses.fields(OPENSSL3):
        if f.name not in differ:
            assert getattr(OPENSSL3, f.name) == getattr(prof, f.name), f.name


def test_browser_policy_names_errors_as_chrome_does() -> None:
    chrome = profiles()["chrome"]
    for fid, text in BROWSER.errors.items():
        # the browser policy's cert.no-sct is what the chrome profile calls ct.policy-not-met
        assert chrome.error_for("ct.policy-not-met" if fid == "cert.no-sct" else fid) == text, fid


def test_clients_listing_shows_revocation() -> None:
    import json

    from tlsdoctor.clients.listing import listing

    rows = {r["id"]: r for r in json.loads(listing("json"))["clients"]}
    assert rows["chrome"]["revocation"] == "crlsets"
    assert rows["go"]["revocation"] == "none"
    assert "revocation soft-fail" in listing().split("\nios ", 1)[1].splitlines()[0]
