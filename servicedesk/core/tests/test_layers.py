"""Imports point one way (STYLE.md's layers, issue 12): an app imports only from itself and the apps
below it in LAYERS, so there is no cycle between apps and a new domain app has one place to go.

Checked by reading every module's source (tests and migrations aside): module-level imports and
imports inside functions count; imports under ``if TYPE_CHECKING:`` (type hints only) do not.
A new app must be added to LAYERS, above everything it builds on.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]

# Bottom first. Same row = the same level: neither may import the other.
LAYERS: list[tuple[str, ...]] = [
    ("core",),                   # plumbing: errors, API and web helpers, bounded inputs, history base
    ("org",),                    # units, providers, people, roles
    ("customers",),              # customers, accounts, service points, phones
    ("network",),                # the supply network
    ("sla",),                    # calendars, policies, timers of generic subjects
    ("contacts",),               # contact records, callbacks, messages
    ("tickets",),                # request types, rules, requests, work orders, the intake page
    ("outages",),                # fault calls, outages, planned outages
    ("complaints",),             # follow-up: complaints, their parts, repeats, refunds
    ("surveys",),                # follow-up: satisfaction surveys of closed requests, quality targets
    ("search",),                 # the global search, reading everything above
    ("testing",),                # personas and factories for the tests
    # The top composes everything: the demo and the command line, and the project's own modules
    # (servicedesk/api.py, web_urls.py, settings.py, wsgi.py …), which may import one another.
    ("demo", "project"),
]
LEVEL = {app: level for level, row in enumerate(LAYERS) for app in row}
TOP = len(LAYERS) - 1
PROJECT_MODULES = {path.stem for path in PACKAGE.glob("*.py")}


def _app(name: str) -> str:
    return "project" if name in PROJECT_MODULES else name


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_apps(source: str) -> list[tuple[int, str]]:
    """(line, app) of every ``servicedesk.<app>`` import outside ``if TYPE_CHECKING:`` blocks."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = ([node.module] if node.module != "servicedesk"
                     else [f"servicedesk.{alias.name}" for alias in node.names])
        for name in names:
            parts = name.split(".")
            if parts[0] == "servicedesk" and len(parts) > 1:
                found.append((node.lineno, _app(parts[1])))  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def upward_imports(source: str, app: str) -> list[str]:
    """The imports of ``source`` (a module of ``app``) that reach an app above it or an unknown one."""
    problems = []
    for line, other in imported_apps(source):
        if other == app:
            continue
        if other not in LEVEL or app not in LEVEL:
            problems.append(f"line {line}: {app} → {other} (not in LAYERS)")
        elif LEVEL[other] > LEVEL[app] or (LEVEL[other] == LEVEL[app] and LEVEL[app] != TOP):
            problems.append(f"line {line}: {app} → {other}")
    return problems


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if {"tests", "migrations", "browser_tests", "templates", "static"} & set(relative.parts):
            continue
        app = _app(relative.parts[0].removesuffix(".py"))
        yield relative, app, path.read_text(encoding="utf-8")


def test_every_app_is_in_a_layer():
    apps = {app for _, app, _ in _modules()}
    assert apps <= set(LEVEL), sorted(apps - set(LEVEL))


def test_no_import_runs_up_a_layer():
    problems = [f"{relative}: {problem}" for relative, app, source in _modules()
                for problem in upward_imports(source, app)]
    assert not problems, "imports running up a layer:\n" + "\n".join(problems)


@pytest.mark.parametrize(("source", "app", "flagged"), [
    ("from servicedesk.tickets.models import RequestType\n", "contacts", True),
    ("def f():\n    from servicedesk.outages.services import x\n", "tickets", True),
    ("import servicedesk.search.api\n", "core", True),
    ("from servicedesk.api import api\n", "outages", True),
    ("from servicedesk.wsgi import application\n", "demo", False),
    ("from servicedesk import tickets\n", "org", True),
    ("from servicedesk.reports import x\n", "tickets", True),  # an app not in LAYERS
    ("from servicedesk.contacts.models import Channel\n", "tickets", False),
    ("from servicedesk.tickets.models import X\n", "tickets", False),
    ("if TYPE_CHECKING:\n    from servicedesk.tickets.models import RequestType\n", "contacts", False),
    ("if typing.TYPE_CHECKING:\n    from servicedesk.org.models import User\n", "core", False),
    ("if TYPE_CHECKING:\n    pass\nelse:\n    from servicedesk.org.models import User\n", "core", True),
])
def test_the_check_sees_an_upward_import(source, app, flagged):
    assert bool(upward_imports(source, app)) is flagged
