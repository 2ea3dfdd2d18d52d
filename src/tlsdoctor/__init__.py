"""tlsdoctor: why a TLS handshake failed, and what fixes it."""

import time

START = time.monotonic()
"""When this process loaded tlsdoctor: ``--timeout`` bounds a whole command from here."""

__version__ = "0.1.0"
