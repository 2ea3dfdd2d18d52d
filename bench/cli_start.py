"""Cold start of ``tlsdoctor explain -9802`` beside ``python -c pass``.

Not part of ``make test``: timings depend on the machine.  Runs each command
N times (default 21) as a fresh process and prints the median and spread of
the wall time; the goal for explain is at most 150 ms median.  Also prints
the slowest imports of one explain run (``python -X importtime``).

    .venv/bin/python bench/cli_start.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

GOAL_MS = 150.0
EXPLAIN = [sys.executable, "-m", "tlsdoctor", "explain", "--", "-9802"]
BASELINE = [sys.executable, "-c", "pass"]


def wall_ms(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append((time.perf_counter() - start) * 1000)
    return out


def slowest_imports(cmd: list[str], top: int = 8) -> list[tuple[int, str]]:
    proc = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True, check=True
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:") :].split("|")]
        if parts[1].isdigit():
            rows.append((int(parts[1]), parts[2]))
    return sorted(rows, reverse=True)[:top]


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 21
    wall_ms(EXPLAIN, 2)  # warm the page cache and the .pyc files
    base = wall_ms(BASELINE, runs)
    explain = wall_ms(EXPLAIN, runs)
    for label, times in (("python -c pass", base), ("tlsdoctor explain -9802", explain)):
        print(
            f"{label:26} median {statistics.median(times):6.1f} ms   "
            f"min {min(times):6.1f}   max {max(times):6.1f}   (n={runs})"
        )
    median = statistics.median(explain)
    print(f"explain over baseline: {median - statistics.median(base):.1f} ms")
    print(f"goal {GOAL_MS:.0f} ms median: {'met' if median <= GOAL_MS else 'NOT met'}")
    print("slowest imports (cumulative us):")
    for us, name in slowest_imports(EXPLAIN):
        print(f"  {us:8d}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
