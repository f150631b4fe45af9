# -*- coding: utf-8 -*-
"""The collection builds into an artifact that installs and runs on its own."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import yaml

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


def run(*command, env=None, cwd=None):
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_build_install_and_run_from_the_artifact(tmp_path):
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    run("ansible-galaxy", "collection", "build", "--force", "--output-path", str(tmp_path), cwd=REPO)
    artifact = tmp_path / ("routesec-bgp-%s.tar.gz" % version)
    listing = run("tar", "tzf", str(artifact))
    assert "plugins/module_utils/transports/frr_cli.py" in listing
    assert ".ruff_cache" not in listing and "__pycache__" not in listing
    installed = tmp_path / "installed"
    run("ansible-galaxy", "collection", "install", "--force", "-p", str(installed), str(artifact))
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
