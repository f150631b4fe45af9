# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer 1, the source of truth: what routesec reads from NetBox.

``schema`` names the tags and custom fields routesec relies on, ``bootstrap``
creates them, and ``reader`` reads everything a run needs in one bulk pass.

Imports from: base.
"""
