# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: a real parley-relay process (PARLEY_RELAY) and devices in a temporary folder."""
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package beside tests/

import parley  # noqa: E402

PREFIX = "parley-relay listening on "


def relay_binary():
    binary = os.environ.get("PARLEY_RELAY")
    if not binary:
        pytest.fail("PARLEY_RELAY must name the parley-relay binary")
    return binary


@contextlib.contextmanager
def running_relay(args, quiet=False):
    """Runs parley-relay with `args` (listening on a free port); yields the port; stops it.
    `quiet`: its log is dropped (tests that make it log failures on purpose)."""
    proc = subprocess.Popen([relay_binary(), "--listen", "127.0.0.1:0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL if quiet else None, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith(PREFIX), f"relay did not start: {line!r}"
        yield int(line.strip().rsplit(":", 1)[1])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest.fixture
def relay(tmp_path):
    """Starts parley-relay on a free port; yields the port; stops it after the test."""
    with running_relay(["--data", str(tmp_path / "relay"), "--registration", "open"]) as port:
        yield port


@pytest.fixture
def device(tmp_path, relay):
    """device("alice") opens alice.1 against the relay; every device is closed after the test."""
    opened = []

    def make(user):
        client = parley.Client(user, tmp_path / f"{user}.db", passphrase=f"passphrase of {user}", relay_port=relay,
                               reconnect_initial_ms=50, reconnect_max_ms=500, initial_prekeys=20)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def connected(client):
    client.start()
    client.wait_for(lambda e: e.kind == parley.EventKind.CONNECTED)
    return client


def anchored(supervisor, *members):
    """Each member is told the supervisor's anchor out of band, so its Welcomes join."""
    anchor = supervisor.supervisor_anchor()
    for member in members:
        member.add_join_anchor(anchor)
