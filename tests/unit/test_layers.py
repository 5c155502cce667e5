"""The house's rules of direction (DESIGN.md), checked on the source: which package may import
which. Parsed, not imported, so a rule holds for code no test happens to load."""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def imports(package: str):
    """(file, imported module name) for every import under app/<package>, relative ones resolved."""
    for path in sorted((APP / package).rglob("*.py")):
        module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.name, alias.name
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = module.split(".")[: -node.level]
                    base = ".".join(parent + ([base] if base else []))
                yield path.name, base
                for alias in node.names:  # "from app import search" imports app.search
                    yield path.name, f"{base}.{alias.name}"


def test_experts_does_not_import_search():
    bad = [(f, name) for f, name in imports("experts") if name == "app.search" or name.startswith("app.search.")]
    assert bad == []


DOMAINS = ("forum", "experts", "search", "points", "notifications", "realtime", "accounts", "admin", "api", "kb")


def test_no_domain_builds_an_app_or_imports_the_importer_or_the_lab():
    bad = []
    for domain in DOMAINS:
        if not (APP / domain).is_dir():
            continue
        for f, name in imports(domain):
            if name.split(".")[:2] in (["app", "importer"], ["app", "lab"]) or name == "app.create_app":
                bad.append((domain, f, name))
        for path in (APP / domain).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                called = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
                if called == "create_app":
                    bad.append((domain, path.name, "create_app()"))
    assert bad == []
