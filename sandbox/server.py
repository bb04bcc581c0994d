"""The sandbox process: HTTPS listener, routing between the three services and the control
API, and the per-request pipeline (counters, faults, admin mode, auth, limits, latency)."""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sandbox import config, control, credentials, demo, entra
from sandbox.business_central import BusinessCentral
from sandbox.dataverse import Dataverse, resource_name
from sandbox.errors import ServiceError
from sandbox.limits import Counters, Faults, Limiter, Slot, retry_after
from sandbox.messages import REASONS, Request, Response
from sandbox.store import Store
from sandbox.tls import ensure_client_certificate, ensure_tls_files

log = logging.getLogger("sandbox")


class Sandbox:
    """All state of one sandbox instance (usable without a socket, e.g. in unit tests)."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        settings: dict[str, Any] | None = None,
        sizes: dict[str, int] | None = None,
    ) -> None:
        self.data_dir, self.port = data_dir, port
        data_dir.mkdir(parents=True, exist_ok=True)
        self.tls = ensure_tls_files(data_dir / "tls")
        self.state = credentials.load_or_create(data_dir)
        self.store = Store(data_dir / "sandbox.sqlite3")
        self.start_settings = config.merge(config.defaults(), settings or {})
        self.settings = self.start_settings
        self.counters, self.limiter, self.faults = Counters(), Limiter(), Faults()
        self.client_certificate = ensure_client_certificate(data_dir / "tls")
        self.tokens = entra.TokenService(
            self.state,
            lambda: self.settings["token_lifetime_seconds"],
            self.counters.token,
            self.client_certificate.certificate,
        )
        self.dataverse = Dataverse(self.store, self.state, lambda: self.settings["dataverse"])
        self.business_central = BusinessCentral(self.store, self.state)
        if self.store.is_empty or sizes:
            demo.seed(self.store, self.state, sizes or {})

    @property
    def base_url(self) -> str:
        return credentials.base_url(self.port)

    def credentials(self) -> dict[str, Any]:
        """Public connection details (``--show-credentials``)."""
        result = credentials.public_credentials(self.state, self.port, self.tls.ca_bundle)
        result.update(
            client_certificate=str(self.client_certificate.certificate),
            client_private_key=str(self.client_certificate.private_key),
            client_certificate_thumbprint=self.client_certificate.thumbprint,
        )
        return result

    def handle(self, request: Request) -> Response:
        """Route one request to the control API, the token service or a service."""
        path = request.path
        if path.startswith("/_sandbox/"):
            return control.handle(self, request)
        if path.startswith("/api/data/"):
            return self._sized("dataverse", self.serve("dataverse", request, resource_name(path)))
        if path.startswith("/v2.0/"):
            entity = self.business_central.resource_name(path)
            return self._sized("business_central", self.serve("business_central", request, entity))
        if self.tokens.handles(path):
            return self.tokens.handle(request)
        return Response(404, [("Content-Type", "text/plain")], b"Not found")

    def _sized(self, service: str, response: Response) -> Response:
        """Count the bytes of a service's answer: what a client reads is part of its cost."""
        self.counters.add(service, "response_bytes", len(response.body))
        return response

    def serve(self, service: str, request: Request, entity: str) -> Response:
        """The pipeline in front of Dataverse and Business Central."""
        self.counters.request(service, request.method)
        render = _renderer(service)
        fault = self._fault(service)
        if fault is not None:
            return fault
        if service == "dataverse" and self.settings["admin_mode"]:
            # Unverified wording: Dataverse answers 503 while the environment is in admin mode.
            return render(
                ServiceError(
                    503,
                    "0x80044183",
                    "The environment is in administration mode. Only administrators can connect.",
                )
            )
        principal = self._authenticate(service, request)
        if isinstance(principal, Response):
            return principal
        request.principal = principal
        try:
            slot = self.limiter.admit(
                service, principal.object_id, self.settings, self.settings["time_scale"]
            )
        except ServiceError as error:
            self.counters.add(service, "throttled")
            return self._signal(service, principal.object_id, render(error))
        try:
            response = self._run(service, request, entity, slot)
        finally:
            self.limiter.release(slot)
        return self._signal(service, principal.object_id, response)

    def _signal(self, service: str, key: str, response: Response) -> Response:
        """Dataverse's throughput headers on an authenticated Web API answer: the recommended
        degree of parallelism, and what is left of the service protection windows.
        https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests
        https://learn.microsoft.com/power-apps/developer/data-platform/api-limits"""
        if service != "dataverse" or response.drop:
            return response
        config_ = self.settings["dataverse"]
        budget = self.limiter.dataverse_budget(key, config_, self.settings["time_scale"])
        # A new list: a handler may answer with a header list it keeps.
        response.headers = [*response.headers, ("x-ms-dop-hint", str(config_["dop_hint"])),
                            *budget]
        return response

    def _run(self, service: str, request: Request, entity: str, slot: Slot) -> Response:
        config_ = self.settings[service]
        scale = self.settings["time_scale"]
        who = request.principal
        caller = (who.user_name or who.client_id) if who else ""
        request.observe = lambda name, method: self.counters.operation(service, name, method,
                                                                       caller)
        if config_["latency_ms"]:
            time.sleep(config_["latency_ms"] / 1000 / scale)
        handler = self.dataverse if service == "dataverse" else self.business_central
        response = handler.handle(request)
        # A request refused for who sent it (401, 403) ran no operation; a $batch counts each
        # of its operations as it runs them.
        if not entity.endswith("$batch") and response.status not in (401, 403):
            request.observe(entity, request.method)
        server_ms = config_["server_time_ms"] * response.operations
        if response.records:
            server_ms += config_["bulk_record_time_ms"] * response.records
        if server_ms:
            time.sleep(server_ms / 1000 / scale)
            self.counters.add(service, "server_time_ms", server_ms)
            self.limiter.charge(service, slot.key, server_ms)
        return response

    def _fault(self, service: str) -> Response | None:
        config_ = self.settings[service]
        kind = self.faults.pick(config_)
        if kind is None:
            return None
        self.counters.add(service, "faults")
        render = _renderer(service)
        if kind == "drop":
            return Response(0, drop=True)
        if kind == "timeout":
            time.sleep(config_["timeout_seconds"])
            code = "0x80040216" if service == "dataverse" else "GatewayTimeout"
            return render(ServiceError(504, code, "The operation timed out."))
        if kind == "429":
            code = "0x80072322" if service == "dataverse" else "Application_TooManyRequests"
            return render(
                ServiceError(
                    429,
                    code,
                    "Injected throttling fault.",
                    [("Retry-After", retry_after(1 / self.settings["time_scale"]))],
                )
            )
        status = int(kind)
        code = "0x80040216" if service == "dataverse" else "Internal_ServerError"
        headers = [("Retry-After", "1")] if status == 503 else []
        return render(ServiceError(status, code, f"Injected {status} fault.", headers))

    def _authenticate(self, service: str, request: Request) -> Any:
        if service == "dataverse":

            def accepts(aud: str) -> bool:
                return entra.is_dataverse_audience(aud, self.base_url)
        else:

            def accepts(aud: str) -> bool:
                return aud.rstrip("/") == credentials.BUSINESS_CENTRAL_RESOURCE

        principal = entra.authenticate(request, self.state["signing_key"], accepts)
        if not isinstance(principal, str):
            return principal
        authority = f"{self.base_url}/{self.state['tenant_id']}/oauth2/authorize"
        header = [
            (
                "WWW-Authenticate",
                f'Bearer authorization_uri={authority}, error="invalid_token", '
                f'error_description="{principal}"',
            )
        ]
        code = "0x8006088a" if service == "dataverse" else "Authentication_InvalidCredentials"
        return _renderer(service)(ServiceError(401, code, principal, header))

    def update_settings(self, patch: Any) -> dict[str, Any]:
        """Validate and apply a partial settings patch."""
        self.settings = config.merge(self.settings, patch)
        return self.settings

    def reset(self, sizes: dict[str, int]) -> None:
        """Reseed demo data and zero counters and limit windows."""
        with self.store.lock:
            demo.seed(self.store, self.state, sizes)
        self.counters.reset()
        self.limiter.reset()


