"""CPU time per call, the one measuring loop the per-page cost benchmarks share.

CPU seconds of this process, not wall seconds: the figures stay comparable when other
work shares the machine (the figures in bench/README.md say the load they were taken
under)."""

from __future__ import annotations

import time
from collections.abc import Callable


def cpu_us(label: str, fn: Callable[[int], object], n_items: int, seconds: float) -> float:
    """CPU µs per call of ``fn(i)`` (i cycling over ``n_items``) for about ``seconds``,
    after one warm-up call (imports, tables, caches); prints a line and returns it."""
    fn(0)
    count = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            fn(count % n_items)
            count += 1
    per_call = (time.process_time() - cpu_start) / count * 1e6
    print(f"{label:<64} {count:>10,} calls {per_call:>9.2f} us/call (CPU)")
    return per_call
