"""How a run spent the service's windows: its bursts of operations and the gaps between them.

Under Dataverse's limits a 100k run is a few bursts: the first window admits what reaches it
before its execution time is charged (at completion), then every lane waits out Retry-After,
and the next window takes the rest. The run's time is then about the bursts' operations over
the rate the shared sandbox executes them at, plus the gaps and the tail after the last
operation. :class:`BurstSampler` reads the sandbox's operation counter a few times a second
while a run goes on, so the benchmark prints those parts for the product and the reference
client alike: a rate short of the reference's shows where it is lost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Self

from bench.harness import Sampling

# No operation for this long ends a burst (a window shut by its execution time is shut for
# seconds; a lane between two batches, for milliseconds).
GAP_SECONDS = 1.0


@dataclass
class Burst:
    start: float
    end: float
    operations: int

    @property
    def rate(self) -> float:
        seconds = self.end - self.start
        return self.operations / seconds if seconds > 0 else 0.0


@dataclass
class BurstSampler(Sampling):
    """Samples ``service``'s operation counter of ``sandbox`` every ``interval`` seconds."""

    sandbox: Any
    service: str = "dataverse"
    interval: float = 0.25
    samples: list[tuple[float, int]] = field(default_factory=list)
    _started: float = 0.0
    _ended: float = 0.0

    def __enter__(self) -> Self:
        self._started = time.monotonic()
        return super().__enter__()

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        self._ended = time.monotonic()

    def _loop(self) -> None:
        while not self._stop.is_set():
            operations = self.sandbox.counters()[self.service]["operations"]
            self.samples.append((time.monotonic(), operations))
            self._stop.wait(self.interval)

    def bursts(self) -> list[Burst]:
        """Stretches of samples with operations, split where none came for GAP_SECONDS."""
        found: list[Burst] = []
        pairs = zip(self.samples, self.samples[1:], strict=False)
        for (before, done_before), (after, done) in pairs:
            if done == done_before:
                continue
            last = found[-1] if found else None
            if last is not None and before - last.end < GAP_SECONDS:
                last.end, last.operations = after, last.operations + done - done_before
            else:
                found.append(Burst(before, after, done - done_before))
        return found

    def describe(self) -> str:
        """The bursts and gaps, from the start of the run to its end."""
        bursts = self.bursts()
        if not bursts:
            return "no operation seen"
        parts = [f"first operation after {bursts[0].start - self._started:.1f} s"]
        for index, burst in enumerate(bursts):
            if index:
                parts.append(f"gap {burst.start - bursts[index - 1].end:.1f} s")
            parts.append(f"{burst.operations:,} operations in {burst.end - burst.start:.1f} s "
                         f"({burst.rate:,.0f}/s)")
        parts.append(f"end {self._ended - bursts[-1].end:.1f} s after the last")
        return ", ".join(parts)
