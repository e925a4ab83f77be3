"""Imports point one way: the features use notifications and never the reverse; feedback
knows nothing of satisfaction (the case → dossier link comes from the satisfaction side);
no view module imports another view module; role groups are spelled only in security.py."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# The features (auth and wards are the foundation every feature stands on).
FEATURES = ("dialogues", "feedback", "satisfaction", "dashboard", "api", "manage")


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PORTAL.rglob("*.py")):
        name = ".".join(("portal", *path.relative_to(PORTAL).with_suffix("").parts))
        found[name.removesuffix(".__init__")] = ast.parse(path.read_text(encoding="utf-8"))
    return found


MODULES = _modules()


def imports_of(module: str) -> set[str]:
    """Every portal module that `module` imports (at the top or inside a function)."""
    found = set()
    for node in ast.walk(MODULES[module]):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("portal"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("portal"))
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else module


def arrows() -> set[tuple[str, str]]:
    """(package, package) for every import from one portal package into another."""
    return {
        (package_of(module), package_of(target))
        for module in MODULES
        for target in imports_of(module)
        if package_of(module) != package_of(target)
    }


def test_notifications_import_no_feature():
    assert {(a, b) for a, b in arrows() if a == "notifications" and b in FEATURES} == set()


def test_feedback_knows_nothing_of_satisfaction():
    assert ("feedback", "satisfaction") not in arrows()


def test_no_view_module_imports_another():
    def is_view(module: str) -> bool:
        return module.rsplit(".", 1)[-1].startswith("views")

    found = {
        (module, target)
        for module in MODULES
        if is_view(module)
        for target in imports_of(module)
        if is_view(target)
    }
    assert found == set()


def test_role_groups_are_named_only_in_security():
    """No module but security.py builds a tuple, list or set of roles."""

    def spells_a_group(node: ast.AST) -> bool:
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            return False
        roles = [
            e
            for e in node.elts
            if isinstance(e, ast.Attribute) and getattr(e.value, "id", "") == "Role"
        ]
        return len(roles) >= 2

    found = [
        module
        for module, tree in MODULES.items()
        if module != "portal.security" and any(spells_a_group(n) for n in ast.walk(tree))
    ]
    assert found == []


# Libraries a web worker seldom needs, imported by the functions that use them: each costs a
# worker megabytes of memory and start-up time (issue 17). Loading the app must not import them.
HEAVY = (
    "alembic",
    "flask_migrate",
    "openpyxl",
    "icalendar",
    "holidays",
    "authlib",
    "joserfc",
    "requests",
    "weasyprint",
    "pypdf",
)


def test_loading_the_app_imports_no_heavy_library():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from portal import create_app\n"
        "from conftest import make_config\n"
        "create_app(make_config('sqlite://'))\n"
        f"print(' '.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    tests = Path(__file__).resolve().parent
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tests.parent,
        env={"PYTHONPATH": f"{tests.parent}:{tests}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.split() == [], result.stdout
