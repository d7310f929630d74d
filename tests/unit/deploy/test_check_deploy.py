"""Production settings pass Django's deployment checklist with no warning."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_check(**env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DEBUG": "False", "ALLOWED_HOSTS": "example.org", **env}
    environment.pop("SECURE_SSL_REDIRECT", None)
    environment.pop("SECURE_COOKIES", None)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run_check(SECRET_KEY=secrets.token_urlsafe(64), RB_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_weak_secret_key_is_reported(tmp_path):
    result = run_check(SECRET_KEY="short", RB_DATA_DIR=str(tmp_path))
    assert result.returncode != 0 and "security.W009" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = run_check(SECRET_KEY="", RB_DATA_DIR=str(tmp_path))
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path):
    environment = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(64), "RB_DATA_DIR": str(tmp_path)}
    environment.pop("DEBUG", None)
    result = subprocess.run([sys.executable, "-c", "from config import settings; print(settings.DEBUG)"],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr
