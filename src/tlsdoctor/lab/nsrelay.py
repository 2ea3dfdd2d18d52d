"""A byte relay from 127.0.0.1 into a private network namespace.

``gnutls-serv`` has no option to choose its listening address and binds every
interface.  The lab runs it inside a network namespace of its own (``unshare
--net``: only a loopback interface exists there), and this relay listens on the
host's 127.0.0.1 and forwards each connection, byte for byte, to the server's
port inside that namespace.  TLS is untouched: the client and the server see
each other's bytes as they were sent.

``python -m tlsdoctor.lab.nsrelay PID LISTEN_PORT TARGET_PORT``: PID is a
process inside the namespace.  The relay creates its listening socket first,
then joins the namespace (``setns``), so every socket it opens afterwards
lives in there.  Runs until stopped by its PID.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

CLONE_NEWNET = 0x40000000


def available() -> bool:
    """True when this process may make network namespaces (root, with unshare and ip)."""

    return (
        os.geteuid() == 0 and shutil.which("unshare") is not None and shutil.which("ip") is not None
    )


def isolated(cmd: list[str]) -> list[str]:
    """``cmd`` run in a new network namespace whose only interface is loopback."""
    return ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]


def start_relay(pid: int, port: int, timeout: float = 10.0) -> subprocess.Popen[bytes]:
    """Relay 127.0.0.1:``port`` to the same port inside ``pid``'s namespace; returns
    once the server in there accepts connections."""
    relay = subprocess.Popen(
        [sys.executable, "-m", "tlsdoctor.lab.nsrelay", str(pid), str(port), str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), 1).close()"
    while time.monotonic() < deadline:
        inside = subprocess.run(
            ["nsenter", "--net", f"--target={pid}", "--", sys.executable, "-c", probe],
            capture_output=True,
            timeout=5,
        )
        outside_ok = False
        if inside.returncode == 0:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                outside_ok = True
            except OSError:
                pass
        if outside_ok:
            return relay
        time.sleep(0.1)
    relay.kill()
    relay.wait(timeout=5)
    raise RuntimeError(f"the server in its namespace did not listen on port {port}")


def setns(pid: int) -> None:
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
    finally:
        os.close(fd)


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _serve(conn: socket.socket, port: int) -> None:
    try:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        conn.close()
        return
    upstream.settimeout(None)
    t = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
    t.start()
    _pipe(conn, upstream)
    t.join(timeout=30)
    conn.close()
    upstream.close()


def main(argv: list[str]) -> None:
    pid, listen_port, target_port = int(argv[0]), int(argv[1]), int(argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen_port))
    srv.listen(64)
    setns(pid)  # from here on, new sockets live in the server's namespace
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=_serve, args=(conn, target_port), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1:])
