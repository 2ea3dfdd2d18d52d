"""``explain_text``: the strings people paste, explained by the right entry.

Covers the issue's own examples, bare numbers in every notation, context
words steering the ranking, relations inside one paste, mbedTLS sums, flags
and renumbered codes, rule ids, and text that matches nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlsdoctor.catalog.explain import RuleIdText, explain_text, looks_like_rule_id
from tlsdoctor.errors import InputError, NotRecognisedError
from tlsdoctor.model import Severity


def ids(text: str) -> list[str]:
    return [f.id for f in explain_text(text).findings]


def test_apple_fatal_alert() -> None:
    report = explain_text("kCFStreamErrorDomainSSL -9802")
    first = report.findings[0]
    assert first.id == "explain.apple.err-ssl-fatal-alert"
    assert "fatal alert" in first.title
    assert "which side sent which alert" in first.title
    assert any("App Transport Security" in c for c in (first.detail or "").split("(")) or any(
        "ATS" in fx.text for fx in first.fixes
    )


def test_wolfssl_fatal_error_tied_to_alert_42() -> None:
    text = "wolfSSL error occurred, error = 42\nwolfSSL error occurred, error = -313"
    report = explain_text(text)
    got = [f.id for f in report.findings]
    assert got[:2] == ["explain.alert.bad-certificate", "explain.wolfssl.fatal-error"]
    relations = report.facts["relations"]
    assert relations and relations[0]["from"] == "explain.wolfssl.fatal-error"
    assert relations[0]["to"] == "explain.alert.bad-certificate"
    assert "-313" in relations[0]["text"] and "alert 42" in relations[0]["text"]
    assert "received" in relations[0]["text"]


def test_mbedtls_fatal_alert_message() -> None:
    assert ids("mbedtls_ssl_handshake failed: -0x7780")[0] == (
        "explain.mbedtls.mbedtls-err-ssl-fatal-alert-message"
    )


def test_boringssl_packed_code_is_not_decoded_as_openssl() -> None:
    text = "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED"
    report = explain_text(text)
    first = report.findings[0]
    assert first.id == "explain.boringssl.ssl-r-certificate-verify-failed"
    assert "(125)" in first.title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ssl3_get_record:decryption failed or bad record mac", "ssl-r-decryption-failed-or"),
        (
            "error:1408F119:SSL routines:ssl3_get_record:decryption failed or bad record mac",
            "ssl-r-decryption-failed-or",
        ),
        (
            "error:0A000086:SSL routines::certificate verify failed",
            "ssl-r-certificate-verify-failed",
        ),
        ("0A000086", "ssl-r-certificate-verify-failed"),
        ("got an alert message, type: [2:46]", "alert.certificate-unknown"),
        ("SSL alert number 48", "alert.unknown-ca"),
        ("Received fatal alert: handshake_failure", "alert.handshake-failure"),
        ("remote error: tls: unknown certificate authority", "alert.unknown-ca"),
        ("error:0308010C:digital envelope routines::unsupported", "err-r-unsupported"),
        ("x509: certificate signed by unknown authority", "go.x509-unknown-authority-error"),
        ("NSURLErrorDomain Code=-1202", "nsurl-error-server-certificate-untrusted"),
        ("net::ERR_CERT_AUTHORITY_INVALID", "chrome.err-cert-authority-invalid"),
        ("0x80090325", "windows.sec-e-untrusted-root"),
        ("-2146893019", "windows.sec-e-untrusted-root"),
        ("curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL", "curl.curle-ssl-connect-error"),
        ("code: 'ERR_SSL_WRONG_VERSION_NUMBER'", "openssl.ssl-r-wrong-version-number"),
        ("Error: unable to verify the first certificate", "unable-to-verify-leaf-signature"),
        ("ASN_NO_SIGNER_E", "wolfssl.asn-no-signer-e"),
        ("GNUTLS_E_FATAL_ALERT_RECEIVED", "gnutls.gnutls-e-fatal-alert-received"),
        ("SEC_E_ILLEGAL_MESSAGE", "windows.sec-e-illegal-message"),
        (
            "java.security.cert.CertPathValidatorException: Trust anchor for certification "
            "path not found.",
            "java.trust-anchor-for-certification-path-not-found",
        ),
    ],
)
def test_recognises(text: str, expected: str) -> None:
    assert expected in ids(text)[0]


def test_bare_number_answers_every_candidate_ranked() -> None:
    report = explain_text("-313")
    got = [f.id for f in report.findings]
    assert got[0] == "explain.wolfssl.fatal-error"
    assert "explain.gnutls.gnutls-e-pkcs11-pin-locked" in got
    candidates = report.facts["matches"][0]["candidates"]
    assert len(candidates) == len(got)
    scores = [c["score"] for c in candidates]
    assert scores == sorted(scores, reverse=True)


def test_context_words_steer_a_number() -> None:
    assert ids("gnutls returned -313")[0] == "explain.gnutls.gnutls-e-pkcs11-pin-locked"
    assert ids("wolfSSL returned -313")[0] == "explain.wolfssl.fatal-error"
    assert ids("alert 42")[0] == "explain.alert.bad-certificate"


def test_notations_of_one_code() -> None:
    for text in ("-0x2700", "-9984", "x509_verify_cert() returned -9984 (-0x2700)"):
        assert ids(text)[0] == "explain.mbedtls.mbedtls-err-x509-cert-verify-failed", text


def test_mbedtls_sum_is_split() -> None:
    report = explain_text("x509 parse error -0x2562")
    got = {f.id for f in report.findings}
    assert got == {
        "explain.mbedtls.mbedtls-err-x509-invalid-extensions",
        "explain.mbedtls.mbedtls-err-asn1-unexpected-tag",
    }


def test_mbedtls_verify_flags_are_decoded() -> None:
    got = set(ids("mbedtls verify flags 0x0C"))
    assert got == {
        "explain.mbedtls.mbedtls-x509-badcert-cn-mismatch",
        "explain.mbedtls.mbedtls-x509-badcert-not-trusted",
    }


def test_mbedtls_renumbered_code_answers_both_versions() -> None:
    report = explain_text("-0x6E00")
    got = [f.id for f in report.findings]
    assert "explain.mbedtls.mbedtls-err-ssl-bad-hs-new-session-ticket" in got
    assert "explain.mbedtls.mbedtls-err-ssl-handshake-failure" in got
    versions = {m["id"]: m for m in report.facts["matches"][0]["candidates"]}
    assert versions


def test_openssl_1_and_3_verify_numbering() -> None:
    report = explain_text("X509_V_ERR_INVALID_CA")
    first = report.findings[0]
    assert "79 in 3.0" in (first.detail or "") and "24 in 1.1.1" in (first.detail or "")


def test_findings_are_info_and_schema_valid(report_schema: dict) -> None:  # type: ignore[type-arg]
    import jsonschema

    from tlsdoctor.report.json import report_dict

    report = explain_text("error:0A000086:SSL routines::certificate verify failed\n-313")
    assert all(f.severity is Severity.INFO for f in report.findings)
    jsonschema.validate(report_dict(report), report_schema)
    match = report.facts["matches"][0]
    assert {"span", "how", "reading", "candidates"} <= set(match)
    assert {"library", "name", "code", "versions", "side", "related", "sources"} <= set(
        match["reading"]
    )


def test_nothing_recognised_says_so_and_names_families() -> None:
    with pytest.raises(NotRecognisedError) as info:
        explain_text("the weather is fine today")
    message = str(info.value)
    assert "nothing" in message and "wolfSSL" in message and "TLS alerts" in message
    assert info.value.exit_code == 4


def test_empty_text_is_bad_input() -> None:
    with pytest.raises(InputError):
        explain_text("   \n")


def test_rule_id_is_left_to_the_caller() -> None:
    assert looks_like_rule_id("chain.path-len-exceeded")
    with pytest.raises(RuleIdText) as info:
        explain_text("chain.path-len-exceeded")
    assert info.value.rule_id == "chain.path-len-exceeded"
    assert not looks_like_rule_id("errSSLFatalAlert")


def test_own_finding_id_explains_the_entry() -> None:
    assert ids("explain.wolfssl.fatal-error")[0] == "explain.wolfssl.fatal-error"


@settings(deadline=None, max_examples=200)
@given(st.text(max_size=300))
def test_random_text_never_crashes(text: str) -> None:
    try:
        report = explain_text(text)
    except (NotRecognisedError, InputError):
        return
    assert report.findings


@settings(deadline=None, max_examples=100)
@given(
    st.lists(
        st.sampled_from(
            [
                "-313",
                "alert",
                "42",
                "error:",
                "0A000086",
                ":SSL routines:",
                "-0x7780",
                "[2:46]",
                "curl: (60)",
                "x509:",
                "wolfSSL",
                "mbedtls",
                "flags",
                "0x0C",
                "verify error:num=",
                "[SSL: ",
                "]",
                "\n",
                " ",
                "NSURL",
                "-9802",
                "tls:",
            ]
        ),
        max_size=20,
    )
)
def test_code_like_soup_never_crashes(parts: list[str]) -> None:
    try:
        explain_text("".join(parts))
    except (NotRecognisedError, InputError):
        pass
