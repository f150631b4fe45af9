# -*- coding: utf-8 -*-
"""The changelog (antsibull-changelog): the fragments and changelogs/changelog.yaml pass its lint, and a release
made from them, on a copy of the tree, writes every fragment's entry to CHANGELOG.rst and changelog.yaml.
routesec.bgp is not released yet: the tree keeps the fragments and a changelog.yaml with no release."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.lab()

REPO = Path(__file__).resolve().parents[2]


def antsibull_changelog(*args, cwd):
    proc = subprocess.run(
        ["antsibull-changelog", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def fragment_entries():
    entries = []
    for fragment in sorted((REPO / "changelogs" / "fragments").glob("*.y*ml")):
        for section, items in yaml.safe_load(fragment.read_text()).items():
            entries += [(fragment.name, section, " ".join(item.split())) for item in items]
    return entries


def test_the_fragments_and_the_changelog_pass_the_lint():
    assert "" == antsibull_changelog("lint", cwd=REPO).strip()
    assert "" == antsibull_changelog("lint-changelog-yaml", "changelogs/changelog.yaml", cwd=REPO).strip()
    assert yaml.safe_load((REPO / "changelogs" / "changelog.yaml").read_text())["releases"] == {}


def test_a_release_writes_every_fragment_to_the_changelog(tmp_path):
    copy = tmp_path / "bgp"
    copy.mkdir()
    for name in ("galaxy.yml", "README.md"):
        shutil.copy(REPO / name, copy / name)
    for name in ("changelogs", "plugins", "roles", "meta", "playbooks"):
        shutil.copytree(REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    entries = fragment_entries()
    assert ("0.1.0-install.yml", "minor_changes") in {(name, section) for name, section, _text in entries}
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    antsibull_changelog("release", "--date", "2026-01-01", cwd=copy)

    rst = " ".join((copy / "CHANGELOG.rst").read_text().split())
    assert "v%s" % version in rst
    for name, section, text in entries:
        assert "- %s" % text in rst, (name, section, text)
    release = yaml.safe_load((copy / "changelogs" / "changelog.yaml").read_text())["releases"][version]
    recorded = {(s, " ".join(t.split())) for s, items in release["changes"].items() for t in items}
    assert {(section, text) for _name, section, text in entries} <= recorded
    assert not list((copy / "changelogs" / "fragments").glob("*.yml"))  # a release consumes its fragments
