# -*- coding: utf-8 -*-
# Copyright: routesec maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Jinja2 environment every platform's templates share."""

from __future__ import annotations

import functools

from ..errors import RoutesecError

try:
    from jinja2 import Environment, StrictUndefined
except ImportError:  # pragma: no cover - jinja2 comes with ansible-core on the controller
    Environment = None


@functools.cache
def environment():
    if Environment is None:
        raise RoutesecError("the Python library jinja2 is required to render configuration")
    env = Environment(
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return env


@functools.lru_cache(maxsize=64)
def template(source):
    """Compile ``source`` once; templates are module-level string constants."""
    return environment().from_string(source)


def render(source, **context):
    return template(source).render(**context)
