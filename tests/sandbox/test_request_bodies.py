"""Request bodies as HTTP/1.1 sends them: with a Content-Length, or in chunks when the client
streams a body of unknown length (RFC 9112 7.1). Both services accept either; the sandbox reads
both, and refuses a malformed chunk with 400 rather than reading a wrong body."""

from __future__ import annotations

import json
import socket
import ssl
from urllib.parse import urlsplit


def test_a_chunked_body_creates_the_record_it_carries(dataverse):
    text = json.dumps({"name": "Sent in chunks"}).encode()
    pieces = (text[i:i + 5] for i in range(0, len(text), 5))  # a generator: no length known
    created = dataverse.post("accounts", data=pieces, headers={
        "Content-Type": "application/json", "Prefer": "return=representation"})
    assert created.status_code == 201, created.text
    assert created.request.headers.get("Transfer-Encoding") == "chunked"
    assert created.json()["name"] == "Sent in chunks"


def test_a_malformed_chunk_is_refused_with_400(dataverse, sandbox_clean):
    url = urlsplit(dataverse.base)
    context = ssl.create_default_context(cafile=sandbox_clean.ca_bundle)
    with socket.create_connection((url.hostname, url.port)) as raw, \
            context.wrap_socket(raw, server_hostname=url.hostname) as tls:
        tls.sendall((f"POST {url.path}accounts HTTP/1.1\r\nHost: {url.netloc}\r\n"
                     f"Authorization: {dataverse.headers['Authorization']}\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "zz\r\n{}\r\n0\r\n\r\n").encode())
        answer = tls.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 400"), answer
