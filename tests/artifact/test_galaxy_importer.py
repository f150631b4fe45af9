# -*- coding: utf-8 -*-
"""Galaxy's importer (galaxy-importer from PyPI, its default configuration: ansible-doc on every plugin,
ansible-lint --profile production offline, the changelog and role README checks; ansible-test off) on the
built artifact. It runs from its own venv ($ROUTESEC_CACHE/importer-venv, scripts/setup.sh), whose bin is put
first on PATH so that the importer finds its own ansible-doc and ansible-lint rather than skipping them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.lab()

REPO = Path(__file__).resolve().parents[2]
IMPORTER_VENV = Path(os.environ.get("ROUTESEC_CACHE", "/var/cache/routesec")) / "importer-venv"
# Only for the second run below: Galaxy requires a repository URL; routesec has no public repository yet, and
# galaxy.yml names none rather than a made-up one. Publishing means writing the real one into galaxy.yml.
STAND_IN_REPOSITORY = "https://example.invalid/routesec-bgp-stand-in"
REPOSITORY_REQUIRED = "Invalid collection metadata. 'repository' is required"


def build(tmp_path):
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    out = tmp_path / "build"
    proc = subprocess.run(
        ["ansible-galaxy", "collection", "build", "--force", "--output-path", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out / ("routesec-bgp-%s.tar.gz" % version)


def with_repository(artifact, directory, repository):
    """The same artifact with ``repository`` in its MANIFEST.json (FILES.json does not list MANIFEST.json)."""
    directory.mkdir()
    patched = directory / artifact.name
    with tarfile.open(artifact) as source, tarfile.open(patched, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name == "MANIFEST.json":
                manifest = json.load(data)
                manifest["collection_info"]["repository"] = repository
                raw = json.dumps(manifest, indent=4).encode()
                member.size = len(raw)
                data = io.BytesIO(raw)
            target.addfile(member, data)
    return patched


def importer(artifact):
    """Run ``python -m galaxy_importer.main ARTIFACT`` with the default configuration; (rc, output, result)."""
    assert (IMPORTER_VENV / "bin" / "python").exists(), "no importer venv: run scripts/setup.sh"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "GALAXY_IMPORTER_", "VIRTUAL_ENV"))}
    env["PATH"] = "%s:%s" % (IMPORTER_VENV / "bin", env.get("PATH", ""))
    assert not Path("/etc/galaxy-importer/galaxy-importer.cfg").exists()  # the default configuration
    proc = subprocess.run(
        [str(IMPORTER_VENV / "bin" / "python"), "-m", "galaxy_importer.main", artifact.name],
        cwd=artifact.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    result_file = artifact.parent / "importer_result.json"
    result = json.loads(result_file.read_text()) if result_file.exists() else None
    return proc.returncode, proc.stdout + proc.stderr, result


def test_galaxy_importer_accepts_the_artifact(tmp_path):
    artifact = build(tmp_path)
    repository = yaml.safe_load((REPO / "galaxy.yml").read_text()).get("repository")
    if not repository:
        # As built: galaxy.yml names no repository, and that is the importer's one objection.
        rc, output, _result = importer(artifact)
        assert rc != 0
        errors = [line for line in output.splitlines() if line.startswith("ERROR")]
        assert errors == ["ERROR: The import failed for the following reason: %s" % REPOSITORY_REQUIRED], output
        artifact = with_repository(artifact, tmp_path / "with-repository", STAND_IN_REPOSITORY)

    rc, output, result = importer(artifact)
    assert rc == 0, output
    assert "Importer processing completed successfully" in output
    assert not [line for line in output.splitlines() if line.startswith("ERROR")], output
    # nothing was skipped: ansible-doc and ansible-lint ran, a changelog and every role's README were found
    assert "ansible-doc not found" not in output and "ansible-lint not found" not in output, output
    assert "...ansible-lint run complete" in output
    assert "No changelog found" not in output
    contents = {(c["content_type"], c["name"]): c for c in result["contents"]}
    for module in ("netbox_intent", "prefix_filter", "compliance"):
        assert contents[("module", module)]["description"], module
    docs = {(c["content_type"], c["content_name"]): c for c in result["docs_blob"]["contents"]}
    for role in ("own_prefix_filter", "ci_plan", "rpki_validator"):
        assert contents[("role", role)]["description"], role
        assert docs[("role", role)]["readme_file"] == "README.md", role
        assert "<h1>routesec.bgp.%s</h1>" % role in docs[("role", role)]["readme_html"], role
    assert result["metadata"]["dependencies"] == {"netbox.netbox": ">=3.21.0"}
