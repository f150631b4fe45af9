# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renderers: one template set per platform, turning intent into device config text.

Each platform module exposes ``render_prefix_lists(prefix_lists) -> str`` that
returns the configuration which replaces the named lists as a whole (the form
bgpq4 prints). Transports that push deltas use the platform's own line helpers.
"""

from __future__ import annotations

import importlib

from ..errors import DataError
from ..model import PLATFORMS


def renderer(platform):
    """Return the renderer module for ``platform`` or raise DataError naming it."""
    if platform not in PLATFORMS:
        raise DataError(
            "platform %r has no renderer (supported: %s)" % (platform, ", ".join(PLATFORMS)),
            field="platform",
        )
    return importlib.import_module("%s.%s" % (__name__, platform))


def render_prefix_lists(platform, prefix_lists):
    """Render ``prefix_lists`` (PrefixList objects) for ``platform``."""
    return renderer(platform).render_prefix_lists(list(prefix_lists))
