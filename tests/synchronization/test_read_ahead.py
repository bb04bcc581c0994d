"""pacing.prefetched: the next page is read while the caller works on this one, and a page the
caller let go of is not kept by the reader.

A unit test on plain iterables: no service is involved.
"""

import gc
import weakref

from synchronization.pacing import prefetched


class Page(list):
    """A page of records that can be watched with a weak reference."""


def test_pages_come_in_order_and_the_next_one_is_read_ahead():
    read = []

    def pages():
        for number in range(3):
            read.append(number)
            yield Page([number])

    reader = prefetched(pages())
    assert next(reader) == [0]
    gc.collect()
    assert read == [0, 1]  # the second page was read while the caller had the first
    assert list(reader) == [[1], [2]]


def test_a_page_the_caller_let_go_of_is_not_kept_while_the_reader_waits():
    # The engine waits for a lane after planning a page; the reader holding that page too kept
    # a whole page of records (megabytes) alive for nothing.
    reader = prefetched(Page([number]) for number in (1, 2))
    first = next(reader)
    watched = weakref.ref(first)
    del first
    gc.collect()
    assert watched() is None
    assert list(reader) == [[2]]
