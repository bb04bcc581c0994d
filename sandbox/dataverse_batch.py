"""Dataverse ``$batch``: OData multipart requests with change sets, ``Content-ID`` references
and ``Prefer: odata.continue-on-error`` (protocols.md 3.9, 5.6).

Without continue-on-error processing stops at the first failure and the batch answers with
that status and only the failing response; a failure inside a change set rolls the change
set back. A batch holds at most 1,000 operations.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sandbox.errors import ServiceError
from sandbox.messages import REASONS, Request, Response

if TYPE_CHECKING:
    from sandbox.dataverse import Dataverse
    from sandbox.dataverse_records import Caller

MAX_OPERATIONS = 1000
# Operations run under one hold of the store's lock: short enough that other requests wait a few
# milliseconds, long enough that fifty batches at once do not spend their time handing the lock
# (and the interpreter's) to each other after every operation.
OPERATIONS_PER_HOLD = 50
BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
AFTER_DELIMITER = re.compile(r"(?:--)?[ \t]*(?:\r?\n|$)")
BLANK_LINE = re.compile(r"\r?\n\r?\n")
REFERENCE = re.compile(r"^\$(\d+)(/.*)?$")


@dataclass
class Operation:
    """One request inside the batch."""

    method: str
    url: str
    headers: dict[str, str]
    body: str
    content_id: str | None = None


@dataclass
class ChangeSet:
    """Operations that succeed or fail together."""

    operations: list[Operation] = field(default_factory=list)


class RolledBack(Exception):
    """Undo a change set; carries the failing operation's response."""

    def __init__(self, result: tuple[Operation, Response]) -> None:
        super().__init__("change set failed")
        self.result = result


def _boundary(content_type: str) -> str:
    match = BOUNDARY.search(content_type or "")
    if match is None or not content_type.lower().startswith("multipart/mixed"):
        raise ServiceError(
            400, "0x80048d19", "The batch request must be multipart/mixed with a boundary."
        )
    return match.group(1)


def _parts(body: str, boundary: str) -> list[str]:
    """The parts between ``--<boundary>`` delimiters: a delimiter takes the line break before
    it, an optional ``--`` and blanks after it, and ends with its line.

    Delimiters are found with ``str.find`` and their tails checked, rather than with one
    regular expression tried at every character: a batch of 1,000 writes is half a megabyte,
    and that expression took the sandbox longer than the writes themselves."""
    delimiter = f"--{boundary}"
    parts: list[str] = []
    start: int | None = None  # where the current part began (None: still in the preamble)
    at = body.find(delimiter)
    while at != -1:
        tail = AFTER_DELIMITER.match(body, at + len(delimiter))
        if tail is None:  # the boundary's text inside a longer word: not a delimiter
            at = body.find(delimiter, at + 1)
            continue
        if start is not None:
            parts.append(body[start:_line_break_before(body, at, start)])
        start = tail.end()
        at = body.find(delimiter, start)
    if start is not None:
        parts.append(body[start:])
    return [part for part in parts if part.strip()]


def _line_break_before(body: str, at: int, start: int) -> int:
    """Where the part that ends at a delimiter found at ``at`` ends: before its line break."""
    for line_break in ("\r\n", "\n"):
        if at - len(line_break) >= start and body.startswith(line_break, at - len(line_break)):
            return at - len(line_break)
    return at


def _headers(text: str) -> dict[str, str]:
    headers = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip():
            headers[name.strip().lower()] = value.strip()
    return headers


def parse(body: str, content_type: str) -> list[Operation | ChangeSet]:
    """Parse a multipart batch body into operations and change sets."""
    items: list[Operation | ChangeSet] = []
    for part in _parts(body, _boundary(content_type)):
        head, content = [*BLANK_LINE.split(part.lstrip("\r\n"), 1), ""][:2]
        headers = _headers(head)
        if headers.get("content-type", "").lower().startswith("multipart/mixed"):
            change_set = ChangeSet()
            for sub in _parts(content, _boundary(headers["content-type"])):
                change_set.operations.append(_operation(sub))
            items.append(change_set)
        else:
            items.append(_operation(part))
    return items


def _operation(part: str) -> Operation:
    pieces = BLANK_LINE.split(part.lstrip("\r\n"), 2)
    if len(pieces) < 2:
        raise ServiceError(400, "0x80048d19", "A batch part has no HTTP request.")
    part_headers = _headers(pieces[0])
    request_line, _, header_text = pieces[1].partition("\n")
    words = request_line.strip().split()
    # METHOD SP URL [SP HTTP-version]: a URL with a space in it (not encoded) is no URL.
    if not 2 <= len(words) <= 3 or (len(words) == 3 and not words[2].startswith("HTTP/")):
        raise ServiceError(400, "0x80048d19", f"Invalid request line '{request_line.strip()}'.")
    body = pieces[2].rstrip("\r\n") if len(pieces) > 2 else ""
    return Operation(
        words[0].upper(), words[1], _headers(header_text), body, part_headers.get("content-id")
    )


def handle_batch(dataverse: Dataverse, request: Request, caller: Caller, api: str) -> Response:
    """Run a ``$batch`` request."""
    if request.method != "POST":
        raise ServiceError(405, "0x80060888", "Use POST for $batch.")
    items = parse(request.body.decode("utf-8"), request.header("content-type") or "")
    count = sum(len(i.operations) if isinstance(i, ChangeSet) else 1 for i in items)
    if count > MAX_OPERATIONS:
        raise ServiceError(
            400, "0x80060888", f"The number of requests in a batch cannot exceed {MAX_OPERATIONS}."
        )
    runner = Runner(dataverse, request, caller, api)
    response = runner.run(items, "odata.continue-on-error" in request.prefers())
    response.operations = max(1, count)
    response.records = runner.records
    return response


