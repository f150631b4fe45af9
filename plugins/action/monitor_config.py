# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of routesec.bgp.monitor_config: the module with the routesec group's defaults it takes (see plugin_utils)."""

from __future__ import annotations

from ansible_collections.routesec.bgp.plugins.plugin_utils.group_defaults import ActionModule

__all__ = ["ActionModule"]
