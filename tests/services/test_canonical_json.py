"""history.canonical writes with orjson what json.dumps has always written, byte for byte:
revision hashes computed before and after must agree."""

from __future__ import annotations

import hashlib
import json
import random
import sys
from typing import Any

from app.services.history import canonical, plain_revision_hash


def reference(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def random_text(rnd: random.Random) -> str:
    # Control characters, quotes and backslashes (escaped), the line and paragraph
    # separators, DEL, non-BMP characters and the rest (written as they are).
    pool = ['"', "\\", "/", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\n", "\t", "\r"]
    pool += ["\b", "\f", "é", "Ё", "ب", "😀", "\U0010ffff", "a", " ", "<", "&", "\ufeff"]
    return "".join(rnd.choice([*pool, chr(rnd.randrange(0x20, 0xD7FF))]) for _ in range(12))


def random_value(rnd: random.Random, depth: int = 0) -> Any:
    kind = rnd.randrange(8 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rnd.choice([True, False])
    if kind == 2:
        return rnd.choice([0, -1, 1, 2**63 - 1, -(2**63), rnd.randrange(-(10**12), 10**12)])
    if kind in (3, 4, 5):
        return random_text(rnd)
    if kind == 6:
        return [random_value(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    return {random_text(rnd): random_value(rnd, depth + 1) for _ in range(rnd.randrange(5))}


def test_canonical_is_json_dumps_with_sorted_keys_and_no_spaces():
    rnd = random.Random(20261125)
    for _ in range(3000):
        value = random_value(rnd)
        assert canonical(value) == reference(value)


def test_what_orjson_refuses_is_written_by_json_dumps():
    for value in [{"big": 2**64}, {"lone": "\ud800"}, ["\udfff", -(2**70)]]:
        assert canonical(value) == reference(value)


def test_keys_sort_by_code_point_as_json_dumps_sorts_them():
    keys = ["b", "a", "B", "é", "e", "😀", "\uffff", "aa", "", "_", "1"]
    value = {key: index for index, key in enumerate(keys)}
    assert canonical(value) == reference(value)
    assert sys.maxunicode == 0x10FFFF


def test_a_revision_hash_is_over_the_previous_hash_and_the_canonical_text():
    """The hash of orjson's bytes, taken as they come, is the hash of the text json.dumps
    writes, for text of every kind and for what orjson refuses."""
    rnd = random.Random(20261208)
    values = [{"after": random_text(rnd), "seq": rnd.randrange(10**9)} for _ in range(300)]
    values += [{"big": 2**64, "after": "é"}, {"after": random_value(rnd, 1), "big": -(2**70)}]
    for value in values:
        expected = hashlib.sha256(f"{'f' * 64}\n{reference(value)}".encode()).hexdigest()
        assert plain_revision_hash("f" * 64, value) == expected
