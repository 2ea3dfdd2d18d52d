"""tlsdoctor's sans-IO TLS codec (RFC 8446, RFC 5246 and their extensions).

Bytes in, typed frozen messages out; messages in, bytes out.  Nothing here opens
a socket or a file (the IANA CSVs shipped in ``data/`` are read as package
resources).  The modules:

* :mod:`.registry` / :mod:`.constants` / :mod:`.suites` — IANA registries and
  cipher-suite properties;
* :mod:`.records` — record framing, the streaming reader, handshake reassembly;
* :mod:`.messages` / :mod:`.handshake` / :mod:`.build` / :mod:`.extensions` —
  handshake messages and extensions, parsed and built;
* :mod:`.keyschedule` / :mod:`.prf` / :mod:`.kex` / :mod:`.protection` /
  :mod:`.signatures` — the TLS 1.3 key schedule, the TLS 1.2 PRF, (EC)DHE,
  record protection and handshake signatures;
* :mod:`.hello` / :mod:`.fingerprint` — ClientHello profiles, JA3 and JA4;
* :mod:`.client` (with :mod:`.client13`, :mod:`.client12`, :mod:`.events`) —
  the sans-IO client engine;
* :mod:`.errors` — :class:`WireError` and its kinds, the only exceptions the
  parsers raise on untrusted bytes.

Importing this package imports nothing heavy; import the module you need.
"""
