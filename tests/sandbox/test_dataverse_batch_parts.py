"""The sandbox splits a ``$batch`` body into parts exactly as the multipart grammar's regular
expression does (sandbox.dataverse_batch._parts splits with str.split for speed)."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.dataverse_batch import _parts

BOUNDARY = "batch_1a"


def parts_by_expression(body: str, boundary: str) -> list[str]:
    pieces = re.split(rf"(?:\r?\n)?--{re.escape(boundary)}(?:--)?[ \t]*(?:\r?\n|$)", body)
    return [piece for piece in pieces[1:] if piece.strip()]


TOKENS = st.sampled_from(["\r\n", "\n", "\r", "--", f"--{BOUNDARY}", f"--{BOUNDARY}--",
                          f"--{BOUNDARY}x", " ", "\t", "GET accounts HTTP/1.1", "{}", "a"])


@settings(max_examples=500)
@given(st.lists(TOKENS, max_size=30))
def test_parts_are_those_the_grammar_gives(tokens):
    body = "".join(tokens)
    assert _parts(body, BOUNDARY) == parts_by_expression(body, BOUNDARY)


def test_a_batch_of_two_parts_and_a_closing_delimiter():
    body = (f"--{BOUNDARY}\r\nContent-Type: application/http\r\n\r\nGET a HTTP/1.1\r\n\r\n"
            f"--{BOUNDARY}\r\nContent-Type: application/http\r\n\r\nGET b HTTP/1.1\r\n\r\n"
            f"--{BOUNDARY}--\r\n")
    assert [p.splitlines()[-1] for p in _parts(body, BOUNDARY)] == ["GET a HTTP/1.1",
                                                                     "GET b HTTP/1.1"]
