"""Packet captures as evidence: pcap/pcapng, TCP reassembly, TLS, key-log decryption.

``read_capture(path, keylog=None, host=None, port=None, sni=None)`` returns a
:class:`CaptureResult`: the :class:`~tlsdoctor.model.Evidence` (one
:class:`~tlsdoctor.model.Connection` per TLS connection, a
:class:`~tlsdoctor.model.Chain` per Certificate message, notes on what could
not be seen) and one :class:`ConnectionSummary` per connection for the table.
The modules, in the order bytes flow through them: :mod:`.pcapfile`,
:mod:`.link`, :mod:`.tcp`, :mod:`.tls` (with :mod:`.keylog`), :mod:`.build`,
:mod:`.reader`.
"""

from tlsdoctor.sources.capture.build import ConnectionSummary
from tlsdoctor.sources.capture.keylog import KeyLog, KeyLogError, read_keylog
from tlsdoctor.sources.capture.pcapfile import CaptureError
from tlsdoctor.sources.capture.reader import CaptureResult, read_capture

__all__ = [
    "CaptureError",
    "CaptureResult",
    "ConnectionSummary",
    "KeyLog",
    "KeyLogError",
    "read_capture",
    "read_keylog",
]
