# -*- coding: utf-8 -*-
"""A new user's install, from the README alone: in an empty directory, with the built artifact and a fresh
venv, the commands of the README's Install section (with its air-gapped variant of the collection install:
no Galaxy server is reachable here), then its check-mode run against the lab, through the NetBox inventory
shipped in the collection and through an inventory of the README's own example.

The commands are read from the README, so that the README cannot drift from what is tested. Only the lines a
user adapts are replaced: the `export` of NetBox's URL and token (the lab's) and the `$EDITOR` of the routers'
logins (the lab's). Needs the lab (tests/lab/lab.sh up) and PyPI (pip reuses its cache)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.lab(reads=("netbox", "routers"))

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lab"))

import lab_api

MANAGED = ("r1", "r2")
EXPECTED_V4_LIST = [
    "ip prefix-list ROUTESEC-OWN-V4 seq 5 permit 185.230.76.0/22 le 23",
    "ip prefix-list ROUTESEC-OWN-V4 seq 10 permit 185.230.79.0/24",
]
# The routers' logins as a user writes them: the lab's SSH login, and the file holding its routers' host keys.
LAB_LOGINS = dict(
    yaml.safe_load((REPO / "inventories" / "lab" / "group_vars" / "routers.yml").read_text()),
    routesec_known_hosts=str(lab_api.known_hosts()),
)


def install_section():
    readme = (REPO / "README.md").read_text()
    start = readme.index("\n## Install\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def code_blocks(text, language):
    """The fenced blocks of ``language`` in ``text``, in order, their indentation (inside a list) removed."""
    blocks = []
    for match in re.finditer(r"^( *)```%s\n(.*?)^\1```" % language, text, re.MULTILINE | re.DOTALL):
        indent = len(match.group(1))
        blocks.append("".join(line[indent:] for line in match.group(2).splitlines(keepends=True)))
    return blocks


def readme_commands():
    """(install script, offline install line, run script, inventory example) from the Install section."""
    section = install_section()
    install, offline, run = code_blocks(section, "sh")
    (inventory,) = code_blocks(section, "yaml")
    return install, offline.strip(), run, yaml.safe_load(inventory)


def user_environment(**extra):
    """A user's shell: none of this checkout's settings (its venv, ANSIBLE_*, NETBOX_*); pip's own settings
    and cache are kept."""
    dev_venv = Path(sys.prefix)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANSIBLE_", "NETBOX_", "ROUTESEC_", "VIRTUAL_ENV", "PYTHON", "PYTEST", "IRR_"))
    }
    path = [p for p in env.get("PATH", "").split(":") if p and Path(p).parent != dev_venv]
    env["PATH"] = ":".join(path or ["/usr/local/bin", "/usr/bin", "/bin"])
    env.update(extra)
    return env


def sh(script, cwd, env, timeout=900):
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def netbox_collection_tarball(directory):
    """netbox.netbox as a collection tarball, as `ansible-galaxy collection download` would give an air-gapped
    user, made from the copy scripts/setup.sh took from PyPI's ansible package. That package leaves out the
    collection's tests and CI files but keeps its FILES.json: the entries of files it left out are dropped
    (every file kept matches its checksum), and MANIFEST.json gets the new FILES.json's checksum."""
    cache = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec"))
    root = cache / "collections" / "ansible_collections" / "netbox" / "netbox"
    manifest = json.loads((root / "MANIFEST.json").read_text())
    files = json.loads((root / "FILES.json").read_text())
    files["files"] = [e for e in files["files"] if e["name"] == "." or (root / e["name"]).exists()]
    files_raw = json.dumps(files, indent=4).encode()
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_raw).hexdigest()
    manifest_raw = json.dumps(manifest, indent=4).encode()
    tarball = directory / ("netbox-netbox-%s.tar.gz" % manifest["collection_info"]["version"])
    with tarfile.open(tarball, "w:gz") as tar:
        for name, raw in (("MANIFEST.json", manifest_raw), ("FILES.json", files_raw)):
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
        for entry in files["files"]:
            if entry["name"] != ".":
                tar.add(root / entry["name"], arcname=entry["name"], recursive=False)
    return tarball


