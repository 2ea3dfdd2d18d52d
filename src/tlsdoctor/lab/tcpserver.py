"""Lab servers that are not TLS servers, for the transport rules.

``python -m tlsdoctor.lab.tcpserver MODE HOST PORT`` with MODE:

- ``http``: answers every request with a plain HTTP/1.1 400 page, as a web
  server on the wrong port does when it receives a ClientHello;
- ``silent``: accepts connections and never sends a byte;
- ``closer``: reads the first bytes, then closes the connection;
- ``reset``: reads the first bytes, then resets the connection (RST).

Listens on the loopback address it is given; runs until stopped by its PID.
Each connection is handled in a thread; a connection lives at most 30 s.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading

_HTTP_400 = (
    b"HTTP/1.1 400 Bad Request\r\nServer: tlsdoctor-lab\r\nContent-Type: text/html\r\n"
    b"Content-Length: 50\r\nConnection: close\r\n\r\n"
    b"<html><body>400 plain HTTP here</body></html>\r\n\r\n"
)


def _handle(conn: socket.socket, mode: str) -> None:
    conn.settimeout(30)
    try:
        if mode == "silent":
            while conn.recv(4096):
                pass
            return
        conn.recv(4096)
        if mode == "http":
            conn.sendall(_HTTP_400)
        elif mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    finally:
        conn.close()


def main(argv: list[str]) -> None:
    mode, host, port = argv[0], argv[1], int(argv[2])
    if mode not in ("http", "silent", "closer", "reset"):
        raise SystemExit(f"unknown mode {mode}")
    if not host.startswith("127.") and host != "::1":
        raise SystemExit("the lab listens on loopback only")
    srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=_handle, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1:])
