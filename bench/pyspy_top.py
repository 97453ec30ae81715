"""Read py-spy's raw (folded) output and print, for the event-loop thread only, the share
of samples spent inside each frame (inclusive) and at the top of the stack (self).

    .venv/bin/python bench/pyspy_top.py bench/results/profile-<timestamp>/contested.folded [N]
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

NOISE = re.compile(r"(?<=\()\S*/(site-packages|work/main)/|:\d+(?=\)$)")


def main(path: str, top: int) -> None:
    inclusive, own, total = Counter(), Counter(), 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        stack, count = line.rstrip().rsplit(" ", 1)
        frames = [NOISE.sub("", frame) for frame in stack.split(";")]
        if not any(frame.startswith("Runner.run") for frame in frames):
            continue  # an idle threadpool thread, not the event loop
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    print(f"{total} samples of the event-loop thread\n\ninclusive:")
    for frame, count in inclusive.most_common(top):
        print(f"{100 * count / total:5.1f}%  {frame}")
    print("\nself:")
    for frame, count in own.most_common(top // 2):
        print(f"{100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 60)