def recap(output):
    """PLAY RECAP counts per host: {host: {"ok": n, "changed": n, "unreachable": n, "failed": n, ...}}."""
    hosts = {}
    for host, counts in re.findall(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.MULTILINE):
        hosts[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
    return hosts


def assert_check_run(rc, output, before):
    assert rc == 0, output
    assert "UNREACHABLE" not in output and "port 22" not in output, output
    counts = recap(output)
    assert sorted(counts) == list(MANAGED), output
    for host in MANAGED:
        assert counts[host]["unreachable"] == 0 and counts[host]["failed"] == 0, output
        assert counts[host]["ok"] >= 2, output  # NetBox managed check and prefix_filter ran on the router
    after = {node: lab_api.running_config(node) for node in MANAGED}
    assert after == before, "check mode changed a router"
    for host in MANAGED:
        for line in EXPECTED_V4_LIST:  # the planned list in the diff, or already on the router
            assert "+" + line in output or line in after[host], (host, line, output)


@pytest.fixture(scope="module")
def lab():
    try:
        return lab_api.lab_env()
    except RuntimeError as error:
        pytest.fail(str(error))


def test_a_new_user_installs_from_the_readme_and_runs_a_check_against_the_lab(tmp_path, lab):
    install, offline, run, inventory_example = readme_commands()
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    artifact_name = "routesec-bgp-%s.tar.gz" % version
    online = [line for line in install.splitlines() if line.startswith("ansible-galaxy collection install ")]
    assert len(online) == 1 and artifact_name in online[0], install  # the README names this version's artifact
    assert offline.startswith("ansible-galaxy collection install --offline ") and artifact_name in offline

    # the artifact, as a user gets it; netbox.netbox's tarball for the air-gapped install
    project = tmp_path / "project"
    project.mkdir()
    proc = subprocess.run(
        ["ansible-galaxy", "collection", "build", "--output-path", str(project), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    netbox_tarball = netbox_collection_tarball(project)
    assert sorted(p.name for p in project.iterdir()) == sorted([artifact_name, netbox_tarball.name])

    # the Install commands, with the air-gapped line for the online one
    rc, output = sh(install.replace(online[0], offline), project, user_environment())
    assert rc == 0, output
    installed = project / "collections" / "ansible_collections"
    assert (installed / "routesec" / "bgp" / "MANIFEST.json").exists(), output
    assert (installed / "netbox" / "netbox" / "MANIFEST.json").exists(), output
    assert (project / ".venv" / "bin" / "ansible-playbook").exists()

    # the run, routers from NetBox: the lab's NetBox under the one name, the lab's logins
    lines = []
    for line in run.splitlines():
        if line.startswith("export "):
            assert "NETBOX_API=" in line and "NETBOX_TOKEN=" in line and "NETBOX_URL" not in line, line
            continue
        if line.startswith("$EDITOR "):
            target = shlex.split(line, comments=True)[1]
            lines.append("cat > %s <<'EOF'\n%sEOF" % (target, yaml.safe_dump(LAB_LOGINS)))
            continue
        if line.startswith("ansible-playbook"):
            assert "--check" in line, line  # never applies to the lab
        lines.append(line)
    env = user_environment(NETBOX_API=lab["NETBOX_URL"], NETBOX_TOKEN=lab["NETBOX_TOKEN"])
    activate = ". .venv/bin/activate\n"
    before = {node: lab_api.running_config(node) for node in MANAGED}
    rc, output = sh(activate + "\n".join(lines), project, env)
    assert_check_run(rc, output, before)

    # the README's own inventory example, its hosts the lab's routers and its login the lab's
    routers = inventory_example["routers"]
    assert routers["vars"]["ansible_connection"] == "local"
    assert routers["vars"]["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    routers["hosts"] = {name: None for name in MANAGED}
    routers["vars"].update(LAB_LOGINS)
    (project / "hosts.yml").write_text(yaml.safe_dump(inventory_example))
    command = "ansible-playbook -i hosts.yml routesec.bgp.own_prefix_filters --check --diff"
    rc, output = sh(activate + command, project, env)
    assert_check_run(rc, output, before)
