# SPDX-License-Identifier: GPL-3.0-or-later
"""A program that exits, or raises, with clients still open ends cleanly, not with an abort.

Each case runs a real Python program in a child process against the real relay: three
connected clients with a message in flight, never closed.
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROGRAM = textwrap.dedent("""
    import sys
    sys.path.insert(0, {package!r})
    import parley

    clients = []
    for user in ("alice", "bob", "carol"):
        c = parley.Client(user, {folder!r} + "/" + user + ".db", passphrase="p " + user, relay_port={port},
                          reconnect_initial_ms=50, reconnect_max_ms=500, initial_prekeys=20)
        c.start()
        c.wait_for(lambda e: e.kind == parley.EventKind.CONNECTED)
        clients.append(c)
    clients[0].send_text(clients[1].address, "left in flight at exit")
    {ending}
""")


def run_program(tmp_path, port, ending):
    package = str(Path(__file__).resolve().parents[1])
    source = PROGRAM.format(package=package, folder=str(tmp_path), port=port, ending=ending)
    return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))


@pytest.mark.parametrize("ending, status", [
    ("pass", 0),                                      # falls off the end
    ("sys.exit(0)", 0),
    ("raise RuntimeError('the app failed')", 1),      # Python's own status for an uncaught exception
])
def test_exit_with_open_clients(tmp_path, relay, ending, status):
    done = run_program(tmp_path, relay, ending)
    assert "terminate called" not in done.stderr, done.stderr
    assert done.returncode == status, f"exit status {done.returncode}; stderr: {done.stderr}"
    if status == 1:
        assert "RuntimeError: the app failed" in done.stderr