def _renderer(service: str) -> Any:
    if service == "dataverse":
        return ServiceError.dataverse_response
    return ServiceError.business_central_response


class Handler(BaseHTTPRequestHandler):
    """Adapts http.server to :class:`Sandbox.handle`."""

    protocol_version = "HTTP/1.1"
    server_version = "bcsales-sandbox"
    # Headers and body go out in two sends on a keep-alive socket: with Nagle's algorithm the
    # second waits for the client's delayed ACK, about 40 ms on every answer.
    disable_nagle_algorithm = True
    sandbox: Sandbox

    def _serve(self) -> None:
        try:
            body = self._body()
        except ValueError:
            self.send_error(400, "Bad Request", "The request's chunked body is malformed.")
            return
        path, _, query = self.path.partition("?")
        request = Request(
            self.command,
            unquote(path),
            query,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            self.sandbox.base_url,
        )
        try:
            response = self.sandbox.handle(request)
        except Exception:
            log.exception("unhandled error for %s %s", self.command, self.path)
            response = Response(500, [("Content-Type", "text/plain")], b"sandbox error")
        self._write(response)

    def _body(self) -> bytes:
        """The request's body: Content-Length bytes, or HTTP/1.1 chunks (RFC 9112 7.1), which
        both services accept from a client that streams a body of unknown length."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunks()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _chunks(self) -> bytes:
        pieces = []
        while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
            if size < 0:
                raise ValueError(size)
            pieces.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF that ends a chunk
        while self.rfile.readline().strip():  # trailer fields, up to the blank line
            pass
        return b"".join(pieces)

    def _write(self, response: Response) -> None:
        if response.drop:
            self.close_connection = True
            return
        self.send_response(response.status, REASONS.get(response.status))
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class SandboxServer(ThreadingHTTPServer):
    """Threaded HTTPS server bound to loopback."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(sandbox: Sandbox, host: str = "127.0.0.1") -> SandboxServer:
    """An HTTPS server for ``sandbox`` on its port (not yet serving)."""
    handler = type("BoundHandler", (Handler,), {"sandbox": sandbox})
    server = SandboxServer((host, sandbox.port), handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sandbox.tls.certificate, sandbox.tls.private_key)
    # The handshake runs on first read, in the request's own thread, not in accept().
    server.socket = context.wrap_socket(
        server.socket, server_side=True, do_handshake_on_connect=False
    )
    return server


def run(sandbox: Sandbox, ready: threading.Event | None = None) -> None:
    """Serve until interrupted."""
    server = make_server(sandbox)
    if ready is not None:
        ready.set()
    try:
        server.serve_forever()
    finally:
        server.server_close()


def dumps(data: Any) -> str:
    """Pretty JSON for the command line."""
    return json.dumps(data, indent=2)
