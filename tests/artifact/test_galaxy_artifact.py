# -*- coding: utf-8 -*-
"""The collection builds into an artifact that installs and runs on its own."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.lab()

REPO = Path(__file__).resolve().parents[2]

RENDER_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - routesec.bgp.prefix_filter:
        intent: {intent}
        state: rendered
      register: out
    - ansible.builtin.copy:
        content: "{{{{ out.rendered }}}}"
        dest: {dest}
"""


# What a user gets: the collection, its docs and metadata, the NetBox inventory and the unit tests.
SHIPPED = (
    "MANIFEST.json",
    "README.md",
    "plugins/module_utils/drivers/frr_netmiko.py",
    "meta/requirements.txt",
    "meta/runtime.yml",
    "playbooks/own_prefix_filters.yml",
    "roles/own_prefix_filter/README.md",
    "roles/ci_plan/README.md",
    "roles/rpki_validator/README.md",
    "inventories/netbox/netbox.yml",
    "inventories/netbox/group_vars/all.yml",
    "changelogs/changelog.yaml",
    "changelogs/config.yaml",
)
# What it must not get: the lab (its scripts, its inventory with passwords), development tooling and pins.
NOT_SHIPPED_UNDER = (
    "tests/lab/",
    "tests/integration/",
    "tests/artifact/",
    "inventories/lab/",
    "scripts/",
    "bench/",
    "ee/",
    ".ci/",
    ".git/",
    "collections/",
)
NOT_SHIPPED_AT_THE_ROOT = (
    "Makefile",
    "requirements.txt",  # the development pins (meta/requirements.txt is the run-time list, shipped)
    "requirements-importer.txt",
    "ruff.toml",
    "execution-environment.yml",
    ".gitignore",
)
NOT_SHIPPED_ANYWHERE = {".ruff_cache", "__pycache__", ".pytest_cache"}


def run(*command, env=None, cwd=None):
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_build_install_and_run_from_the_artifact(tmp_path):
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    run("ansible-galaxy", "collection", "build", "--force", "--output-path", str(tmp_path), cwd=REPO)
    artifact = tmp_path / ("routesec-bgp-%s.tar.gz" % version)
    with tarfile.open(artifact) as tar:
        members = {m.name.removeprefix("./"): m for m in tar.getmembers()}
        inventories = [
            tar.extractfile(m).read().decode()
            for n, m in members.items()
            if n.startswith("inventories/") and m.isfile()
        ]
    for shipped in SHIPPED:
        assert shipped in members, shipped
    for path in members:
        assert not path.startswith(NOT_SHIPPED_UNDER), path
        assert path not in NOT_SHIPPED_AT_THE_ROOT, path
        assert not NOT_SHIPPED_ANYWHERE & set(path.split("/")), path
    assert inventories and not [text for text in inventories if "password" in text]  # no logins shipped
    installed = tmp_path / "installed"
    # --offline: the dependency netbox.netbox is satisfied by the copy scripts/setup.sh installed (no Galaxy here)
    cache = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec")) / "collections"
    with_netbox = dict(
        os.environ, ANSIBLE_COLLECTIONS_PATH="%s:%s" % (os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""), cache)
    )
    run(
        "ansible-galaxy",
        "collection",
        "install",
        "--offline",
        "--force",
        "-p",
        str(installed),
        str(artifact),
        env=with_netbox,
    )
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed))
    modules = run("ansible-doc", "-l", "routesec.bgp", env=env)
    for name in ("netbox_bootstrap", "netbox_intent", "prefix_filter"):
        assert "routesec.bgp.%s" % name in modules
    intent = {
        "name": "edge1",
        "platform": "juniper_junos",
        "prefix_lists": [{"name": "OWN4", "afi": 4, "entries": [{"prefix": "185.230.76.0/22"}]}],
    }
    dest = tmp_path / "rendered.txt"
    play = tmp_path / "render.yml"
    play.write_text(RENDER_PLAY.format(intent=json.dumps(intent), dest=dest))
    run("ansible-playbook", str(play), env=env, cwd=tmp_path)
    assert "prefix-list OWN4 {" in dest.read_text() and "185.230.76.0/22;" in dest.read_text()
