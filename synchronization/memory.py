"""The worker family's memory: what the C allocator keeps after a job's threads freed it.

A full synchronization's write lanes are threads, and glibc's malloc gives threads arenas of
their own (up to eight per core) that keep freed memory for reuse instead of returning it: the
request and answer bodies of every batch pass through them, so a work horse's resident memory
grew by the size of those buffers times the lanes and stayed there, while its live Python
objects stayed flat. :func:`tune_allocator` caps the arenas and sends large buffers to their own
mappings, which go back to the system when freed; :func:`release_free_memory` hands back what the
arenas hold free, between pages. Elsewhere than glibc (musl, macOS) both do nothing.
https://man7.org/linux/man-pages/man3/mallopt.3.html
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

log = logging.getLogger(__name__)

# mallopt(3) parameter numbers (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
# Arenas for the whole process: the job's own thread and the lanes share them. Lanes spend their
# time waiting for the service, not allocating, so two arenas cost no measurable time.
ARENAS = 2
# Buffers from this size up get a mapping of their own, returned to the system when freed. Set
# explicitly, it also stops glibc raising the threshold after the first large free (up to 32 MB),
# which is what let one-megabyte batch bodies settle in the arenas.
MMAP_THRESHOLD = 256 * 1024
# Free memory above this at the top of the main heap is returned at once.
TRIM_THRESHOLD = 1024 * 1024
# Allocations (less deallocations) between two collections of the youngest generation while a
# run plans and confirms: Python's 700 made a 100,000-record run collect 3,300 times, 2.7 s of
# the work horse's time, over the tens of thousands of plans waiting for their answers.
RUN_GC_THRESHOLD = 50_000


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None  # not glibc
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    libc.malloc_trim.restype = ctypes.c_int
    return libc


def tune_allocator() -> bool:
    """Cap the allocator's arenas and map large buffers on their own (see the module); True
    when the allocator is glibc's and took the settings. Call it early in a worker: arenas
    already created stay, and a forked work horse inherits the settings."""
    libc = _glibc()
    if libc is None:
        return False
    accepted = [libc.mallopt(number, value) == 1 for number, value in (
        (M_ARENA_MAX, ARENAS), (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (M_TRIM_THRESHOLD, TRIM_THRESHOLD))]
    if not all(accepted):
        log.warning("the allocator refused some of its settings: %s", accepted)
    return all(accepted)


def release_free_memory() -> None:
    """Return the allocator's free pages, in every arena, to the system (malloc_trim)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def share_with_children() -> None:
    """Keep the garbage collector off the objects a process about to fork holds: the child
    shares their pages, and a collection in either process writes to every object it visits
    (its GC header), which copies every page it touches. Collected first, so what is frozen is
    alive; frozen objects are still freed when their last reference goes.
    https://docs.python.org/3/library/gc.html#gc.freeze"""
    gc.collect()
    gc.freeze()


@contextmanager
def fewer_collections(threshold: int = RUN_GC_THRESHOLD) -> Iterator[None]:
    """Collect the youngest generation after ``threshold`` allocations instead of 700 while
    the block runs: a run makes hundreds of thousands of objects that live until their batch
    is answered, and every collection walks the younger of them again. Cycles are still
    collected, later.
    https://docs.python.org/3/library/gc.html#gc.set_threshold"""
    saved = gc.get_threshold()
    gc.set_threshold(threshold, *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)
