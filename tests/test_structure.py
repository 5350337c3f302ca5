"""The house rules a newcomer relies on, read from the code itself (issue 22).

- only `services/cases/workflow.py` writes a case's status;
- nothing in `services/` commits except the unit of work (`services/unit.py`);
- `api/` and `views/` stand side by side on `web/`: neither imports the other, and
  nothing imports upwards (services never import a front end, web or jobs);
- test modules share helpers through `conftest.py` and `tests/helpers.py` only.

Each rule's checker is first shown a violation, so the rule cannot pass by being blind.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
WORKFLOW = APP / "services" / "cases" / "workflow.py"
UNIT = APP / "services" / "unit.py"
# The demo generator builds a fictional history (statuses included) as test data; it is
# not a path any case of a municipality takes.
DEMO = {APP / "demo.py", APP / "demo_bulk.py"}
STATUS_FIELDS = {"status", "previous_status"}


def _mentions(node: ast.AST, name: str) -> bool:
    """Whether `name` occurs in the expression, as a name or an attribute."""
    return any(
        (isinstance(n, ast.Name) and n.id == name)
        or (isinstance(n, ast.Attribute) and n.attr == name)
        for n in ast.walk(node)
    )


def _is_member(node: ast.AST) -> bool:
    """`CaseStatus.<MEMBER>`: a status written as a value."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "CaseStatus"
    )


def _is_new(node: ast.AST) -> bool:
    """`CaseStatus.NEW`: the status a case is created with (creation, not a change)."""
    return _is_member(node) and node.attr == "NEW"


def _updates_cases(call: ast.Call) -> bool:
    """`update(Case)....values(...)`: a bulk UPDATE of the case table."""
    return isinstance(call.func, ast.Attribute) and call.func.attr == "values" and any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "update"
        and n.args and isinstance(n.args[0], ast.Name) and n.args[0].id == "Case"
        for n in ast.walk(call.func.value)
    )  # fmt: skip


def status_writes(source: str) -> list[int]:
    """Lines that write a case status: assignments, UPDATE/INSERT values, constructors."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not (isinstance(target, ast.Attribute) and target.attr in STATUS_FIELDS):
                    continue
                on_case = isinstance(target.value, ast.Name) and "case" in target.value.id
                if on_case or (node.value is not None and _mentions(node.value, "CaseStatus")):
                    found.append(node.lineno)
        elif isinstance(node, ast.Call) and _updates_cases(node):
            keys = [k.arg for k in node.keywords] + [
                k.value for d in node.args if isinstance(d, ast.Dict) for k in d.keys
                if isinstance(k, ast.Constant)
            ]  # fmt: skip
            if STATUS_FIELDS & set(keys):
                found.append(node.lineno)
        elif isinstance(node, ast.keyword) and node.arg in STATUS_FIELDS:
            if _is_member(node.value) and not _is_new(node.value):
                found.append(node.value.lineno)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value in STATUS_FIELDS
                    and _is_member(value)
                    and not _is_new(value)
                ):
                    found.append(value.lineno)
    return found


def commits(source: str) -> list[int]:
    """Lines that call `.commit()` on anything."""
    return [
        n.lineno
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "commit"
    ]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, resolved to its absolute dotted name."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    package = parts[:-1]  # a module's package; for __init__.py the package itself
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


# --- the checkers see a violation -------------------------------------------------------


@pytest.mark.parametrize(
    "snippet",
    [
        "case.status = CaseStatus.DECIDED",
        "case.previous_status = CaseStatus.DATA_RECEIVED",
        "case.status = target",
        "db.session.execute(update(Case).where(Case.id == 1).values(status=target))",
        "db.session.execute(update(Case).values({'previous_status': None}))",
        "Case(status=CaseStatus.INVITED)",
        "rows.append({'status': CaseStatus.DECIDED})",
    ],
)
def test_the_status_checker_sees_every_way_to_write_a_status(snippet):
    assert status_writes(snippet), snippet


def test_the_status_checker_lets_creation_and_other_statuses_be():
    assert not status_writes("Case(status=CaseStatus.NEW)")
    assert not status_writes("message.status = MessageStatus.SENT")
    assert not status_writes("record.status = ImportStatus.DONE")
    assert not status_writes("formatters = {'status': label_of(CaseStatus)}")
    assert commits("db.session.commit()") and commits("session.commit()")


# --- the rules ---------------------------------------------------------------------------


def test_only_the_workflow_writes_a_case_status():
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in python_files(APP)
        if path != WORKFLOW and path not in DEMO
        if (lines := status_writes(path.read_text()))
    }
    assert offenders == {}, f"status written outside services/cases/workflow.py: {offenders}"


def test_the_workflow_writes_statuses_itself():
    # The rule above would pass if the workflow had moved elsewhere: it is here, and writes.
    assert status_writes(WORKFLOW.read_text())


def test_no_service_commits_outside_the_unit_of_work():
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in python_files(APP / "services")
        if path != UNIT
        if (lines := commits(path.read_text()))
    }
    assert offenders == {}, f"commit() outside services/unit.py: {offenders}"
    assert commits(UNIT.read_text())


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("api", ("app.views",)),
        ("views", ("app.api",)),
        ("web", ("app.api", "app.views")),
        ("services", ("app.api", "app.views", "app.web", "app.jobs", "app.cli", "app.demo")),
        ("models", ("app.services", "app.api", "app.views", "app.web", "app.jobs")),
    ],
)
def test_nothing_imports_sideways_or_upwards(folder, forbidden):
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.startswith(forbidden)
        )
        for path in python_files(APP / folder)
    }
    offenders = {path: modules for path, modules in offenders.items() if modules}
    assert offenders == {}, f"app/{folder} may not import {forbidden}: {offenders}"


def test_the_import_reader_resolves_relative_imports():
    api_module = APP / "api" / "common.py"
    assert "app.web.refusals" in imported_modules(api_module)


def test_test_modules_share_helpers_only_through_conftest_and_helpers():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path)
            if m.startswith(("tests.test_", "tests.e2e.test_"))
        )
        for path in python_files(ROOT / "tests")
    }  # fmt: skip
    offenders = {path: modules for path, modules in offenders.items() if modules}
    assert offenders == {}, offenders


def test_each_fixture_is_defined_once():
    seen: dict[str, list[str]] = {}
    for path in python_files(ROOT / "tests"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                _mentions(d, "fixture") for d in node.decorator_list
            ):
                seen.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    twice = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert twice == {}, f"fixtures defined more than once: {twice}"