class Runner:
    """Executes batch items in order and writes the multipart response."""

    def __init__(self, dataverse: Dataverse, request: Request, caller: Caller, api: str) -> None:
        self.dataverse, self.outer, self.caller, self.api = dataverse, request, caller, api
        self.references: dict[str, str] = {}
        self.records = 0  # targets of bulk messages among the operations
        self.boundary = f"batchresponse_{uuid.uuid4()}"

    def run(self, items: list[Operation | ChangeSet], continue_on_error: bool) -> Response:
        chunks: list[str] = []
        for start in range(0, len(items), OPERATIONS_PER_HOLD):
            with self.dataverse.store.lock.batch_turn():
                stopped = self._run_items(items[start:start + OPERATIONS_PER_HOLD], chunks,
                                          continue_on_error)
            if stopped is not None:
                return stopped
        return self._response(200, chunks)

    def _run_items(self, items: list[Operation | ChangeSet], chunks: list[str],
                   continue_on_error: bool) -> Response | None:
        """Run ``items``, adding their answers to ``chunks``; the batch's answer when one
        failed and the batch stops there, else None."""
        for item in items:
            if isinstance(item, ChangeSet):
                results, failed = self._change_set(item)
                chunks.append(self._change_set_part(results))
            else:
                result = (item, self._execute(item, in_change_set=False))
                failed = result[1].status >= 400
                chunks.append(_http_part(*result))
            if failed and not continue_on_error:
                status = (results[-1] if isinstance(item, ChangeSet) else result)[1].status
                return self._response(status, chunks[-1:])
        return None

    def _change_set(self, change_set: ChangeSet) -> tuple[list[tuple[Operation, Response]], bool]:
        results: list[tuple[Operation, Response]] = []
        try:
            with self.dataverse.store.transaction():
                for operation in change_set.operations:
                    response = self._execute(operation, in_change_set=True)
                    if response.status >= 400:
                        raise RolledBack((operation, response))
                    results.append((operation, response))
        except RolledBack as rolled_back:
            return [rolled_back.result], True
        return results, False

    def _execute(self, operation: Operation, in_change_set: bool) -> Response:
        try:
            if in_change_set and operation.method == "GET":
                raise ServiceError(
                    400, "0x80060888", "GET requests are not allowed inside a change set."
                )
            inner = self._inner_request(operation)
            if self.outer.observe is not None:
                from sandbox.dataverse import resource_name

                self.outer.observe(resource_name(inner.path), inner.method)
            response = self._dispatch(inner)
            self.records += response.records
        except ServiceError as error:
            response = error.dataverse_response()
        if operation.content_id and response.status < 400:
            entity_id = response.header("OData-EntityId")
            if entity_id:
                self.references[operation.content_id] = urlsplit(entity_id).path
        return response

    def _dispatch(self, inner: Request) -> Response:
        try:  # run() holds the store's lock
            return self.dataverse.dispatch(inner, self.caller)
        except ServiceError as error:
            return error.dataverse_response()

    def _inner_request(self, operation: Operation) -> Request:
        url = self._resolve(operation.url)
        parts = urlsplit(url)
        path = (
            parts.path
            if parts.path.startswith("/api/data/")
            else (f"{urlsplit(self.api).path}/{parts.path.lstrip('/')}")
        )
        if path.rstrip("/").endswith("$batch"):
            raise ServiceError(400, "0x80060888", "Batches cannot be nested.")
        body = self._resolve_body(operation.body)
        return Request(
            operation.method,
            path,
            parts.query,
            operation.headers,
            body.encode("utf-8"),
            self.outer.base_url,
            self.outer.principal,
            in_batch=True,
            # A bulk message's targets beyond the first count as operations of their own.
            observe=self.outer.observe,
        )

    def _resolve(self, url: str) -> str:
        match = REFERENCE.match(url)
        if match is None:
            return url
        if match.group(1) not in self.references:
            raise ServiceError(
                400,
                "0x80060888",
                f"Content-ID Reference: '${match.group(1)}' does not exist in the batch context.",
            )
        return self.references[match.group(1)] + (match.group(2) or "")

    def _resolve_body(self, body: str) -> str:
        if not body.strip() or "$" not in body:
            return body
        try:
            data = json.loads(body)
        except ValueError:
            return body
        return json.dumps(_replace_references(data, self._resolve))

    def _change_set_part(self, results: list[tuple[Operation, Response]]) -> str:
        boundary = f"changesetresponse_{uuid.uuid4()}"
        inner = "".join(f"--{boundary}\r\n{_http_part(op, response)}" for op, response in results)
        return (
            f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{inner}--{boundary}--\r\n"
        )

    def _response(self, status: int, chunks: list[str]) -> Response:
        body = "".join(f"--{self.boundary}\r\n{chunk}" for chunk in chunks)
        body += f"--{self.boundary}--\r\n"
        headers = [
            ("Content-Type", f"multipart/mixed; boundary={self.boundary}"),
            ("OData-Version", "4.0"),
        ]
        return Response(status, headers, body.encode("utf-8"))


def _replace_references(value: Any, resolve: Any) -> Any:
    if isinstance(value, dict):
        return {k: _replace_references(v, resolve) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_references(v, resolve) for v in value]
    if isinstance(value, str) and REFERENCE.match(value):
        return resolve(value)
    return value


def _http_part(operation: Operation, response: Response) -> str:
    head = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if operation.content_id:
        head += f"Content-ID: {operation.content_id}\r\n"
    lines = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, '')}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    body = response.body.decode("utf-8")
    return f"{head}\r\n" + "\r\n".join(lines) + f"\r\n\r\n{body}\r\n"
