"""The architecture rules that a reader could break without noticing, checked on the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "ihub"


def _files(pattern: str = "**/*.py") -> list[Path]:
    return sorted(SRC.glob(pattern))


def test_every_request_session_is_the_shared_function_scoped_one() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in _files()
        if path.name != "db.py" and "Depends(get_session" in path.read_text()
    ]
    assert offenders == [], "use ihub.db.SessionDep (it commits before the response is sent)"


def test_services_never_commit() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in _files("**/service.py")
        if re.search(r"\.commit\(\)", path.read_text())
    ]
    assert offenders == []


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_connectors_import_no_web_framework_orm_or_task_queue() -> None:
    forbidden = ("fastapi", "starlette", "sqlalchemy", "celery", "ihub.models", "ihub.db")
    offenders = {
        str(path.relative_to(SRC)): sorted(
            name for name in _imports(path) if name.startswith(forbidden)
        )
        for path in _files("connectors/**/*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_kit_imports_no_domain() -> None:
    domains = {
        p.name
        for p in SRC.iterdir()
        if p.is_dir() and p.name not in ("kit", "models", "__pycache__")
    }
    offenders = {
        str(path.relative_to(SRC)): sorted(
            name
            for name in _imports(path)
            if name.split(".")[:2][-1] in domains and name.startswith("ihub.")
        )
        for path in _files("kit/**/*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
