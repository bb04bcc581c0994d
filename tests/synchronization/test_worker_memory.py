"""The worker family's memory: the allocator settings, and objects frozen before each fork.

Figures (PSS of worker + work horse + scheduler) live in bench/full_sync.py; here only what
the worker does, never how much memory it takes.
"""

from __future__ import annotations

import gc
import platform
import weakref

import django_rq
import pytest
from rq import Worker as RqWorker

from synchronization import memory
from synchronization.worker import Worker

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator only")


@pytest.fixture
def unfrozen():
    """Whatever a test freezes is unfrozen afterwards: the test process goes on collecting."""
    yield
    gc.unfreeze()


@glibc
def test_the_allocator_takes_its_settings_and_hands_back_free_memory():
    assert memory.tune_allocator()
    memory.release_free_memory()  # malloc_trim over every arena; nothing to see but no error


def test_a_work_horse_is_forked_with_the_worker_s_objects_frozen(redis_url, monkeypatch,
                                                                 unfrozen):
    seen = []
    monkeypatch.setattr(RqWorker, "fork_work_horse",
                        lambda self, job, queue: seen.append(gc.get_freeze_count()))
    worker = Worker(["default"], connection=django_rq.get_connection("default"))
    gc.unfreeze()
    worker.fork_work_horse(None, None)
    assert seen and seen[0] > 0  # RQ forked with the collector off the worker's objects


def test_a_frozen_object_is_still_freed_when_its_last_reference_goes(unfrozen):
    class Page:
        pass

    page = Page()
    ref = weakref.ref(page)
    memory.share_with_children()
    del page
    assert ref() is None


def test_a_run_collects_less_often_and_the_threshold_is_restored_even_on_an_error():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), memory.fewer_collections(12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        raise RuntimeError
    assert gc.get_threshold() == before
