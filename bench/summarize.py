"""Summarise one bench/run.sh run: req/s, p50 and p99 per target and round, each round's
ratio to the floor and the medians, plus the machine and package versions.

    .venv/bin/python bench/summarize.py bench/results/<timestamp> [TARGET ...]

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
        "load": " / ".join(re.findall(r"^loadavg \w+: (\S+)", text, re.M)),
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


def main(folder: Path, targets: list[str]) -> int:
    rounds = sorted(int(p.stem.rsplit("-", 1)[1]) for p in folder.glob("floor-*.txt"))
    print(f"machine: {machine()}\n")
    if (folder / "WARNING").exists():
        print((folder / "WARNING").read_text())
    print("| round | target | req/s | p50 ms | p99 ms | ratio to floor | loadavg before / after |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | --- |")
    ratios: dict[str, list[float]] = {target: [] for target in targets}
    rps: dict[str, list[float]] = {target: [] for target in targets}
    for n in rounds:
        runs = {target: parse(folder / f"{target}-{n}.txt") for target in targets}
        for target, run in runs.items():
            ratio = run["rps"] / runs["floor"]["rps"]
            ratios[target].append(ratio)
            rps[target].append(run["rps"])
            note = f" ({run['errors']})" if run["errors"] else ""
            print(
                f"| {n} | {target}{note} | {run['rps']:.0f} | {run['p50']:.2f} "
                f"| {run['p99']:.2f} | {ratio:.2f} | {run['load']} |"
            )
    print("\n| target | median req/s | median ratio to floor |\n| --- | ---: | ---: |")
    for target in targets:
        print(
            f"| {target} | {statistics.median(rps[target]):.0f} "
            f"| {statistics.median(ratios[target]):.2f} |"
        )
    median = statistics.median(ratios["contested"])
    verdict = "meets" if median >= TARGET else "is below"
    print(f"\nmedian ratio contested/floor {median:.2f} {verdict} the target of {TARGET}")
    return 0 if median >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:] or ["contested", "floor"]))
