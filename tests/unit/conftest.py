# -*- coding: utf-8 -*-
"""Fixtures of the unit tests."""

from __future__ import annotations

import threading

import pytest
from fake_irr import FakeIrr


@pytest.fixture
def irr():
    server = FakeIrr()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
