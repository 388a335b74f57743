"""Fixtures of the service tests: the codes (see codes.py), a trust file, the app."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

import codes  # noqa: E402  (this directory, put on the path above)

from cccdqr.serve.app import create_app  # noqa: E402
from cccdqr.serve.state import Checks, Sources  # noqa: E402


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> codes.World:
    return codes.build(tmp_path_factory.mktemp("serve-world"))


@pytest.fixture
def client(world: codes.World) -> Iterator[TestClient]:
    checks = Checks(Sources(trust=str(world.trust)), clock=lambda: codes.NOW)
    app = create_app(checks, clock=lambda: codes.NOW, watch_interval=None, sighup=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
