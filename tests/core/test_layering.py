"""The computation knows nothing of the page: what imports Streamlit and Altair, and what does not."""

import ast
import json
import subprocess
import sys

from conftest import ROOT

PACKAGE = ROOT / "playground"


def modules(folder):
    """The project's Python files below ``folder``: not a virtual environment's, a cache's or git's."""
    return sorted(p for p in folder.rglob("*.py")
                  if not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(ROOT).parts))


def imported(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_frame_and_ui_import_streamlit():
    importers = {p.relative_to(ROOT).as_posix() for p in modules(ROOT) if "streamlit" in imported(p)
                 and p.relative_to(ROOT).parts[0] not in ("tests", "benchmarks")}
    assert "streamlit_app.py" in importers
    assert all(name == "streamlit_app.py" or name.startswith("ui/") for name in importers), importers


def test_only_the_chart_builders_import_altair():
    importers = {p.relative_to(ROOT).as_posix() for p in modules(PACKAGE) if "altair" in imported(p)}
    assert importers and all(name.startswith("playground/charts/") for name in importers), importers


def test_importing_every_computation_module_loads_neither_streamlit_nor_altair():
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in modules(PACKAGE)
             if "charts" not in p.parts and p.name != "__init__.py"]
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in ('streamlit', 'altair') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert len(names) > 15 and json.loads(out.stdout) == []
