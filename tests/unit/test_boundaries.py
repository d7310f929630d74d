"""Architecture rules, read from the source with ast (no Django, no database): who may import whom."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "datasets_registry", "leaderboard", "runners", "accounts")  # absent ones are skipped
MAX_LINES = 400


def project_files(root=ROOT, packages=PACKAGES):
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):  # an absent folder yields nothing
            if "migrations" not in path.relative_to(root).parts:
                yield path


def module_name(path, root=ROOT):
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_file(module, root=ROOT):
    base = root.joinpath(*module.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def imports(path, root=ROOT):
    """(line, module) for every import of the file, function-local ones included, relative ones resolved."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parents + ([node.module] if node.module else []))
            for alias in node.names:  # `from pkg import sub` is an import of pkg.sub when that file exists
                sub = f"{base}.{alias.name}"
                found.append((node.lineno, sub if module_file(sub, root) else base))
    return found


def within(module, prefixes):
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(source, forbidden, root=ROOT, packages=PACKAGES):
    return [
        f"{path.relative_to(root)}:{line} -> {module}"
        for path in project_files(root, packages)
        if within(module_name(path, root), [source])
        for line, module in imports(path, root)
        if within(module, forbidden)
    ]


def import_graph(root=ROOT, packages=PACKAGES):
    """module -> set of project modules it imports (each mapped to the nearest existing file).

    An edge goes only to the module named in the import, not to the parent packages that Python also runs:
    those are mostly empty `__init__.py` files (leaves, no imports, so never part of a cycle), and adding
    them would only make every `pkg/__init__.py` that re-exports a submodule look like a cycle with it.
    """
    graph = {}
    for path in project_files(root, packages):
        edges = graph.setdefault(module_name(path, root), set())
        for _, module in imports(path, root):
            while module and not module_file(module, root):
                module = module.rpartition(".")[0]
            if module and within(module, packages) and module != module_name(path, root):
                edges.add(module)
    return graph


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while node not in component:
                component.add(stack.pop())
            on_stack.difference_update(component)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_runners_do_not_import_the_web_side():
    forbidden = ["django", "rest_framework", "celery", "config", "leaderboard", "datasets_registry", "accounts"]
    bad = violations("runners", forbidden)
    assert not bad, "runners must stay a plain library:\n" + "\n".join(bad)


def test_board_read_side_does_not_import_the_write_side():
    bad = violations("leaderboard.board", ["leaderboard.submissions", "leaderboard.evaluations.tasks"])
    assert not bad, "leaderboard.board (read side) imports the write side:\n" + "\n".join(bad)


def test_evaluations_worker_does_not_import_submissions():
    bad = violations("leaderboard.evaluations", ["leaderboard.submissions"])
    assert not bad, "leaderboard.evaluations (worker side) imports leaderboard.submissions:\n" + "\n".join(bad)


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_leaderboard_files_are_small():
    sizes = {p: len(p.read_text().splitlines()) for p in project_files(packages=["leaderboard"])}
    big = [f"{p.relative_to(ROOT)}: {n} lines" for p, n in sizes.items() if n > MAX_LINES]
    assert not big, f"files over {MAX_LINES} lines:\n" + "\n".join(big)


def test_cycle_finder_reports_a_two_module_cycle(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    from pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("from . import a\nimport os\n")
    (tmp_path / "pkg" / "c.py").write_text("from .a import f\n")
    graph = import_graph(tmp_path, ["pkg"])
    assert graph["pkg.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


def test_boundary_check_reports_a_forbidden_import(tmp_path):
    (tmp_path / "runners").mkdir()
    (tmp_path / "runners" / "ok.py").write_text("import json\n")
    (tmp_path / "runners" / "bad.py").write_text("import json\n\ndef f():\n    from django.conf import settings\n")
    assert violations("runners", ["django"], tmp_path, ["runners"]) == ["runners/bad.py:4 -> django.conf"]
