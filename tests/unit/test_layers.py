# -*- coding: utf-8 -*-
"""The folders of ``plugins/module_utils`` are layers: each package imports only the lower layers its
``__init__`` names ("Imports from: ..."), the shared base imports only itself, and nothing imports upward."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "plugins" / "module_utils"
BASE = {"errors", "http_common", "fastnet", "local_files", "platforms"}
GLUE = {"ansible_support", "router_access"}
FLOW = ("netbox", "intent", "render", "drivers", "plan")
PACKAGES = sorted(p.name for p in CORE.iterdir() if (p / "__init__.py").is_file())


def imports_of(path: Path) -> set:
    """The layers ``path`` imports from (relative imports and absolute imports of the collection)."""
    rel = path.relative_to(CORE).with_suffix("").parts
    package = rel[:-1]  # a module's package, or for an __init__ the package itself
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            anchor = package[: len(package) - node.level + 1]
            target = anchor + tuple((node.module or "").split(".")) if node.module else anchor
            if not target:
                target = tuple(alias.name for alias in node.names[:1])
        elif (node.module or "").startswith("ansible_collections.routesec.bgp.plugins.module_utils"):
            target = tuple(node.module.split(".")[5:]) or tuple(alias.name for alias in node.names[:1])
        else:
            continue
        found.add(target[0])  # a package, or a top-level file's own name
    return found


def allowed(package: str) -> set:
    """The layers a package's ``__init__`` docstring says it may import."""
    doc = ast.get_docstring(ast.parse((CORE / package / "__init__.py").read_text())) or ""
    match = re.search(r"Imports from:\s*([^.]*)\.", doc)
    assert match, "%s/__init__.py does not say which layers it imports from" % package
    names = {name.strip() for name in match.group(1).replace(" and ", ",").split(",") if name.strip()}
    unknown = names - {"base"} - set(PACKAGES)
    assert not unknown, "%s names unknown layers %s" % (package, sorted(unknown))
    return names


def used_by(unit: str) -> set:
    files = [CORE / (unit + ".py")] if (CORE / (unit + ".py")).is_file() else (CORE / unit).rglob("*.py")
    return set().union(*(imports_of(path) for path in files)) - {unit}


def test_the_top_level_holds_only_the_base_and_the_ansible_glue():
    files = {p.stem for p in CORE.glob("*.py")} - {"__init__"}
    assert files == BASE | GLUE


def test_the_base_imports_only_the_base():
    for name in BASE:
        assert used_by(name) <= BASE, name


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_what_its_init_names(package):
    permitted = allowed(package)
    used = used_by(package)
    layers = {("base" if name in BASE else name) for name in used}
    assert not used & GLUE, "%s imports the Ansible glue" % package
    assert layers <= permitted, "%s imports %s, which its __init__ does not name" % (
        package,
        sorted(layers - permitted),
    )


def test_the_layers_form_no_cycle_and_follow_the_flow():
    graph = {package: allowed(package) - {"base"} for package in PACKAGES}
    order = []
    while graph:
        ready = sorted(p for p, deps in graph.items() if deps <= set(order))
        assert ready, "the layers import each other in a cycle: %s" % graph
        order += ready
        for p in ready:
            del graph[p]
    for lower, upper in itertools.pairwise(FLOW):
        assert upper not in allowed(lower), (lower, upper)
        assert order.index(lower) < order.index(upper), (lower, upper)
