"""Is the portal able to do its work: database, Redis and at least one live worker."""

from django.db import connection

from synchronization import jobs


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "up"
    except Exception as exc:
        return f"down: {exc}"


def redis_status() -> str:
    try:
        jobs.ping_redis()
        return "up"
    except Exception as exc:
        return f"down: {exc}"


def worker_count() -> int:
    """Workers registered in Redis; RQ drops a worker whose heartbeat stops."""
    try:
        return jobs.worker_count()
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
