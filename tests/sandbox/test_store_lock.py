"""The store's lock lets a waiting single request go before a batch's next run of operations."""

import threading
import time

from sandbox.store import StoreLock


def _wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_waiting_request_goes_before_the_next_batch_turn():
    lock, order = StoreLock(), []

    def single():
        with lock:
            order.append("single")

    def batch():
        with lock.batch_turn():
            order.append("batch")

    with lock.batch_turn():  # a batch's run of operations holds the store
        first = threading.Thread(target=single)
        first.start()
        _wait_for(lambda: lock._waiting == 1)
        second = threading.Thread(target=batch)
        second.start()
        time.sleep(0.05)  # the batch's next turn is asked for while the request waits
    first.join(5)
    second.join(5)
    assert order == ["single", "batch"]


def test_the_lock_is_re_entrant_inside_a_batch_turn():
    lock = StoreLock()
    with lock.batch_turn(), lock, lock:  # the store's own methods take it again
        pass
    with lock:  # and it is free afterwards
        pass
    assert lock._waiting == 0
