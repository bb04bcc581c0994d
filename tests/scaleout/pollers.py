"""Browser-like clients: signed in, polling the full synchronization review and job pages.

Each client is a plain HTTP client that behaves like a browser behind the README's
TLS-terminating proxy: it sends the proxy's ``X-Forwarded-Proto``/``X-Forwarded-For`` headers
and the public host name, keeps its session and CSRF cookies (they are ``Secure``, so it keeps
them itself: the proxy, not this client, speaks HTTPS), signs in through the login form, picks
its connection with the connection switcher, and then loads the pages a person watching a run
has open, as htmx polls them. Every answer is recorded: path, status and seconds.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from dataclasses import dataclass, field

import requests

# htmx stops polling on this status (synchronization.views.fullsync.STOP_POLLING): not an error.
STOP_POLLING = 286
POLLED = ("/sync/full-sync/", "/sync/full-sync/lines/", "/sync/full-sync/status.json",
          "/sync/jobs/")
# What the review page says when a run lost its connection lock (fullsync.lock_problem).
LOCK_LOST = ("Its lock expired", "Its worker stopped")
JOB_LINK = re.compile(r'href="(/sync/jobs/\d+/)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Sample:
    """One answer a client got."""

    path: str
    status: int
    seconds: float
    error: str = ""
    body: str = field(default="", repr=False)  # kept for the job list only: its newest job


class BrowserClient:
    """One signed-in person's browser, reaching the portal through the proxy."""

    def __init__(self, base_url: str, host: str, address: str) -> None:
        self.base_url = base_url
        self.origin = f"https://{host}"
        self.http = requests.Session()
        self.http.trust_env = False
        self.headers = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": address}
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One request with this browser's cookies; the cookies it sets are kept."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.http.request(method, f"{self.base_url}{path}", headers=headers,
                                     cookies=self.cookies, allow_redirects=False, timeout=60,
                                     **kwargs)
        self.cookies.update(response.cookies.get_dict())
        return response

    def post_form(self, path: str, data: dict[str, str], referer: str) -> requests.Response:
        """POST a form as the page at ``referer`` would, with its CSRF token."""
        page = self.request("GET", referer)
        token = CSRF_INPUT.search(page.text)
        fields = {"csrfmiddlewaretoken": token.group(1) if token else
                  self.cookies.get("csrftoken", ""), **data}
        return self.request("POST", path, data=fields, headers={
            "Origin": self.origin, "Referer": f"{self.origin}{referer}"})

    def sign_in(self, username: str, password: str) -> None:
        """The login form; raises when the portal does not sign the person in."""
        response = self.post_form("/login/", {"username": username, "password": password},
                                  "/login/")
        if response.status_code != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in refused: HTTP {response.status_code}")

    def switch_to(self, connection_id: int) -> None:
        """Make ``connection_id`` this session's current connection (the header's switcher)."""
        response = self.post_form("/connection/switch/",
                                  {"connection": str(connection_id), "next": "/sync/full-sync/"},
                                  "/sync/full-sync/")
        if response.status_code != 302:
            raise RuntimeError(f"switching connection failed: HTTP {response.status_code}")


class Poller(threading.Thread):
    """A browser polling the review and job pages until told to stop."""

    def __init__(self, client: BrowserClient, pause: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.pause = pause
        self.samples: list[Sample] = []
        self.lock_lost_seen = 0  # review pages that said the run lost its lock
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            for path in (*POLLED, *self._job_pages()):
                self._load(path)
                if self._halt.wait(self.pause):
                    return

    def _job_pages(self) -> tuple[str, ...]:
        """The newest job's page and its polled progress fragment, as a person opens them."""
        listing = next((s for s in reversed(self.samples) if s.path == "/sync/jobs/"), None)
        link = JOB_LINK.search(listing.body) if listing else None
        return (link.group(1), f"{link.group(1)}progress/") if link else ()

    def _load(self, path: str) -> None:
        started = time.perf_counter()
        try:
            response = self.client.request("GET", path)
        except requests.RequestException as exc:
            self.samples.append(Sample(path, 0, time.perf_counter() - started, repr(exc)))
            return
        sample = Sample(path, response.status_code, time.perf_counter() - started)
        if path == "/sync/jobs/":
            sample.body = response.text
        if path.startswith("/sync/full-sync/") and any(s in response.text for s in LOCK_LOST):
            self.lock_lost_seen += 1
        self.samples.append(sample)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=120)


def is_error(sample: Sample) -> bool:
    """An answer a person would see as broken: no answer, a redirect away, 4xx or 5xx."""
    return sample.status not in (200, STOP_POLLING)


@dataclass
class Summary:
    """Latency and errors over every sample of every poller."""

    requests: int
    errors: list[Sample] = field(default_factory=list)
    p50_ms: float = 0.0
    p95_ms: float = 0.0

    @property
    def error_rate(self) -> float:
        return len(self.errors) / self.requests if self.requests else 0.0


def summarize(pollers: list[Poller]) -> Summary:
    samples = [s for poller in pollers for s in poller.samples]
    summary = Summary(len(samples), [s for s in samples if is_error(s)])
    if len(samples) >= 2:
        cuts = statistics.quantiles([s.seconds * 1000 for s in samples], n=100)
        summary.p50_ms, summary.p95_ms = cuts[49], cuts[94]
    return summary
