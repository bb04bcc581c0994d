"""The yardsticks the product is measured against, in the same world and run.

* :func:`reference_rate`: the simplest client that keeps the service's allowance full: ``lanes``
  threads, each sending ``$batch`` requests of ``batch`` upserts (PATCH to a new id) and sleeping
  ``Retry-After`` when answered 429. No headers read, no back-off of its own.
* :func:`per_record_rate`: the parallel one-request-per-record client: ``lanes`` threads, each
  sending one PATCH per record, honouring ``Retry-After`` too.
* :func:`bc_ceiling`: what Business Central's limits allow (5 requests at once, ``$batch`` of
  100), computed from the emulated server time and latency.

Both clients talk HTTP with ``requests`` directly (a token from the sandbox's token endpoint),
so nothing of the product's client code is in the yardstick.
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from requests.adapters import HTTPAdapter


def _session(credentials: dict[str, Any], lanes: int) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = credentials["ca_bundle"]
    adapter = HTTPAdapter(pool_maxsize=lanes, max_retries=0)
    session.mount("https://", adapter)
    form = {"client_id": credentials["client_id"], "client_secret": credentials["client_secret"],
            "scope": credentials["dataverse_scope"], "grant_type": "client_credentials"}
    token = session.post(credentials["token_endpoint"], data=form, timeout=30).json()
    session.headers.update({"Authorization": f"Bearer {token['access_token']}",
                            "OData-Version": "4.0", "OData-MaxVersion": "4.0",
                            "Accept": "application/json"})
    return session


def account(number: int) -> dict[str, Any]:
    """An account body about the size of what the CUSTOMER mapping writes."""
    return {"name": f"Reference account {number:07d}", "accountnumber": f"R{number:07d}",
            "address1_line1": f"{number} Reference Street", "address1_city": "Atlanta",
            "address1_stateorprovince": "GA", "address1_postalcode": "31772",
            "address1_country": "US", "emailaddress1": f"reference{number}@example.com",
            "telephone1": "555-0100", "customertypecode": 3}


def batch_body(numbers: range, body_of=account, returning: bool = False) -> tuple[str, bytes]:
    """A ``$batch`` of upserts of ``body_of(number)`` to new ids; with ``returning``, each asks
    for its ``modifiedon`` and ``versionnumber`` back (as the product's writes do)."""
    boundary = f"batch_{uuid.uuid4()}"
    lines: list[str] = []
    for number in numbers:
        target = f"/api/data/v9.2/accounts({uuid.uuid4()})"
        lines += [f"--{boundary}", "Content-Type: application/http",
                  "Content-Transfer-Encoding: binary", ""]
        if returning:
            lines += [f"PATCH {target}?$select=modifiedon,versionnumber HTTP/1.1",
                      "Prefer: return=representation"]
        else:
            lines.append(f"PATCH {target} HTTP/1.1")
        lines += ["Content-Type: application/json; type=entry", "",
                  json.dumps(body_of(number))]
    lines += [f"--{boundary}--", ""]
    return f"multipart/mixed; boundary={boundary}", "\r\n".join(lines).encode()


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = self.throttled = 0

    def add(self, done: int = 0, throttled: int = 0) -> None:
        with self.lock:
            self.done += done
            self.throttled += throttled


def _send(session: requests.Session, method: str, url: str, tally: _Tally,
          **kwargs: Any) -> requests.Response:
    """Send until the answer is not a 429, sleeping Retry-After between tries."""
    while True:
        response = session.request(method, url, timeout=600, **kwargs)
        if response.status_code != 429:
            return response
        tally.add(throttled=1)
        time.sleep(float(response.headers.get("Retry-After", "1")))


def reference_rate(credentials: dict[str, Any], records: int, lanes: int = 52,
                   batch: int = 1000) -> dict[str, float]:
    """Upsert ``records`` accounts in ``$batch``es of ``batch``, ``lanes`` at once."""
    session, tally = _session(credentials, lanes), _Tally()
    url = f"{credentials['dataverse_api_url']}$batch"

    def one(start: int) -> None:
        content_type, body = batch_body(range(start, min(start + batch, records)))
        response = _send(session, "POST", url, tally, data=body, headers={
            "Content-Type": content_type, "Prefer": "odata.continue-on-error"})
        tally.add(done=response.content.count(b"HTTP/1.1 2"))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        list(pool.map(one, range(0, records, batch)))
    seconds = time.perf_counter() - started
    session.close()
    return {"records": tally.done, "seconds": seconds, "rate": tally.done / seconds,
            "throttled": tally.throttled}


def per_record_rate(credentials: dict[str, Any], records: int, lanes: int = 52
                    ) -> dict[str, float]:
    """Upsert ``records`` accounts one PATCH each, ``lanes`` threads at once."""
    session, tally = _session(credentials, lanes), _Tally()
    base = credentials["dataverse_api_url"]

    def one(number: int) -> None:
        response = _send(session, "PATCH", f"{base}accounts({uuid.uuid4()})", tally,
                         json=account(number))
        tally.add(done=int(response.status_code < 300))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        list(pool.map(one, range(records)))
    seconds = time.perf_counter() - started
    session.close()
    return {"records": tally.done, "seconds": seconds, "rate": tally.done / seconds,
            "throttled": tally.throttled}


def bc_ceiling(server_ms: float, latency_ms: float, time_scale: float, lanes: int = 5,
               batch: int = 100) -> float:
    """Records per real second Business Central's limits allow: ``lanes`` requests at once,
    each a ``$batch`` of ``batch`` operations taking latency + batch x server time."""
    seconds = (latency_ms + batch * server_ms) / 1000 / time_scale
    return lanes * batch / seconds if seconds else float("inf")
