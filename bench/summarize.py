"""Summarise one bench/run.sh run: req/s, p50 and p99 per server and round, the per-round
ratio Contested/floor and its median, plus the machine and package versions.

    .venv/bin/python bench/summarize.py bench/results/<timestamp>

Exits 1 when the median ratio is below the 0.5 target of DESIGN.md section 1.
"""

from __future__ import annotations

import platform
import re
import statistics
import sys
from importlib.metadata import version
from pathlib import Path

TARGET = 0.5
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
PACKAGES = ["fastapi", "starlette", "pydantic", "pydantic-core", "sqlalchemy", "sqlmodel"]
PACKAGES += ["uvicorn", "uvloop", "httptools"]


def latency_ms(text: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)$", text, re.M).groups()
    return float(value) * UNITS_MS[unit]


def parse(path: Path) -> dict:
    text = path.read_text()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50": latency_ms(text, "50"),
        "p99": latency_ms(text, "99"),
        "errors": errors.group(0) if errors else "",
    }


def machine() -> str:
    cpu = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    )
    cores = len(re.findall(r"^processor", Path("/proc/cpuinfo").read_text(), re.M))
    versions = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    return f"{cores} CPUs, {cpu}; Python {platform.python_version()}; {versions}"


def main(folder: Path) -> int:
    rounds = sorted(int(p.stem.split("-")[1]) for p in folder.glob("contested-*.txt"))
    print(f"machine: {machine()}\n")
    print("| round | server | req/s | p50 ms | p99 ms | ratio contested/floor |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    ratios, rps = [], {"contested": [], "floor": []}
    for n in rounds:
        runs = {server: parse(folder / f"{server}-{n}.txt") for server in rps}
        ratios.append(runs["contested"]["rps"] / runs["floor"]["rps"])
        for server, run in runs.items():
            rps[server].append(run["rps"])
            ratio = f"{ratios[-1]:.2f}" if server == "floor" else ""
            note = f" ({run['errors']})" if run["errors"] else ""
            print(
                f"| {n} | {server}{note} | {run['rps']:.0f} | {run['p50']:.2f} "
                f"| {run['p99']:.2f} | {ratio} |"
            )
    median = statistics.median(ratios)
    print(
        f"\nmedian req/s: contested {statistics.median(rps['contested']):.0f}, "
        f"floor {statistics.median(rps['floor']):.0f}; "
        f"median ratio contested/floor {median:.2f} (target >= {TARGET})"
    )
    return 0 if median >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
