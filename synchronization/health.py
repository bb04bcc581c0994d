"""Is the portal able to do its work: database, Redis and at least one live worker."""

import django_rq
from django.db import connection
from rq import Worker


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "up"
    except Exception as exc:
        return f"down: {exc}"


def redis_status() -> str:
    try:
        django_rq.get_connection("default").ping()
        return "up"
    except Exception as exc:
        return f"down: {exc}"


def worker_count() -> int:
    """Workers registered in Redis; RQ drops a worker whose heartbeat stops."""
    try:
        return Worker.count(connection=django_rq.get_connection("default"))
    except Exception:
        return 0


def report() -> dict:
    workers = worker_count()
    checks = {
        "database": database_status(),
        "redis": redis_status(),
        "worker": "up" if workers else "down: no worker is running",
    }
    return {
        "status": "up" if all(v == "up" for v in checks.values()) else "down",
        "checks": checks,
        "workers": workers,
    }
