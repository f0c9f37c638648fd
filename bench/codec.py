"""Codec speed: encode + decode round trips of typical values, against pickle as the anchor.

Usage: .venv/bin/python bench/codec.py
Target (the checker rebuild): a trivial call's whole round trip 0.2 ms p50, so encode + decode of
1, "abc" or [1, 2, 3] should take a few microseconds. pickle is shown for scale, not as a rival:
it is what the decoder must never be.
"""

from __future__ import annotations

import pickle
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grading.codec import CodecError, decode, encode

CASES = {
    "1": 1,
    '"abc"': "abc",
    "[1, 2, 3]": [1, 2, 3],
    "dict of 10 str -> int": {f"key{i}": i for i in range(10)},
    "list of 100k ints": list(range(100_000)),
    "list of 100k mixed (int, str)": [i if i % 2 else str(i) for i in range(100_000)],
    "1000x1000 float64": np.random.default_rng(0).random((1000, 1000)),
}

HOSTILE = {  # bytes the learner controls: each must be refused, and quickly
    "str claiming 10 GiB": b"s\x80\x80\x80\x80\x28x",
    "list claiming 10 GiB values": b"l\x80\x80\x80\x80\x28N",
    "ndarray claiming 2**62 x 2**62": b"A\x03<f8\x02" + b"\x80" * 8 + b"\x40" + b"\x80" * 8 + b"\x40",
    "lists nested 10,000 deep": b"l\x01" * 10_000 + b"N",
}


def refused(data: bytes) -> None:
    try:
        decode(data)
    except CodecError:
        return
    raise AssertionError("hostile bytes were accepted")


def median_seconds(func, budget: float = 0.5) -> float:
    """Median time of one call, over as many calls as fit in `budget` seconds (at least 5)."""
    times = []
    deadline = time.perf_counter() + budget
    while len(times) < 5 or time.perf_counter() < deadline:
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def show(seconds: float) -> str:
    return f"{seconds * 1e6:9.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:9.2f} ms"


def main() -> None:
    print(f"{'value':32} {'encode':>12} {'decode':>12} {'round trip':>12} {'pickle trip':>12} {'bytes':>10}")
    for name, value in CASES.items():
        data = encode(value)
        enc = median_seconds(lambda value=value: encode(value))
        dec = median_seconds(lambda data=data: decode(data))
        pickled = median_seconds(lambda value=value: pickle.loads(pickle.dumps(value, 5)))
        print(f"{name:32} {show(enc):>12} {show(dec):>12} {show(enc + dec):>12} {show(pickled):>12} {len(data):>10}")
    print()
    for name, data in HOSTILE.items():
        print(f"refusing {name:32} {show(median_seconds(lambda data=data: refused(data), budget=0.2))}")


if __name__ == "__main__":
    main()
