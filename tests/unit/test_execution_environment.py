# -*- coding: utf-8 -*-
"""The execution environment definition (execution-environment.yml) is one ansible-builder accepts: it creates
the build context from the collection tarball, and the collection's own metadata gives the EE its Python
libraries. (Building the image itself needs a container runtime and the base image's registry.)"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def sh(*argv, cwd, env=None):
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def with_netbox_collection():
    """The environment with the collections tree where scripts/setup.sh installed netbox.netbox, routesec's
    dependency, so that an --offline install finds it (no Galaxy here)."""
    cache = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec")) / "collections"
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH="%s:%s" % (os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""), cache))


def test_ansible_builder_creates_the_context_and_finds_the_python_libraries(tmp_path):
    sh("ansible-galaxy", "collection", "build", str(REPO), "--output-path", str(tmp_path / "out"), cwd=tmp_path)
    (tarball,) = (tmp_path / "out").glob("routesec-bgp-*.tar.gz")
    (tmp_path / "ee").mkdir()
    shutil.copy(tarball, tmp_path / "ee" / "routesec-bgp.tar.gz")
    shutil.copy(REPO / "execution-environment.yml", tmp_path)
    shutil.copy(REPO / "ee" / "requirements.yml", tmp_path / "ee")
    sh("ansible-builder", "create", "-f", "execution-environment.yml", "-c", "context", cwd=tmp_path)
    containerfile = next((tmp_path / "context").glob("*file")).read_text()
    assert 'ANSIBLE_INSTALL_REFS="ansible-core==2.19.14 ansible-runner"' in containerfile
    assert "COPY _build/collections/routesec-bgp.tar.gz /tmp/routesec-bgp.tar.gz" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert (tmp_path / "context" / "_build" / "collections" / "routesec-bgp.tar.gz").stat().st_size > 0

    sh(
        "ansible-galaxy",
        "collection",
        "install",
        "--offline",  # its dependency netbox.netbox: the copy scripts/setup.sh installed (no Galaxy here)
        str(tarball),
        "-p",
        str(tmp_path / "installed"),
        "--force",
        cwd=tmp_path,
        env=with_netbox_collection(),
    )
    found = sh("ansible-builder", "introspect", str(tmp_path / "installed"), cwd=tmp_path)
    for library in ("pynetbox", "requests", "netmiko", "paramiko", "ncclient", "lxml", "Jinja2", "dnspython", "pytz"):
        assert "'%s>=" % library in found and "from collection routesec.bgp" in found
