"""Container health checks: python docker/healthcheck.py web | worker QUEUE | beat  (exit 0 = healthy)."""
from __future__ import annotations

import glob
import os
import socket
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def web(url: str = "http://127.0.0.1:8000/") -> bool:
    """The site answers its home page (as if through the TLS proxy, so no HTTPS redirect)."""
    request = urllib.request.Request(url,
                                     headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status == 200


def worker(queue: str) -> bool:
    """This container's Celery worker (named QUEUE@hostname) answers a ping through the broker."""
    from config.celery import app

    name = f"{queue}@{socket.gethostname()}"
    return any(name in reply for reply in app.control.ping(destination=[name], timeout=10))


def beat(max_age: float = 600.0) -> bool:
    """The broker is reachable and beat wrote its schedule file recently."""
    from django.conf import settings

    from config.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
    files = glob.glob(settings.CELERY_BEAT_SCHEDULE_FILENAME + "*")
    return bool(files) and time.time() - max(os.path.getmtime(f) for f in files) < max_age


if __name__ == "__main__":
    role, *args = sys.argv[1:] or ["web"]
    try:
        healthy = {"web": web, "worker": worker, "beat": beat}[role](*args)
    except Exception as exc:  # any failure is "unhealthy", with the reason in docker inspect
        print(f"{role}: {exc}", file=sys.stderr)
        healthy = False
    sys.exit(0 if healthy else 1)
