"""Ask a real TLS library, through ctypes, for its own text of each error code.

Each library runs in its own process (OpenSSL, BoringSSL and wolfSSL export
clashing symbols), started by the tests as::

    python catalog_libtexts.py LIBRARY < codes.json > texts.json

where ``codes.json`` is a list of ``[kind, lib, value]`` triples and the output
maps ``"kind:lib:value"`` to the library's text.  Nothing here is copied into
the catalog: the tests compare what the catalog recognises with what the
library says at test time.
"""

from __future__ import annotations

import ctypes
import json
import sys

ANDROID = "/usr/lib/x86_64-linux-gnu/android/"


def _str(fn: ctypes._CFuncPtr, *args: object) -> str:  # type: ignore[name-defined]
    raw = fn(*args)
    return raw.decode("utf-8", "replace") if raw else ""


def openssl(codes: list[list[int | str]]) -> dict[str, str]:
    ssl = ctypes.CDLL("libssl.so.3")
    crypto = ctypes.CDLL("libcrypto.so.3")
    ssl.OPENSSL_init_ssl(ctypes.c_uint64(0x00200000 | 0x00000002), None)
    crypto.ERR_reason_error_string.restype = ctypes.c_char_p
    crypto.ERR_reason_error_string.argtypes = [ctypes.c_ulong]
    crypto.X509_verify_cert_error_string.restype = ctypes.c_char_p
    crypto.X509_verify_cert_error_string.argtypes = [ctypes.c_long]
    out = {}
    for kind, lib, value in codes:
        if kind == "verify":
            text = _str(crypto.X509_verify_cert_error_string, int(value))
        else:
            packed = ((int(lib) or 20) << 23) | int(value)
            text = _str(crypto.ERR_reason_error_string, packed)
        out[f"{kind}:{lib}:{value}"] = text
    return out


def boringssl(codes: list[list[int | str]]) -> dict[str, str]:
    crypto = ctypes.CDLL(ANDROID + "libcrypto.so.0")
    crypto.ERR_reason_error_string.restype = ctypes.c_char_p
    crypto.ERR_reason_error_string.argtypes = [ctypes.c_uint32]
    crypto.X509_verify_cert_error_string.restype = ctypes.c_char_p
    crypto.X509_verify_cert_error_string.argtypes = [ctypes.c_long]
    out = {}
    for kind, lib, value in codes:
        if kind == "verify":
            text = _str(crypto.X509_verify_cert_error_string, int(value))
        else:
            packed = ((int(lib) or 16) << 24) | int(value)
            text = _str(crypto.ERR_reason_error_string, packed)
        out[f"{kind}:{lib}:{value}"] = text
    return out


def wolfssl(codes: list[list[int | str]]) -> dict[str, str]:
    w = ctypes.CDLL("libwolfssl.so.35")
    w.wolfSSL_ERR_reason_error_string.restype = ctypes.c_char_p
    w.wolfSSL_ERR_reason_error_string.argtypes = [ctypes.c_ulong]
    return {
        f"{k}:{lib}:{v}": _str(w.wolfSSL_ERR_reason_error_string, int(v) & 0xFFFFFFFFFFFFFFFF)
        for k, lib, v in codes
    }


def mbedtls(codes: list[list[int | str]]) -> dict[str, str]:
    m = ctypes.CDLL("libmbedcrypto.so.7")
    m.mbedtls_strerror.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    out = {}
    for kind, lib, value in codes:
        buf = ctypes.create_string_buffer(256)
        m.mbedtls_strerror(int(value), buf, 256)
        out[f"{kind}:{lib}:{value}"] = buf.value.decode("utf-8", "replace")
    return out


def gnutls(codes: list[list[int | str]]) -> dict[str, str]:
    g = ctypes.CDLL("libgnutls.so.30")
    g.gnutls_strerror.restype = ctypes.c_char_p
    g.gnutls_strerror.argtypes = [ctypes.c_int]
    return {f"{k}:{lib}:{v}": _str(g.gnutls_strerror, int(v)) for k, lib, v in codes}


def curl(codes: list[list[int | str]]) -> dict[str, str]:
    c = ctypes.CDLL("libcurl.so.4")
    c.curl_easy_strerror.restype = ctypes.c_char_p
    c.curl_easy_strerror.argtypes = [ctypes.c_int]
    return {f"{k}:{lib}:{v}": _str(c.curl_easy_strerror, int(v)) for k, lib, v in codes}


LIBRARIES = {
    "openssl": openssl,
    "boringssl": boringssl,
    "wolfssl": wolfssl,
    "mbedtls": mbedtls,
    "gnutls": gnutls,
    "curl": curl,
}


def main() -> int:
    codes = json.load(sys.stdin)
    json.dump(LIBRARIES[sys.argv[1]](codes), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
