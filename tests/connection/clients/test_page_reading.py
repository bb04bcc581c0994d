"""Reading a collection page by page: what a suspended page reader keeps.

A unit test: the HTTP session is a stub answering two pages (the edge); odata.iterate_pages is
real.
"""

import gc
import json
import weakref

import requests

from connection.clients.odata import iterate_pages


class TwoPages:
    """Answers the first page with a next link, then the last page; keeps weak references to
    the responses it gave."""

    def __init__(self) -> None:
        self.responses: list[weakref.ref] = []

    def request(self, method: str, url: str, headers=None) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        last = url.endswith("page=2")
        rows = [{"id": f"{url}-{n}", "name": "x" * 100} for n in range(50)]
        body: dict[str, object] = {"value": rows}
        if not last:
            body["@odata.nextLink"] = "https://service/rows?page=2"
        response._content = json.dumps(body).encode()
        self.responses.append(weakref.ref(response))
        return response


def test_the_answer_of_a_page_is_not_kept_while_the_caller_works_on_the_page():
    # The reader waits at its yield while the engine plans the page: it used to hold the whole
    # answer (megabytes for a page of 5,000 records) besides the parsed rows.
    session = TwoPages()
    pages = iterate_pages(session, "https://service/rows")
    first = next(pages)
    gc.collect()
    assert len(first) == 50 and [ref() for ref in session.responses] == [None]
    assert [len(page) for page in pages] == [50]
