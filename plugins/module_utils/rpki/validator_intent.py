# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A validator's files from its settings and NetBox: its configuration and a SLURM file for our space.

The SLURM file asserts every ROA NetBox asks for (``roa_plan.roa_intent``), so
that our own announcements validate on our routers even before the RPKI
publishes the ROAs, and carries the operator's local filters. The files are
returned as {path: content}; writing them (with check mode and diff) and
reloading the validator is the playbook's job (role ``rpki_validator``).
"""

from __future__ import annotations

import json

from ..errors import DataError
from . import validators
from .slurm import make_slurm

TOOLS = ("rpki-client", "fort", "routinator", "stayrtr")


def slurm_document(roas, filters=()):
    """The checked Slurm: ``filters`` (plain dicts) and one assertion per ROA of ``roas``; an assertion a
    filter matches stands (filters apply first) and is reported in its ``overlaps``."""
    assertions = [
        {
            "prefix": str(roa.prefix),
            "asn": roa.asn,
            "maxPrefixLength": roa.max_length,
            "comment": "routesec: originated by AS%d per NetBox" % roa.asn,
        }
        for roa in roas
    ]
    return make_slurm(list(filters or ()), assertions)


def validator_files(tool, settings, roas, filters=(), config_path=None):
    """({path: content}, command line or None, warnings) for ``tool``; DataError naming what is wrong.

    The warnings name each of our ROAs that a filter of ``filters`` matches: the SLURM still asserts it."""
    if tool not in TOOLS:
        raise DataError("%r is not one of %s" % (tool, ", ".join(TOOLS)), "validator", "tool")
    checked = validators.validator_settings(settings)
    files, warnings = {}, []
    if checked.slurm:
        slurm = slurm_document(roas, filters)
        files[checked.slurm] = json.dumps(slurm.to_dict(), indent=2, sort_keys=True) + "\n"
        warnings = list(slurm.overlaps)
    argv = None
    if tool == "rpki-client":
        argv = validators.rpki_client_argv(settings)
    elif tool == "stayrtr":
        argv = validators.stayrtr_argv(settings)
    else:
        if not config_path:
            raise DataError("%s reads a configuration file: set its path" % tool, "validator", "config_path")
        render = validators.fort_config if tool == "fort" else validators.routinator_config
        files[config_path] = render(settings)
    return files, argv, warnings
