import pytest
from django.conf import settings

from bcsales.embedded_redis import EmbeddedRedis

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_is_green_with_a_worker_running(client, start_worker):
    start_worker()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "up", "redis": "up", "worker": "up"}


def test_healthz_answers_503_when_no_worker_listens(client, tmp_path, monkeypatch):
    # A Redis of the test's own: another database of a shared server may still list workers a
    # kill -9 test left behind until their registrations expire.
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        monkeypatch.setitem(settings.RQ_QUEUES["default"], "URL", server.url)
        response = client.get("/healthz")
    finally:
        server.stop()
    assert response.status_code == 503
    assert response.json()["checks"]["worker"].startswith("down")


def test_healthz_answers_503_when_redis_is_down(client, monkeypatch):
    monkeypatch.setitem(settings.RQ_QUEUES["default"], "URL", "redis://127.0.0.1:1/0")
    body = client.get("/healthz").json()
    assert body["status"] == "down"
    assert body["checks"]["redis"].startswith("down")


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code in (200, 503)
