"""Error codes and messages of every TLS stack, as data, and the lookup from free text.

``data/*.toml`` holds one family per file (TLS alerts, OpenSSL, BoringSSL,
Apple, wolfSSL, mbedTLS, GnuTLS, Go, Java/Android, Windows, curl, Python,
Node.js, Chrome), each fact citing where it comes from (``repo@tag:path``).
``build.py`` compiles them into ``index.json``; ``index.py`` loads that file,
``lookup.py`` finds entries in pasted text and ``explain.py`` turns the
matches into a :class:`~tlsdoctor.model.Report`.

This package must stay cheap to import: ``tlsdoctor explain`` loads neither
``cryptography`` nor the rules.
"""
