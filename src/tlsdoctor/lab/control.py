"""``tlsdoctor lab list | up | down``: the lab's servers for people, not tests.

``up`` starts scenarios on fixed ports (``--base-port`` + the scenario's index)
and records each server's PID in a state file; ``down`` stops exactly those
PIDs (after checking each still runs the program we started) and removes their
files.  Tests use :func:`tlsdoctor.lab.servers.running` instead.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Sequence

from tlsdoctor.errors import InputError
from tlsdoctor.lab import DEFAULT_BASE_PORT, servers


def state_path() -> str:
    base = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tlsdoctor", "lab.json")


def _load() -> dict[str, dict[str, object]]:
    try:
        with open(state_path()) as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save(state: dict[str, dict[str, object]]) -> None:
    path = state_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(state, fh, indent=2)


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def list_lines() -> list[str]:
    state = _load()
    lines = []
    for s in servers.SCENARIOS:
        st = state.get(s.name)
        where = f"127.0.0.1:{st['port']}" if st else "-"
        expect = s.expect_live or "no problems"
        lines.append(f"{s.name:28} {where:17} {expect:32} {s.description}")
    return lines


def up(names: Sequence[str], base_port: int = DEFAULT_BASE_PORT) -> list[str]:
    chosen = list(names) or [s.name for s in servers.SCENARIOS]
    unknown = [n for n in chosen if n not in servers.BY_NAME]
    if unknown:
        raise InputError(f"unknown lab scenario(s): {', '.join(unknown)} (see: tlsdoctor lab list)")
    state = _load()
    out = []
    for name in chosen:
        if name in state and _cmdline(int(str(state[name]["pid"]))):
            out.append(f"{name}: already running on 127.0.0.1:{state[name]['port']}")
            continue
        scenario = servers.BY_NAME[name]
        port = base_port + [s.name for s in servers.SCENARIOS].index(name)
        directory = os.path.join(os.path.dirname(state_path()), "lab", name)
        shutil.rmtree(directory, ignore_errors=True)
        try:
            srv = servers.start(scenario, directory, port)
        except RuntimeError as e:
            out.append(f"{name}: not started ({e})")
            continue
        state[name] = {
            "pid": srv.pid,
            "port": srv.port,
            "dir": directory,
            "cmd": _cmdline(srv.pid),
            "started": time.time(),
        }
        _save(state)
        hint = "tlsdoctor check " + " ".join(servers.check_args(srv))
        out.append(f"{name}: 127.0.0.1:{srv.port}  ({scenario.description})  try: {hint}")
    return out


def down(names: Sequence[str] = ()) -> list[str]:
    state = _load()
    chosen = list(names) or list(state)
    out = []
    for name in chosen:
        st = state.pop(name, None)
        if st is None:
            out.append(f"{name}: not running")
            continue
        pid = int(str(st["pid"]))
        if _cmdline(pid) and _cmdline(pid) == st.get("cmd"):
            srv = servers.Running(servers.BY_NAME[name], int(str(st["port"])), pid, str(st["dir"]))
            servers.stop(srv)
            out.append(f"{name}: stopped (pid {pid})")
        else:
            out.append(f"{name}: was no longer running")
        shutil.rmtree(str(st["dir"]), ignore_errors=True)
    _save(state)
    return out
