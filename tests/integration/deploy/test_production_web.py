"""The web role as the image runs it: gunicorn with production settings, static files from whitenoise."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.pipeline.conftest import Process, free_port, test_database_url, wait_until

ROOT = Path(settings.BASE_DIR)
pytestmark = pytest.mark.slow


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, **headers):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers={"Host": "localhost", **headers}), timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, b""


def test_gunicorn_with_production_settings_serves_pages_static_files_and_passes_its_health_check(
        transactional_db, tmp_path):
    env = {**os.environ, "DEBUG": "False", "SECRET_KEY": secrets.token_urlsafe(64),
           "ALLOWED_HOSTS": "example.org,localhost", "DATABASE_URL": test_database_url(),
           "RB_DATA_DIR": str(tmp_path / "data")}
    for name in ("SECURE_SSL_REDIRECT", "SECURE_COOKIES"):
        env.pop(name, None)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=300)
    port = free_port()
    web = Process([str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--bind",
                   f"127.0.0.1:{port}", "--workers", "1"], env, tmp_path / "gunicorn.log")
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_until(lambda: "Booting worker" in web.text() and get(base)[0] != 0, 60, interval=0.5, what="gunicorn")
        health = subprocess.run([sys.executable, "docker/healthcheck.py", "web", base], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert health.returncode == 0, health.stderr + web.text()[-2000:]

        status, headers, _ = get(base)
        assert status == 301 and headers["Location"] == "https://localhost/"  # plain HTTP goes to HTTPS

        status, headers, body = get(base, **{"X-Forwarded-Proto": "https"})
        assert status == 200 and b"<html" in body.lower()
        assert "Strict-Transport-Security" in headers
        css = next(p.name for p in (ROOT / "staticfiles" / "css").iterdir()
                   if p.suffix == ".css" and p.name.count(".") == 2)  # hashed name from the manifest
        status, headers, body = get(f"{base}static/css/{css}", **{"X-Forwarded-Proto": "https"})
        assert status == 200 and body and "max-age=315360000" in headers.get("Cache-Control", "")
    finally:
        web.stop()
