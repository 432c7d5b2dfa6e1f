"""Sizes that read: no product module over 500 lines, no view function over 40 lines."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "migrations", "tests", "var", "static", "benchmarks", ".git", "node_modules"}


def product_modules():
    for path in ROOT.rglob("*.py"):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            yield path


def test_no_product_module_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in product_modules()
        if (lines := path.read_text().count("\n")) > 500
    }
    assert long == {}


def test_no_view_function_over_40_lines():
    long = {}
    for path in product_modules():
        if not (path.name in ("views.py", "admin.py") or "views" in path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 40:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = length
    assert long == {}
