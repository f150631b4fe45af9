# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Create, idempotently, the tags and custom fields routesec reads from NetBox."""

from __future__ import annotations

from .reader import connect, installed_plugins, source_errors
from .schema import CUSTOM_FIELDS, SESSION_CUSTOM_FIELDS, TAGS


def _differences(wanted, record):
    """Keys whose value in NetBox's serialised ``record`` differs from ``wanted``."""
    current = record.serialize()
    diffs = {}
    for key, value in wanted.items():
        have = current.get(key)
        if isinstance(value, list):
            same = sorted(value) == sorted(have or [])
        else:
            same = value == have
        if not same:
            diffs[key] = value
    return diffs


def _ensure(endpoint, key, wanted_items, check_mode):
    existing = {getattr(r, key): r for r in endpoint.filter(**{key: [w[key] for w in wanted_items]})}
    changes = []
    for wanted in wanted_items:
        record = existing.get(wanted[key])
        if record is None:
            changes.append({"action": "create", key: wanted[key]})
            if not check_mode:
                endpoint.create(wanted)
            continue
        diffs = _differences(wanted, record)
        if diffs:
            changes.append({"action": "update", key: wanted[key], "fields": sorted(diffs)})
            if not check_mode:
                record.update(diffs)
    return changes


def ensure_schema(url, token, check_mode=False, timeout=30, validate_certs=True):
    """Make NetBox hold routesec's tags and custom fields; returns the list of changes made. The fields of BGP
    sessions only where the netbox-bgp plugin is installed."""
    api = connect(url, token, timeout, validate_certs)
    fields = list(CUSTOM_FIELDS)
    if "netbox_bgp" in installed_plugins(api):
        fields += SESSION_CUSTOM_FIELDS
    with source_errors(api, "tags and custom fields"):
        changes = _ensure(api.extras.tags, "slug", list(TAGS), check_mode)
        changes += _ensure(api.extras.custom_fields, "name", fields, check_mode)
    return changes
