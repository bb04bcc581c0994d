"""Bench-only: where a work horse's memory goes (``bench/full_sync.py --trace-memory DIR``).

Python imports ``sitecustomize`` at start-up from PYTHONPATH; the bench puts this folder there
for its worker only. In every process the worker forks (the work horse, RQ's scheduler) it
starts tracemalloc and a thread that, every few seconds, writes the process's RSS and traced
Python memory to ``DIR/<pid>.log`` and, at each new high of the traced memory, the largest
holders (by line and by call path) to ``DIR/<pid>-peak.txt``. RSS far above the traced memory
is native memory: allocator arenas, buffers of C libraries, thread stacks. Nothing of the
product reads this; without BENCH_MEMTRACE_DIR it does nothing.
"""

import os
import sys

DIRECTORY = os.environ.get("BENCH_MEMTRACE_DIR", "")
# tracemalloc's own records cost memory (and time): "0" logs only RSS and the allocator's stats.
PYTHON = os.environ.get("BENCH_MEMTRACE_PYTHON", "1") != "0"
FRAMES = 10
INTERVAL = 2.0


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _allocator() -> str:
    """glibc's malloc statistics (mallinfo2): in use, free but kept in its arenas, mmapped."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2
    except (OSError, AttributeError):
        return ""
    info = libc.mallinfo2()
    mb = 2**20
    return (f"  malloc: in use {info.uordblks / mb:.1f} MB, free in arenas "
            f"{info.fordblks / mb:.1f} MB, arenas {info.arena / mb:.1f} MB, mmapped "
            f"{info.hblkhd / mb:.1f} MB in {info.hblks}")


def _pymalloc() -> str:
    """Python's small-object allocator: its arenas and how full their blocks are."""
    import sys
    import tempfile

    with tempfile.TemporaryFile("w+") as capture:
        saved = os.dup(2)
        try:
            os.dup2(capture.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        text = capture.read()
    wanted = {"# arenas allocated current": "arenas", "# bytes in allocated blocks": "used",
              "# bytes in available blocks": "free"}
    found = {}
    for line in text.splitlines():
        name, _, value = line.rpartition("=")
        for prefix, short in wanted.items():
            if name.strip().startswith(prefix):
                found[short] = int(value.strip().replace(",", ""))
    mb = 2**20
    return (f"  pymalloc: {found.get('arenas', 0)} arenas, used {found.get('used', 0) / mb:.1f} "
            f"MB, free {found.get('free', 0) / mb:.1f} MB")


def _write_peak(path: str, snapshot, traced: int, rss: int) -> None:
    import tracemalloc

    snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__),
                                       tracemalloc.Filter(False, __file__)])
    mb = 1024 * 1024
    lines = [f"traced {traced / mb:.1f} MB, RSS {rss / mb:.1f} MB", "", "== by line"]
    for stat in snapshot.statistics("lineno")[:40]:
        lines.append(f"{stat.size / mb:8.2f} MB {stat.count:9d}  {stat.traceback[0]}")
    lines += ["", "== by call path"]
    for stat in snapshot.statistics("traceback")[:15]:
        lines.append(f"{stat.size / mb:8.2f} MB {stat.count:9d}")
        lines += [f"      {line}" for line in stat.traceback.format(most_recent_first=True)]
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")


def _sample_forever() -> None:
    import threading
    import time
    import tracemalloc

    pid = os.getpid()
    log = os.path.join(DIRECTORY, f"{pid}.log")
    best = 0
    started = time.monotonic()
    while True:
        time.sleep(INTERVAL)
        traced, peak = tracemalloc.get_traced_memory()
        rss = _rss()
        with open(log, "a") as out:
            out.write(f"{time.monotonic() - started:7.1f} s  RSS {rss / 2**20:7.1f} MB  traced "
                      f"{traced / 2**20:7.1f} MB (peak {peak / 2**20:.1f})  threads "
                      f"{threading.active_count()}{_allocator()}{_pymalloc()}\n")
        if PYTHON and traced > best * 1.05:
            best = traced
            _write_peak(os.path.join(DIRECTORY, f"{pid}-peak.txt"), tracemalloc.take_snapshot(),
                        traced, rss)


def _in_child() -> None:
    import threading
    import tracemalloc

    if PYTHON:
        tracemalloc.start(FRAMES)
    threading.Thread(target=_sample_forever, daemon=True, name="bench-memtrace").start()


if DIRECTORY and "rqworker" in sys.argv:
    os.register_at_fork(after_in_child=_in_child)
